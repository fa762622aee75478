"""The S3-compatible object-storage backend of ``Storage`` (SPEC §10: production file storage).

With several nodes behind a load balancer, a scan uploaded through one node must be readable
from every other: documents go to one bucket that all nodes share (AWS S3, MinIO, Ceph RGW,
or any service speaking the S3 API), instead of one node's disk. ``EncryptedStorage`` wraps
this backend as it wraps the local folder, so the service only ever sends ciphertext: the
object store never sees a scan in clear, and its own server-side encryption is a second layer
at most.

Keys are checked (``check_key``) before any request, so an object name is always
``<prefix><64 hex>``. The client is boto3's (botocore: SigV4 signing, retries with backoff,
connection pooling); it is synchronous and thread-safe, so each call runs in a worker thread
to keep the event loop free. Path-style addressing is the default because MinIO and most
self-hosted services need it.
"""

from __future__ import annotations

from typing import Any

import anyio.to_thread
import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from identity_graph.files.storage import check_key

_MISSING = {"404", "NoSuchKey", "NotFound"}


class S3Storage:
    """Stores each blob as object ``prefix + key`` in ``bucket``."""

    def __init__(self, client: Any, bucket: str, prefix: str = "") -> None:
        self._client = client
        self._bucket = bucket
        self._prefix = prefix

    @classmethod
    def connect(
        cls,
        *,
        bucket: str,
        prefix: str = "",
        endpoint_url: str | None = None,
        region: str | None = None,
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
        addressing_style: str = "path",
        timeout_seconds: float = 10.0,
    ) -> S3Storage:
        """A backend with its own client. Without keys, boto3's usual chain applies
        (environment, instance or pod role)."""
        client = boto3.session.Session().client(
            "s3",
            endpoint_url=endpoint_url or None,
            region_name=region or None,
            aws_access_key_id=access_key_id or None,
            aws_secret_access_key=secret_access_key or None,
            config=Config(
                s3={"addressing_style": addressing_style},
                connect_timeout=timeout_seconds,
                read_timeout=timeout_seconds,
                retries={"max_attempts": 3, "mode": "standard"},
            ),
        )
        return cls(client, bucket, prefix)

    async def put(self, key: str, data: bytes) -> None:
        """Store ``data`` under ``key``; S3 replaces objects whole, so a reader never sees
        half of one, and the same key always carries the same content."""
        name = self._name(key)
        await anyio.to_thread.run_sync(
            lambda: self._client.put_object(Bucket=self._bucket, Key=name, Body=data)
        )

    async def get(self, key: str) -> bytes:
        name = self._name(key)
        try:
            answer = await anyio.to_thread.run_sync(
                lambda: self._client.get_object(Bucket=self._bucket, Key=name)
            )
        except ClientError as exc:
            if _missing(exc):
                raise FileNotFoundError(key) from None
            raise
        body = answer["Body"]
        try:
            return bytes(await anyio.to_thread.run_sync(body.read))
        finally:
            body.close()

    async def exists(self, key: str) -> bool:
        name = self._name(key)
        try:
            await anyio.to_thread.run_sync(
                lambda: self._client.head_object(Bucket=self._bucket, Key=name)
            )
        except ClientError as exc:
            if _missing(exc):
                return False
            raise
        return True

    async def delete(self, key: str) -> None:
        """Remove the object; deleting an absent key is not an error (nor is it in S3)."""
        name = self._name(key)
        await anyio.to_thread.run_sync(
            lambda: self._client.delete_object(Bucket=self._bucket, Key=name)
        )

    def _name(self, key: str) -> str:
        return self._prefix + check_key(key)


def _missing(exc: ClientError) -> bool:
    return str(exc.response.get("Error", {}).get("Code", "")) in _MISSING
