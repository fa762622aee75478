from tortoise import migrations
from tortoise.migrations import operations as ops
from identity_graph.ids.types import IdType
from identity_graph.verification.models import ChallengeState, FaceCheckPurpose
from identity_graph.verification.rules import Route
from tortoise.fields.base import OnDelete
from uuid import uuid4
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0015_agents')]

    initial = False

    operations = [
        ops.CreateModel(
            name='FaceCheck',
            fields=[
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('expires_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('purpose', fields.CharEnumField(description='AGENT_ADMIN: agent_admin\nCONFIRMATION_ACCESS: confirmation_access\nCONFIRMATION_SIGN: confirmation_sign', enum_type=FaceCheckPurpose, max_length=32)),
                ('state', fields.CharEnumField(default=ChallengeState.OPEN, description='OPEN: open\nPASSED: passed\nFAILED: failed', enum_type=ChallengeState, max_length=16)),
                ('account', fields.ForeignKeyField('models.Account', source_field='account_id', null=True, db_constraint=True, to_field='id', related_name='face_checks', on_delete=OnDelete.CASCADE)),
                ('claim_cipher', fields.TextField(unique=False)),
                ('id_type', fields.CharEnumField(description='RESIDENT_ID_CARD: resident_id_card\nFOREIGNER_PERMANENT_RESIDENCE_ID: foreigner_permanent_residence_id\nEXIT_ENTRY_PERMIT_HK_MACAO: exit_entry_permit_hk_macao\nTRAVEL_PERMIT_TAIWAN: travel_permit_taiwan\nMAINLAND_TRAVEL_PERMIT_HK_MACAO: mainland_travel_permit_hk_macao\nMAINLAND_TRAVEL_PERMIT_TAIWAN: mainland_travel_permit_taiwan\nHMT_RESIDENCE_PERMIT: hmt_residence_permit\nFOREIGN_PASSPORT: foreign_passport', enum_type=IdType, max_length=40)),
                ('id_number_index', fields.CharField(db_index=True, max_length=64)),
                ('bound_to', fields.CharField(null=True, max_length=128)),
                ('provider', fields.CharField(max_length=32)),
                ('provider_reference', fields.CharField(null=True, max_length=128)),
                ('return_url', fields.CharField(null=True, max_length=500)),
                ('failure_reason', fields.CharField(null=True, max_length=64)),
                ('completed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('consumed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'face_checks', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A face session proving one person for one purpose (``face_checks.py``).'},
            bases=['FlowModel'],
        ),
        ops.AlterField(
            model_name='VerificationCase',
            name='route',
            field=fields.CharEnumField(description='AUTOMATIC: automatic\nMANUAL: manual\nFALLBACK: fallback', enum_type=Route, max_length=16),
        ),
        ops.AddField(
            model_name='VerificationChallenge',
            name='failure_reason',
            field=fields.CharField(null=True, max_length=64),
        ),
    ]
