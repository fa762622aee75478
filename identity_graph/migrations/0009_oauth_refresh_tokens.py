from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0008_consents')]

    initial = False

    operations = [
        ops.CreateModel(
            name='OAuthRefreshToken',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('token_hmac', fields.CharField(unique=True, max_length=64)),
                ('family_id', fields.UUIDField(db_index=True)),
                ('client_id', fields.CharField(max_length=64)),
                ('account', fields.ForeignKeyField('models.Account', source_field='account_id', db_constraint=True, to_field='id', related_name='oauth_refresh_tokens', on_delete=OnDelete.CASCADE)),
                ('session_id', fields.UUIDField(null=True)),
                ('scope', fields.CharField(default='', max_length=200)),
                ('acr', fields.CharField(max_length=64)),
                ('auth_time', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('used_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('revoked_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'oauth_refresh_tokens', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
