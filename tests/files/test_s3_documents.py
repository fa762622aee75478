"""Documents in an S3-compatible object store (``IDG_STORAGE=s3``): the container wires the
backend from settings, every object holds ciphertext only, any node reads what another
stored, and settings that cannot work are refused at start."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from pydantic import ValidationError

from identity_graph.container import Container
from identity_graph.files.service import DocumentKind
from identity_graph.settings import Settings
from tests.files.s3_helpers import ACCESS_KEY, SECRET_KEY, object_bytes, object_names
from tests.files.samples import png as png_bytes


def s3_settings(data_dir: Path, endpoint: str, bucket: str, **extra: object) -> Settings:
    values: dict[str, object] = {
        "env": "test",
        "data_dir": data_dir,
        "secret_key": "test-secret-key-0123456789abcdef0123456789",
        "jobs_worker_enabled": False,
        "storage": "s3",
        "s3_bucket": bucket,
        "s3_endpoint_url": endpoint,
        "s3_access_key_id": ACCESS_KEY,
        "s3_secret_access_key": SECRET_KEY,
    }
    return Settings(_env_file=None, **(values | extra))  # type: ignore[call-arg, arg-type]


async def test_two_nodes_share_encrypted_documents(
    tmp_path: Path, s3_endpoint: str, s3_bucket: str
) -> None:
    node_a = Container(s3_settings(tmp_path / "a", s3_endpoint, s3_bucket))
    node_b = Container(s3_settings(tmp_path / "b", s3_endpoint, s3_bucket))
    scan = png_bytes()
    try:
        saved = await node_a.documents.save(DocumentKind.ID_FRONT, "front.png", scan)
        assert object_names(s3_endpoint, s3_bucket) == [f"documents/{saved.key}"]
        stored = object_bytes(s3_endpoint, s3_bucket, f"documents/{saved.key}")
        assert scan not in stored and b"PNG" not in stored
        assert saved.key != hashlib.sha256(scan).hexdigest()
        assert await node_b.documents.read(saved.key) == scan
        assert not (tmp_path / "a" / "uploads").exists()
    finally:
        await node_a.aclose()
        await node_b.aclose()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"s3_bucket": ""}, "IDG_S3_BUCKET is required"),
        ({"s3_endpoint_url": "minio:9000"}, "IDG_S3_ENDPOINT_URL must be an http"),
        ({"s3_secret_access_key": None}, "go together"),
    ],
)
def test_settings_that_cannot_work_are_refused(
    tmp_path: Path, extra: dict[str, object], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        s3_settings(tmp_path, "http://127.0.0.1:9", "bucket", **extra)
