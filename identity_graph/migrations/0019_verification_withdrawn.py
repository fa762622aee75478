from tortoise import migrations
from tortoise.migrations import operations as ops
from identity_graph.verification.models import CaseState
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0018_oauth_par_dpop_grants')]

    initial = False

    operations = [
        ops.AlterField(
            model_name='VerificationCase',
            name='state',
            field=fields.CharEnumField(description='AWAITING_MATERIALS: awaiting_materials\nPENDING: pending\nVERIFIED: verified\nFAILED: failed\nMANUAL_REVIEW: manual_review\nMANUAL_REJECTED: manual_rejected\nMANUAL_APPROVED: manual_approved\nSUPERSEDED: superseded\nWITHDRAWN: withdrawn', enum_type=CaseState, max_length=24),
        ),
    ]
