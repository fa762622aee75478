from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from uuid import uuid4
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0022_activation_legacy_import')]

    initial = False

    operations = [
        ops.CreateModel(
            name='CibaRequest',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('auth_req_id_hash', fields.CharField(unique=True, max_length=64)),
                ('auth_req_id_cipher', fields.TextField(unique=False)),
                ('client_id', fields.CharField(db_index=True, max_length=64)),
                ('confirmation', fields.OneToOneField('models.ConfirmationRequest', source_field='confirmation_id', db_constraint=True, to_field='id', related_name='ciba', on_delete=OnDelete.CASCADE)),
                ('account_id', fields.UUIDField()),
                ('scope', fields.CharField(max_length=500)),
                ('delivery_mode', fields.CharField(max_length=8)),
                ('notification_token_cipher', fields.TextField(null=True, unique=False)),
                ('interval', fields.IntField(default=5)),
                ('last_polled_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('redeemed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('notified_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'ciba_requests', 'app': 'models', 'pk_attr': 'id', 'table_description': "A CIBA authentication request (``confirmations/ciba.py``): the client's handle"},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='OAuthClient',
            name='backchannel_client_notification_endpoint',
            field=fields.CharField(null=True, max_length=500),
        ),
        ops.AddField(
            model_name='OAuthClient',
            name='backchannel_token_delivery_mode',
            field=fields.CharField(null=True, max_length=8),
        ),
    ]
