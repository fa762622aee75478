from tortoise import migrations
from tortoise.migrations import operations as ops
from identity_graph.agents.models import AgentRole, BindingOrigin, BindingState
from tortoise.fields.base import OnDelete
from uuid import uuid4
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0014_verification_upstream')]

    initial = False

    operations = [
        ops.CreateModel(
            name='AgentBinding',
            fields=[
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('expires_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('enterprise', fields.ForeignKeyField('models.Account', source_field='enterprise_id', db_constraint=True, to_field='id', related_name='agent_bindings_as_unit', on_delete=OnDelete.CASCADE)),
                ('person', fields.ForeignKeyField('models.Account', source_field='person_id', db_constraint=True, to_field='id', related_name='agent_bindings', on_delete=OnDelete.CASCADE)),
                ('role', fields.CharEnumField(description='MAIN: main\nADMIN: admin\nAGENT: agent', enum_type=AgentRole, max_length=8)),
                ('state', fields.CharEnumField(description='PENDING: pending\nACTIVE: active\nREJECTED: rejected\nREVOKED: revoked\nEXPIRED: expired', enum_type=BindingState, max_length=12)),
                ('origin', fields.CharEnumField(description='APPLICATION: application\nADDED: added', enum_type=BindingOrigin, max_length=12)),
                ('valid_from', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('live_key', fields.CharField(null=True, unique=True, max_length=80)),
                ('main_key', fields.CharField(null=True, unique=True, max_length=40)),
                ('password_hash', fields.CharField(null=True, max_length=255)),
                ('applicant_note', fields.CharField(null=True, max_length=150)),
                ('decided_by', fields.UUIDField(null=True)),
                ('decided_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('reason', fields.CharField(null=True, max_length=150)),
                ('updated_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'agent_bindings', 'app': 'models', 'indexes': [Index(fields=['enterprise_id', 'state']), Index(fields=['person_id', 'state'])], 'pk_attr': 'id', 'table_description': '``expires_at``: the decision deadline while PENDING, the end of validity once ACTIVE.'},
            bases=['FlowModel'],
        ),
        ops.CreateModel(
            name='ServiceItem',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('code', fields.CharField(unique=True, max_length=32)),
                ('name', fields.CharField(max_length=100)),
                ('client', fields.ForeignKeyField('models.OAuthClient', source_field='client_id', db_constraint=True, to_field='id', related_name='services', on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('updated_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('retired_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'service_items', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A service (事项) a partner system provides, e.g. ``000106004000`` 外国人来华工作许可'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='AgentGrant',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('binding', fields.ForeignKeyField('models.AgentBinding', source_field='binding_id', db_constraint=True, to_field='id', related_name='grants', on_delete=OnDelete.CASCADE)),
                ('service', fields.ForeignKeyField('models.ServiceItem', source_field='service_id', db_constraint=True, to_field='id', related_name='grants', on_delete=OnDelete.CASCADE)),
                ('live_key', fields.CharField(null=True, unique=True, max_length=80)),
                ('granted_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('granted_by', fields.UUIDField(null=True)),
                ('expires_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('revoked_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('revoked_by', fields.UUIDField(null=True)),
            ],
            options={'table': 'agent_grants', 'app': 'models', 'pk_attr': 'id', 'table_description': 'One service granted to one binding, until ``expires_at`` or revocation.'},
            bases=['Model'],
        ),
    ]
