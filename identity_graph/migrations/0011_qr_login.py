from tortoise import migrations
from tortoise.migrations import operations as ops
from identity_graph.sessions.qr_login import QrState
from uuid import uuid4
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0010_pairwise_subjects')]

    initial = False

    operations = [
        ops.CreateModel(
            name='QrLoginRequest',
            fields=[
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('expires_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('code_hmac', fields.CharField(max_length=64)),
                ('poll_hmac', fields.CharField(max_length=64)),
                ('state', fields.CharEnumField(default=QrState.PENDING, description='PENDING: pending\nAPPROVED: approved\nCOMPLETED: completed', enum_type=QrState, max_length=16)),
                ('account_id', fields.UUIDField(null=True)),
                ('approved_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'qr_login_requests', 'app': 'models', 'pk_attr': 'id'},
            bases=['FlowModel'],
        ),
    ]
