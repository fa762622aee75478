from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0009_oauth_refresh_tokens')]

    initial = False

    operations = [
        ops.AddField(
            model_name='OAuthClient',
            name='sector_identifier',
            field=fields.CharField(null=True, max_length=200),
        ),
        ops.AddField(
            model_name='OAuthClient',
            name='subject_type',
            field=fields.CharField(default='public', db_default='public', max_length=16),
        ),
    ]
