from tortoise import migrations
from tortoise.migrations import operations as ops
from identity_graph.recovery.activation_models import ActivationState
from tortoise.fields.base import OnDelete
from uuid import uuid4
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0021_appeals')]

    initial = False

    operations = [
        ops.CreateModel(
            name='ActivationFlow',
            fields=[
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('expires_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('account', fields.ForeignKeyField('models.Account', source_field='account_id', db_constraint=True, to_field='id', related_name='activation_flows', on_delete=OnDelete.CASCADE)),
                ('state', fields.CharEnumField(description='CODE_SENT: code_sent\nPHONE_PROVED: phone_proved\nACTIVATED: activated', enum_type=ActivationState, max_length=16)),
                ('id_valid_from', fields.DateField(null=True)),
                ('id_valid_until', fields.DateField(null=True)),
                ('id_long_term', fields.BooleanField(default=False)),
                ('updated_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'activation_flows', 'app': 'models', 'pk_attr': 'id'},
            bases=['FlowModel'],
        ),
        ops.CreateModel(
            name='LegacyImportRecord',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('source_key', fields.CharField(unique=True, max_length=100)),
                ('account_id', fields.UUIDField()),
                ('outcome', fields.CharField(max_length=16)),
                ('login_name', fields.CharField(max_length=64)),
                ('imported_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'legacy_import_records', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A legacy account already imported: a rerun of the same file finds it and changes nothing.'},
            bases=['Model'],
        ),
    ]
