from tortoise import migrations
from tortoise.migrations import operations as ops
from orjson import loads
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0004_accounts_registration')]

    initial = False

    operations = [
        ops.CreateModel(
            name='OAuthClient',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('client_id', fields.CharField(unique=True, max_length=64)),
                ('name', fields.CharField(max_length=100)),
                ('secret_hmac', fields.CharField(null=True, max_length=64)),
                ('token_endpoint_auth_method', fields.CharField(max_length=32)),
                ('grant_types', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('response_types', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('scopes', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('redirect_uris', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('post_logout_redirect_uris', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('backchannel_logout_uri', fields.CharField(null=True, max_length=500)),
                ('first_party', fields.BooleanField(default=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('updated_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('disabled_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'oauth_clients', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
