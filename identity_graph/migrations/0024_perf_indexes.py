from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0023_ciba_requests')]

    initial = False

    operations = [
        ops.AlterField(
            model_name='RevokedToken',
            name='revoked_at',
            field=fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False),
        ),
    ]
