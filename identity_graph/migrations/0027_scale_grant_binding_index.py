from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0026_userinfo_row_notices')]

    initial = False

    operations = [
        ops.AddIndex(
            model_name='AgentGrant',
            index=Index(fields=['binding_id', 'revoked_at']),
        ),
    ]
