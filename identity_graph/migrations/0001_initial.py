from tortoise import migrations
from tortoise.migrations import operations as ops
from identity_graph.accounts.models import AccountKind, AccountStatus
from identity_graph.challenges.models import CaptchaState, SmsCodeState, SmsPurpose
from identity_graph.core.jobs import JobState
from identity_graph.notifications.models import Channel, DeliveryStatus
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from uuid import uuid4
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='Account',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('kind', fields.CharEnumField(description='NATURAL_PERSON: natural_person\nENTERPRISE: enterprise\nSTAFF: staff', enum_type=AccountKind, max_length=16)),
                ('login_name', fields.CharField(unique=True, max_length=64)),
                ('status', fields.CharEnumField(default=AccountStatus.ACTIVE, description='PENDING_ACTIVATION: pending_activation\nACTIVE: active\nLOCKED: locked\nDISABLED: disabled', enum_type=AccountStatus, max_length=24)),
                ('roles', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('updated_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'accounts', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='AuditEvent',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('action', fields.CharField(db_index=True, max_length=64)),
                ('actor_id', fields.UUIDField(null=True, db_index=True)),
                ('subject_type', fields.CharField(null=True, max_length=32)),
                ('subject_id', fields.CharField(null=True, db_index=True, max_length=64)),
                ('client_ip', fields.CharField(null=True, max_length=64)),
                ('outcome', fields.CharField(default='success', max_length=16)),
                ('details', fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
            ],
            options={'table': 'audit_events', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='CaptchaChallenge',
            fields=[
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('expires_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('answer_hmac', fields.CharField(max_length=64)),
                ('state', fields.CharEnumField(default=CaptchaState.ISSUED, description='ISSUED: issued\nUSED: used', enum_type=CaptchaState, max_length=16)),
                ('used_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'captcha_challenges', 'app': 'models', 'pk_attr': 'id'},
            bases=['FlowModel'],
        ),
        ops.CreateModel(
            name='Job',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('kind', fields.CharField(db_index=True, max_length=64)),
                ('payload', fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
                ('state', fields.CharEnumField(default=JobState.PENDING, description='PENDING: pending\nRUNNING: running\nDONE: done\nDEAD: dead', enum_type=JobState, max_length=16)),
                ('attempts', fields.IntField(default=0)),
                ('max_attempts', fields.IntField()),
                ('run_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('locked_by', fields.CharField(null=True, db_index=True, max_length=64)),
                ('locked_until', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('last_error', fields.TextField(null=True, unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('finished_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'jobs', 'app': 'models', 'indexes': [Index(fields=['state', 'run_at'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='NotificationMessage',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('channel', fields.CharEnumField(description='SMS: sms\nEMAIL: email', enum_type=Channel, max_length=8)),
                ('template', fields.CharField(max_length=64)),
                ('locale', fields.CharField(max_length=8)),
                ('destination_enc', fields.TextField(unique=False)),
                ('destination_index', fields.CharField(db_index=True, max_length=64)),
                ('body_enc', fields.TextField(unique=False)),
                ('status', fields.CharEnumField(default=DeliveryStatus.QUEUED, description='QUEUED: queued\nDELIVERED: delivered\nFAILED: failed', enum_type=DeliveryStatus, max_length=16)),
                ('job_id', fields.BigIntField(null=True)),
                ('gateway_reference', fields.CharField(null=True, max_length=128)),
                ('created_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('delivered_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'notification_messages', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PasswordCredential',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('account', fields.OneToOneField('models.Account', source_field='account_id', db_constraint=True, to_field='id', related_name='password', on_delete=OnDelete.CASCADE)),
                ('hash', fields.CharField(max_length=255)),
                ('changed_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'password_credentials', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PersonalAccessToken',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('account', fields.ForeignKeyField('models.Account', source_field='account_id', db_constraint=True, to_field='id', related_name='access_tokens', on_delete=OnDelete.CASCADE)),
                ('name', fields.CharField(max_length=64)),
                ('token_hmac', fields.CharField(unique=True, max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('revoked_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'personal_access_tokens', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SmsChallenge',
            fields=[
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('expires_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('purpose', fields.CharEnumField(description='REGISTER: register\nLOGIN: login\nRESET_PASSWORD: reset_password\nCHANGE_PHONE: change_phone\nACTIVATE: activate\nAPPEAL: appeal\nVERIFY_IDENTITY: verify_identity', enum_type=SmsPurpose, max_length=32)),
                ('phone_index', fields.CharField(max_length=64)),
                ('code_hmac', fields.CharField(max_length=64)),
                ('state', fields.CharEnumField(default=SmsCodeState.ISSUED, description='ISSUED: issued\nUSED: used\nEXHAUSTED: exhausted\nSUPERSEDED: superseded', enum_type=SmsCodeState, max_length=16)),
                ('attempts', fields.IntField(default=0)),
                ('max_attempts', fields.IntField()),
                ('used_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'sms_challenges', 'app': 'models', 'indexes': [Index(fields=['phone_index', 'purpose', 'state'])], 'pk_attr': 'id'},
            bases=['FlowModel'],
        ),
    ]
