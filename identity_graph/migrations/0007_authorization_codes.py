from tortoise import migrations
from tortoise.migrations import operations as ops
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0006_revoked_tokens')]

    initial = False

    operations = [
        ops.CreateModel(
            name='AuthorizationCode',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('code_hmac', fields.CharField(unique=True, max_length=64)),
                ('client_id', fields.CharField(max_length=64)),
                ('account', fields.ForeignKeyField('models.Account', source_field='account_id', db_constraint=True, to_field='id', related_name='authorization_codes', on_delete=OnDelete.CASCADE)),
                ('session_id', fields.UUIDField(null=True)),
                ('redirect_uri', fields.CharField(max_length=500)),
                ('scope', fields.CharField(default='', max_length=200)),
                ('nonce', fields.CharField(null=True, max_length=200)),
                ('code_challenge', fields.CharField(null=True, max_length=128)),
                ('code_challenge_method', fields.CharField(null=True, max_length=8)),
                ('auth_time', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('amr', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('acr', fields.CharField(max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('used_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'oauth_authorization_codes', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
