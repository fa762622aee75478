from tortoise import migrations
from tortoise.migrations import operations as ops
from identity_graph.accounts.enums import AssuranceLevel, VerificationStatus
from identity_graph.files.service import DocumentKind
from identity_graph.verification.models import CaseReason, CaseState, ChallengeKind, ChallengeState, ReviewState
from identity_graph.verification.rules import Method, Route, Subject
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from uuid import uuid4
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0012_upstream_links')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Document',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('owner_id', fields.UUIDField(db_index=True)),
                ('kind', fields.CharEnumField(description='ID_FRONT: ID_FRONT\nID_BACK: ID_BACK\nBUSINESS_LICENCE: BUSINESS_LICENCE\nAUTHORISATION_LETTER: AUTHORISATION_LETTER\nHOLDING_ID_PHOTO: HOLDING_ID_PHOTO\nOTHER: OTHER', enum_type=DocumentKind, max_length=24)),
                ('storage_key', fields.CharField(max_length=64)),
                ('mime', fields.CharField(max_length=100)),
                ('size', fields.IntField()),
                ('sha256', fields.CharField(max_length=64)),
                ('name', fields.CharField(max_length=255)),
                ('attached_to', fields.UUIDField(null=True, db_index=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'documents', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='VerificationCase',
            fields=[
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('expires_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('account', fields.ForeignKeyField('models.Account', source_field='account_id', db_constraint=True, to_field='id', related_name='verification_cases', on_delete=OnDelete.CASCADE)),
                ('subject', fields.CharEnumField(description='PERSON: person\nUNIT: unit', enum_type=Subject, max_length=8)),
                ('route', fields.CharEnumField(description='AUTOMATIC: automatic\nMANUAL: manual', enum_type=Route, max_length=16)),
                ('reason', fields.CharEnumField(default=CaseReason.SUBMISSION, description='SUBMISSION: submission\nCHANGE: change\nIDENTITY_CHANGE: identity_change', enum_type=CaseReason, max_length=24)),
                ('state', fields.CharEnumField(description='AWAITING_MATERIALS: awaiting_materials\nPENDING: pending\nVERIFIED: verified\nFAILED: failed\nMANUAL_REVIEW: manual_review\nMANUAL_REJECTED: manual_rejected\nMANUAL_APPROVED: manual_approved\nSUPERSEDED: superseded', enum_type=CaseState, max_length=24)),
                ('claim_cipher', fields.TextField(unique=False)),
                ('failure_code', fields.CharField(null=True, max_length=48)),
                ('failure_fields', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('decided_by', fields.CharEnumField(null=True, description='REGISTRY: registry\nFACE: face\nBUSINESS_LICENCE: business_licence\nMANUAL_REVIEW: manual_review', enum_type=Method, max_length=24)),
                ('level', fields.CharEnumField(null=True, description='PHONE_VERIFIED: phone_verified\nREAL_NAME: real_name\nREAL_PERSON: real_person', enum_type=AssuranceLevel, max_length=16)),
                ('decided_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('updated_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'verification_cases', 'app': 'models', 'indexes': [Index(fields=['account_id', 'created_at'])], 'pk_attr': 'id'},
            bases=['FlowModel'],
        ),
        ops.CreateModel(
            name='ManualReview',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('case', fields.ForeignKeyField('models.VerificationCase', source_field='case_id', db_constraint=True, to_field='id', related_name='reviews', on_delete=OnDelete.CASCADE)),
                ('account_id', fields.UUIDField(db_index=True)),
                ('subject', fields.CharEnumField(description='PERSON: person\nUNIT: unit', enum_type=Subject, max_length=8)),
                ('state', fields.CharEnumField(default=ReviewState.OPEN, description='OPEN: open\nAPPROVED: approved\nREJECTED: rejected\nWITHDRAWN: withdrawn', enum_type=ReviewState, max_length=16)),
                ('documents', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('submitted_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('due_on', fields.DateField()),
                ('reviewer_id', fields.UUIDField(null=True)),
                ('decided_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('reasons', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('note', fields.TextField(null=True, unique=False)),
            ],
            options={'table': 'manual_reviews', 'app': 'models', 'indexes': [Index(fields=['state', 'due_on'])], 'pk_attr': 'id', 'table_description': 'Scans sent for manual review (人工审核), due 5 working days after submission.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='VerificationAttempt',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('case', fields.ForeignKeyField('models.VerificationCase', source_field='case_id', db_constraint=True, to_field='id', related_name='attempts', on_delete=OnDelete.CASCADE)),
                ('method', fields.CharEnumField(description='REGISTRY: registry\nFACE: face\nBUSINESS_LICENCE: business_licence\nMANUAL_REVIEW: manual_review', enum_type=Method, max_length=24)),
                ('provider', fields.CharField(max_length=32)),
                ('outcome', fields.CharField(max_length=24)),
                ('mismatched', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('reference', fields.CharField(null=True, max_length=128)),
                ('detail', fields.CharField(null=True, max_length=200)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'verification_attempts', 'app': 'models', 'pk_attr': 'id', 'table_description': 'One question to an authority (or one reviewer decision) and its answer.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='VerificationChallenge',
            fields=[
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('expires_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('case', fields.ForeignKeyField('models.VerificationCase', source_field='case_id', db_constraint=True, to_field='id', related_name='challenges', on_delete=OnDelete.CASCADE)),
                ('kind', fields.CharEnumField(description='FACE: face\nBUSINESS_LICENCE: business_licence', enum_type=ChallengeKind, max_length=24)),
                ('provider', fields.CharField(max_length=32)),
                ('state', fields.CharEnumField(default=ChallengeState.OPEN, description='OPEN: open\nPASSED: passed\nFAILED: failed', enum_type=ChallengeState, max_length=16)),
                ('return_url', fields.CharField(null=True, max_length=500)),
                ('completed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'verification_challenges', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A face session or an e-licence challenge, completed once by a signed callback.'},
            bases=['FlowModel'],
        ),
        ops.AddField(
            model_name='Account',
            name='verification_case_id',
            field=fields.UUIDField(null=True),
        ),
        ops.AddField(
            model_name='Account',
            name='verification_status',
            field=fields.CharEnumField(default=VerificationStatus.UNVERIFIED, db_default=VerificationStatus.UNVERIFIED, description='UNVERIFIED: unverified\nPENDING: pending\nVERIFIED: verified\nFAILED: failed\nMANUAL_REVIEW: manual_review\nMANUAL_REJECTED: manual_rejected\nMANUAL_APPROVED: manual_approved', enum_type=VerificationStatus, max_length=24),
        ),
    ]
