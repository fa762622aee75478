from tortoise import migrations
from tortoise.migrations import operations as ops
from identity_graph.confirmations.models import ItemState, RequestState
from identity_graph.ids.types import IdType
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from uuid import uuid4
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0016_face_checks')]

    initial = False

    operations = [
        ops.CreateModel(
            name='ConfirmationRequest',
            fields=[
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('expires_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('client_id', fields.CharField(max_length=64)),
                ('reference', fields.CharField(max_length=64)),
                ('title', fields.CharField(max_length=100)),
                ('summary', fields.TextField(unique=False)),
                ('summary_hash', fields.CharField(max_length=64)),
                ('state', fields.CharEnumField(default=RequestState.OPEN, description='OPEN: open\nCOMPLETE: complete\nDECLINED: declined\nEXPIRED: expired', enum_type=RequestState, max_length=12)),
                ('webhook_url', fields.CharField(null=True, max_length=500)),
                ('finished_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('updated_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'confirmation_requests', 'app': 'models', 'unique_together': (('client_id', 'reference'),), 'pk_attr': 'id'},
            bases=['FlowModel'],
        ),
        ops.CreateModel(
            name='ConfirmationItem',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('request', fields.ForeignKeyField('models.ConfirmationRequest', source_field='request_id', db_constraint=True, to_field='id', related_name='items', on_delete=OnDelete.CASCADE)),
                ('position', fields.IntField()),
                ('role', fields.CharField(max_length=32)),
                ('name_cipher', fields.TextField(unique=False)),
                ('id_type', fields.CharEnumField(description='RESIDENT_ID_CARD: resident_id_card\nFOREIGNER_PERMANENT_RESIDENCE_ID: foreigner_permanent_residence_id\nEXIT_ENTRY_PERMIT_HK_MACAO: exit_entry_permit_hk_macao\nTRAVEL_PERMIT_TAIWAN: travel_permit_taiwan\nMAINLAND_TRAVEL_PERMIT_HK_MACAO: mainland_travel_permit_hk_macao\nMAINLAND_TRAVEL_PERMIT_TAIWAN: mainland_travel_permit_taiwan\nHMT_RESIDENCE_PERMIT: hmt_residence_permit\nFOREIGN_PASSPORT: foreign_passport', enum_type=IdType, max_length=40)),
                ('id_number_cipher', fields.TextField(unique=False)),
                ('id_number_index', fields.CharField(db_index=True, max_length=64)),
                ('state', fields.CharEnumField(default=ItemState.PENDING, description='PENDING: pending\nFACE_PASSED: face_passed\nCONFIRMED: confirmed\nDECLINED: declined\nEXPIRED: expired', enum_type=ItemState, max_length=12)),
                ('face_passed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('decided_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('decline_reason', fields.CharField(null=True, max_length=200)),
                ('evidence', fields.TextField(null=True, unique=False)),
                ('signature_document_id', fields.UUIDField(null=True)),
                ('face_sessions', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('updated_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'confirmation_items', 'app': 'models', 'unique_together': (('request_id', 'position'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
