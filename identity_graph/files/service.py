"""Accepting appeal and verification documents: which types and sizes each kind takes (SPEC §6.1).

Every upload is checked in this order, cheap checks first and decoding last: empty, too large,
a program in disguise, a type this slot does not take (or none we know), damaged. The type comes
from the bytes (``sniff``), never from the name. Accepted files are stored under the SHA-256 of
their content (a keyed HMAC in production, so the key is no public fingerprint of the scan),
so the same scan uploaded twice is kept once; the SHA-256 is kept to check integrity on read.

Error codes are raised as ``ValidationFailed`` naming the upload field; ``MESSAGES`` is this
domain's catalog for ``core.i18n``.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

import anyio.to_thread

from identity_graph.core.errors import DomainError, ValidationFailed
from identity_graph.files.sniff import Sniffed, is_corrupt, is_executable, sniff
from identity_graph.files.storage import Storage

MESSAGES: dict[str, tuple[str, str]] = {
    "FILE_EMPTY": ("文件为空，请重新选择", "The file is empty"),
    "FILE_TOO_LARGE": (
        "文件大小不能超过 {max_mb} MB",
        "The file must not be larger than {max_mb} MB",
    ),
    "FILE_TYPE_NOT_ALLOWED": (
        "文件类型不支持，仅支持 {allowed} 格式",
        "This file type is not accepted; allowed types: {allowed}",
    ),
    "FILE_CORRUPT": ("文件已损坏或无法识别，请重新上传", "The file is damaged or unreadable"),
    "FILE_EXECUTABLE": ("不允许上传可执行程序", "Executable programs may not be uploaded"),
    "FILE_NOT_FOUND": ("文件不存在", "The file does not exist"),
}

MEGABYTE = 1_048_576
_NAME_LIMIT = 255


class DocumentKind(StrEnum):
    """The slot a document fills in an appeal or a manual verification."""

    ID_FRONT = "ID_FRONT"
    ID_BACK = "ID_BACK"
    BUSINESS_LICENCE = "BUSINESS_LICENCE"
    AUTHORISATION_LETTER = "AUTHORISATION_LETTER"
    HOLDING_ID_PHOTO = "HOLDING_ID_PHOTO"
    OTHER = "OTHER"


_IMAGES_AND_PDF = ("jpg", "jpeg", "png", "pdf")
_OFFICE = ("doc", "docx", "xls", "xlsx")
ALLOWED_EXTENSIONS: dict[DocumentKind, tuple[str, ...]] = {
    kind: _IMAGES_AND_PDF + (_OFFICE if kind is DocumentKind.AUTHORISATION_LETTER else ())
    for kind in DocumentKind
}
# The user manual caps ID scans and the holding-ID photo at 1 MB; other kinds take the default.
KIND_MAX_BYTES: dict[DocumentKind, int] = {
    DocumentKind.ID_FRONT: MEGABYTE,
    DocumentKind.ID_BACK: MEGABYTE,
    DocumentKind.HOLDING_ID_PHOTO: MEGABYTE,
}


@dataclass(frozen=True)
class StoredDocument:
    """An accepted upload; ``key`` is the storage key derived from the content."""

    key: str
    kind: DocumentKind
    mime: str
    size: int
    sha256: str
    original_name: str


class DocumentStore:
    """Validates uploads per ``DocumentKind`` and keeps them in a content-addressed ``Storage``."""

    def __init__(
        self,
        storage: Storage,
        *,
        max_bytes: int = 5 * MEGABYTE,
        key_for: Callable[[bytes], str] | None = None,
    ) -> None:
        self._storage = storage
        self._max_bytes = max_bytes
        self._key_for = key_for or _sha256

    async def save(
        self, kind: DocumentKind, filename: str, data: bytes, field: str = "file"
    ) -> StoredDocument:
        """Validate ``data`` for ``kind`` and store it; raises ValidationFailed on ``field``."""
        self._check_size(kind, data, field)
        sniffed = await anyio.to_thread.run_sync(sniff, data, filename)
        accepted = _check_type(kind, sniffed, field)
        if await anyio.to_thread.run_sync(is_corrupt, data, accepted):
            raise ValidationFailed.single(field, "FILE_CORRUPT")
        digest = await anyio.to_thread.run_sync(_sha256, data)
        key = await anyio.to_thread.run_sync(self._key_for, data)
        await self._storage.put(key, data)
        name = sanitize_filename(filename) or f"document.{accepted.extension}"
        return StoredDocument(key, kind, accepted.mime, len(data), digest, name)

    async def read(self, key: str) -> bytes:
        """The stored bytes for ``key``; raises DomainError FILE_NOT_FOUND otherwise."""
        try:
            return await self._storage.get(key)
        except (ValueError, FileNotFoundError) as error:
            raise DomainError("FILE_NOT_FOUND") from error

    def max_bytes(self, kind: DocumentKind) -> int:
        """The size limit for ``kind``: the manual's cap, never above the configured default."""
        return min(KIND_MAX_BYTES.get(kind, self._max_bytes), self._max_bytes)

    def _check_size(self, kind: DocumentKind, data: bytes, field: str) -> None:
        if not data:
            raise ValidationFailed.single(field, "FILE_EMPTY")
        limit = self.max_bytes(kind)
        if len(data) > limit:
            raise ValidationFailed.single(
                field, "FILE_TOO_LARGE", max_bytes=limit, max_mb=f"{limit / MEGABYTE:g}"
            )


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _check_type(kind: DocumentKind, sniffed: Sniffed | None, field: str) -> Sniffed:
    allowed = ALLOWED_EXTENSIONS[kind]
    if sniffed is not None and is_executable(sniffed):
        raise ValidationFailed.single(field, "FILE_EXECUTABLE")
    if sniffed is None or sniffed.extension not in allowed:
        raise ValidationFailed.single(field, "FILE_TYPE_NOT_ALLOWED", allowed=",".join(allowed))
    return sniffed


def sanitize_filename(filename: str) -> str:
    """The uploader's name reduced to a display label: no folders, no control or format characters.

    Format characters (Cf) include U+202E RIGHT-TO-LEFT OVERRIDE, used to make ``exe.pdf``-style
    names read as harmless documents.
    """
    base = filename.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = "".join(c for c in base if unicodedata.category(c) not in ("Cc", "Cf")).strip()
    return "" if cleaned in (".", "..") else cleaned[:_NAME_LIMIT]
