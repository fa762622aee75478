"""Talking to the local S3 server of ``conftest.py`` (moto's server mode)."""

from __future__ import annotations

from typing import Any

import boto3

from identity_graph.files.s3 import S3Storage

ACCESS_KEY = "test-access-key"
SECRET_KEY = "test-secret-key"


def client(endpoint: str) -> Any:
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
    )


def s3_storage(endpoint: str, bucket: str, prefix: str = "documents/") -> S3Storage:
    return S3Storage.connect(
        bucket=bucket,
        prefix=prefix,
        endpoint_url=endpoint,
        region="us-east-1",
        access_key_id=ACCESS_KEY,
        secret_access_key=SECRET_KEY,
    )


def object_names(endpoint: str, bucket: str) -> list[str]:
    listed = client(endpoint).list_objects_v2(Bucket=bucket)
    return [item["Key"] for item in listed.get("Contents", [])]


def object_bytes(endpoint: str, bucket: str, name: str) -> bytes:
    return bytes(client(endpoint).get_object(Bucket=bucket, Key=name)["Body"].read())
