from tortoise import migrations
from tortoise.migrations import operations as ops
from identity_graph.accounts.enums import AssuranceLevel, EnterpriseSize, Holding, LegalPersonType, UnitRegion
from identity_graph.ids.types import Gender, IdType, RegionType
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from uuid import uuid4
from tortoise import fields
from tortoise.indexes import Index
from tortoise.migrations.constraints import UniqueConstraint

class Migration(migrations.Migration):
    dependencies = [('models', '0003_login_sessions')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Enterprise',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('account', fields.OneToOneField('models.Account', source_field='account_id', db_constraint=True, to_field='id', related_name='enterprise', on_delete=OnDelete.CASCADE)),
                ('name', fields.CharField(max_length=100)),
                ('english_name', fields.CharField(null=True, max_length=200)),
                ('short_name', fields.CharField(null=True, max_length=50)),
                ('homepage', fields.CharField(null=True, max_length=200)),
                ('region_type', fields.CharEnumField(description='DOMESTIC: domestic\nHMT: hmt\nFOREIGN: foreign', enum_type=UnitRegion, max_length=16)),
                ('legal_person_type', fields.CharEnumField(description='ENTERPRISE: enterprise\nSOCIAL_ORGANISATION: social_organisation\nPUBLIC_INSTITUTION: public_institution\nGOVERNMENT_ORGAN: government_organ\nINDIVIDUAL_BUSINESS: individual_business\nOTHER: other', enum_type=LegalPersonType, max_length=24)),
                ('uscc', fields.CharField(null=True, unique=True, max_length=18)),
                ('uscc_checksum_ok', fields.BooleanField(default=True)),
                ('unit_identifier', fields.CharField(null=True, unique=True, max_length=64)),
                ('unit_nature', fields.CharField(null=True, max_length=64)),
                ('address', fields.CharField(max_length=200)),
                ('founding_date', fields.DateField(null=True)),
                ('independent_legal_person', fields.BooleanField(null=True)),
                ('mailing_address', fields.CharField(null=True, max_length=200)),
                ('unit_phone', fields.CharField(null=True, max_length=32)),
                ('industry', fields.CharField(null=True, max_length=4)),
                ('size', fields.CharEnumField(null=True, description='LARGE: large\nMEDIUM: medium\nSMALL: small\nMICRO: micro', enum_type=EnterpriseSize, max_length=8)),
                ('holding', fields.CharEnumField(null=True, description='STATE: state\nCOLLECTIVE: collective\nPRIVATE: private\nHMT: hmt\nFOREIGN: foreign\nOTHER: other', enum_type=Holding, max_length=16)),
                ('legal_rep_name_cipher', fields.TextField(unique=False)),
                ('legal_rep_id_type', fields.CharEnumField(description='RESIDENT_ID_CARD: resident_id_card\nFOREIGNER_PERMANENT_RESIDENCE_ID: foreigner_permanent_residence_id\nEXIT_ENTRY_PERMIT_HK_MACAO: exit_entry_permit_hk_macao\nTRAVEL_PERMIT_TAIWAN: travel_permit_taiwan\nMAINLAND_TRAVEL_PERMIT_HK_MACAO: mainland_travel_permit_hk_macao\nMAINLAND_TRAVEL_PERMIT_TAIWAN: mainland_travel_permit_taiwan\nHMT_RESIDENCE_PERMIT: hmt_residence_permit\nFOREIGN_PASSPORT: foreign_passport', enum_type=IdType, max_length=40)),
                ('legal_rep_id_number_cipher', fields.TextField(unique=False)),
                ('legal_rep_id_number_index', fields.CharField(db_index=True, max_length=64)),
                ('legal_rep_id_valid_from', fields.DateField(null=True)),
                ('legal_rep_id_valid_until', fields.DateField(null=True)),
                ('legal_rep_id_long_term', fields.BooleanField(default=False)),
                ('legal_rep_mobile_cipher', fields.TextField(null=True, unique=False)),
                ('legal_rep_email_cipher', fields.TextField(null=True, unique=False)),
                ('extended', fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
                ('updated_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'enterprises', 'app': 'models', 'pk_attr': 'id', 'table_description': 'Unit data and legal representative of a legal person (SPEC §2.2), keyed by account id.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='InfoUpdateRecord',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('account', fields.ForeignKeyField('models.Account', source_field='account_id', db_constraint=True, to_field='id', related_name='info_updates', on_delete=OnDelete.CASCADE)),
                ('actor_id', fields.UUIDField(null=True)),
                ('changes', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('reverification', fields.BooleanField(default=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'info_update_records', 'app': 'models', 'indexes': [Index(fields=['account_id', 'created_at'])], 'pk_attr': 'id', 'table_description': 'One profile change (信息更新记录): masked old and new values per field, never clear text.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='NaturalPerson',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('account', fields.OneToOneField('models.Account', source_field='account_id', db_constraint=True, to_field='id', related_name='natural_person', on_delete=OnDelete.CASCADE)),
                ('real_name_cipher', fields.TextField(unique=False)),
                ('region_type', fields.CharEnumField(description='MAINLAND: mainland\nHMT: hmt\nOTHER: other', enum_type=RegionType, max_length=16)),
                ('id_type', fields.CharEnumField(description='RESIDENT_ID_CARD: resident_id_card\nFOREIGNER_PERMANENT_RESIDENCE_ID: foreigner_permanent_residence_id\nEXIT_ENTRY_PERMIT_HK_MACAO: exit_entry_permit_hk_macao\nTRAVEL_PERMIT_TAIWAN: travel_permit_taiwan\nMAINLAND_TRAVEL_PERMIT_HK_MACAO: mainland_travel_permit_hk_macao\nMAINLAND_TRAVEL_PERMIT_TAIWAN: mainland_travel_permit_taiwan\nHMT_RESIDENCE_PERMIT: hmt_residence_permit\nFOREIGN_PASSPORT: foreign_passport', enum_type=IdType, max_length=40)),
                ('id_number_cipher', fields.TextField(unique=False)),
                ('id_number_index', fields.CharField(unique=True, max_length=64)),
                ('id_valid_from', fields.DateField(null=True)),
                ('id_valid_until', fields.DateField(null=True)),
                ('id_long_term', fields.BooleanField(default=False)),
                ('gender', fields.CharEnumField(null=True, description='MALE: male\nFEMALE: female', enum_type=Gender, max_length=8)),
                ('ethnicity', fields.CharField(null=True, max_length=32)),
                ('birth_date', fields.DateField(null=True)),
                ('address', fields.CharField(null=True, max_length=200)),
                ('occupation', fields.CharField(null=True, max_length=64)),
                ('updated_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'natural_persons', 'app': 'models', 'pk_attr': 'id', 'table_description': 'Identity data of a resident (SPEC §2.1), keyed by the id of the account.'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Account',
            name='email_cipher',
            field=fields.TextField(null=True, unique=False),
        ),
        ops.AddField(
            model_name='Account',
            name='last_login_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Account',
            name='level',
            field=fields.CharEnumField(default=AssuranceLevel.PHONE_VERIFIED, db_default=AssuranceLevel.PHONE_VERIFIED, description='PHONE_VERIFIED: phone_verified\nREAL_NAME: real_name\nREAL_PERSON: real_person', enum_type=AssuranceLevel, max_length=16),
        ),
        ops.AddField(
            model_name='Account',
            name='login_key',
            field=fields.CharField(null=True, unique=True, max_length=64),
        ),
        ops.AddField(
            model_name='Account',
            name='phone_cipher',
            field=fields.TextField(null=True, unique=False),
        ),
        ops.AddField(
            model_name='Account',
            name='phone_index',
            field=fields.CharField(null=True, max_length=64),
        ),
        ops.AddField(
            model_name='Account',
            name='pledge_accepted_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Account',
            name='pledge_version',
            field=fields.CharField(null=True, max_length=16),
        ),
        ops.AddConstraint(
            model_name='Account',
            constraint=UniqueConstraint(fields=('kind', 'phone_index'), name=None),
        ),
        # Staff accounts made before login names became case-insensitive get their key.
        ops.RunSQL(
            "UPDATE accounts SET login_key = LOWER(login_name) WHERE login_key IS NULL",
            reverse_sql="SELECT 1",
        ),
    ]
