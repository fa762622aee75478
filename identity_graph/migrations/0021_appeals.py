from tortoise import migrations
from tortoise.migrations import operations as ops
from identity_graph.recovery.appeals.models import AppealKind, AppealState
from orjson import loads
from tortoise.fields.data import JSON_DUMPS
from uuid import uuid4
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0020_password_resets')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Appeal',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('number', fields.CharField(unique=True, max_length=24)),
                ('kind', fields.CharEnumField(description='PERSON_PASSWORD: person_password\nUNIT_PASSWORD: unit_password\nASSISTED_REGISTRATION: assisted_registration\nMODIFY_ENTERPRISE: modify_enterprise\nIDENTITY_CHANGE: identity_change', enum_type=AppealKind, max_length=24)),
                ('state', fields.CharEnumField(default=AppealState.SUBMITTED, description='SUBMITTED: submitted\nIN_REVIEW: in_review\nAPPROVED: approved\nREJECTED: rejected', enum_type=AppealState, max_length=16)),
                ('phone_cipher', fields.TextField(unique=False)),
                ('phone_index', fields.CharField(db_index=True, max_length=64)),
                ('form_cipher', fields.TextField(unique=False)),
                ('applicant_id', fields.UUIDField(null=True)),
                ('account_id', fields.UUIDField(null=True, db_index=True)),
                ('documents', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('submitted_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('due_on', fields.DateField()),
                ('reviewer_id', fields.UUIDField(null=True)),
                ('decided_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('reasons', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('note', fields.TextField(null=True, unique=False)),
                ('reset_hash', fields.CharField(null=True, unique=True, max_length=64)),
                ('reset_expires_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('reset_used_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('updated_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'appeals', 'app': 'models', 'indexes': [Index(fields=['state', 'due_on'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='VerificationCase',
            name='previous_case_id',
            field=fields.UUIDField(null=True),
        ),
        ops.AddField(
            model_name='VerificationCase',
            name='proposed_cipher',
            field=fields.TextField(null=True, unique=False),
        ),
    ]
