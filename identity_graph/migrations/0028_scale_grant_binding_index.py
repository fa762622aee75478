from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.indexes import Index

class Migration(migrations.Migration):
    # Re-chained by the lead after 0026/0027 at merge: this line only.
    dependencies = [('models', '0025_appeal_locale')]

    initial = False

    operations = [
        ops.AddIndex(
            model_name='AgentGrant',
            index=Index(fields=['binding_id', 'revoked_at']),
        ),
    ]
