from tortoise import migrations
from tortoise.migrations import operations as ops
from identity_graph.recovery.reset_models import ResetChannel, ResetKind, ResetState
from uuid import uuid4
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0019_verification_withdrawn')]

    initial = False

    operations = [
        ops.CreateModel(
            name='PasswordReset',
            fields=[
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('expires_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('kind', fields.CharEnumField(description='NATURAL_PERSON: natural_person\nENTERPRISE: enterprise', enum_type=ResetKind, max_length=16)),
                ('channel', fields.CharEnumField(description='SMS: sms\nEMAIL: email', enum_type=ResetChannel, max_length=8)),
                ('state', fields.CharEnumField(default=ResetState.CODE_SENT, description='CODE_SENT: code_sent\nCOMPLETED: completed\nEXHAUSTED: exhausted\nSUPERSEDED: superseded', enum_type=ResetState, max_length=16)),
                ('account_id', fields.UUIDField(null=True, db_index=True)),
                ('code_hmac', fields.CharField(max_length=64)),
                ('attempts', fields.IntField(default=0)),
                ('max_attempts', fields.IntField()),
                ('used_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'password_resets', 'app': 'models', 'pk_attr': 'id'},
            bases=['FlowModel'],
        ),
    ]
