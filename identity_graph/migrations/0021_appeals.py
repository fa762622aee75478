from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0019_verification_withdrawn')]

    initial = False

    operations = [
        ops.AddField(
            model_name='VerificationCase',
            name='previous_case_id',
            field=fields.UUIDField(null=True),
        ),
        ops.AddField(
            model_name='VerificationCase',
            name='proposed_cipher',
            field=fields.TextField(null=True, unique=False),
        ),
    ]
