from tortoise import migrations
from tortoise.migrations import operations as ops
from orjson import loads
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0017_confirmations')]

    initial = False

    operations = [
        ops.AddField(
            model_name='AuthorizationCode',
            name='grant_id',
            field=fields.UUIDField(null=True),
        ),
        ops.AddField(
            model_name='AuthorizationCode',
            name='dpop_jkt',
            field=fields.CharField(null=True, max_length=64),
        ),
        ops.AddField(
            model_name='OAuthRefreshToken',
            name='dpop_jkt',
            field=fields.CharField(null=True, max_length=64),
        ),
        ops.CreateModel(
            name='PushedRequest',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('handle_hmac', fields.CharField(unique=True, max_length=64)),
                ('client_id', fields.CharField(max_length=64)),
                ('parameters', fields.JSONField(encoder=JSON_DUMPS, decoder=loads)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('used_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'oauth_pushed_requests', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
