from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0024_perf_indexes')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Appeal',
            name='locale',
            field=fields.CharField(default='zh-CN', db_default='zh-CN', max_length=8),
        ),
    ]
