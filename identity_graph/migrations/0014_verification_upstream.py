from tortoise import migrations
from tortoise.migrations import operations as ops
from identity_graph.verification.rules import Method
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0013_verification')]

    initial = False

    operations = [
        ops.AlterField(
            model_name='VerificationAttempt',
            name='method',
            field=fields.CharEnumField(description='REGISTRY: registry\nFACE: face\nBUSINESS_LICENCE: business_licence\nMANUAL_REVIEW: manual_review\nUPSTREAM: upstream', enum_type=Method, max_length=24),
        ),
        ops.AlterField(
            model_name='VerificationCase',
            name='decided_by',
            field=fields.CharEnumField(null=True, description='REGISTRY: registry\nFACE: face\nBUSINESS_LICENCE: business_licence\nMANUAL_REVIEW: manual_review\nUPSTREAM: upstream', enum_type=Method, max_length=24),
        ),
    ]
