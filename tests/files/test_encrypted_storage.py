"""Documents are encrypted at rest (SPEC §11) and stored under a keyed, not public, hash."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from identity_graph.core.crypto import FieldCipher
from identity_graph.core.errors import DomainError
from identity_graph.core.secrets import SecretHasher
from identity_graph.files.service import DocumentKind, DocumentStore
from identity_graph.files.storage import EncryptedStorage, LocalFolderStorage
from tests.files.samples import png as png_bytes


def build(root: Path, cipher: FieldCipher) -> DocumentStore:
    hasher = SecretHasher(b"k" * 32)
    storage = EncryptedStorage(
        LocalFolderStorage(root),
        lambda data: cipher.seal(data, "document"),
        lambda blob: cipher.open(blob, "document"),
    )
    return DocumentStore(storage, key_for=lambda data: hasher.digest_bytes("document", data))


async def test_scan_is_encrypted_on_disk_and_read_back(tmp_path: Path) -> None:
    store = build(tmp_path, FieldCipher([b"a" * 32]))
    scan = png_bytes()
    saved = await store.save(DocumentKind.ID_FRONT, "front.png", scan)
    assert saved.key != hashlib.sha256(scan).hexdigest()
    assert saved.sha256 == hashlib.sha256(scan).hexdigest()
    on_disk = [path.read_bytes() for path in tmp_path.rglob("*") if path.is_file()]
    assert len(on_disk) == 1
    assert scan not in on_disk[0]
    assert b"PNG" not in on_disk[0]
    assert await store.read(saved.key) == scan


async def test_rotated_key_still_reads_old_scans(tmp_path: Path) -> None:
    old = FieldCipher([b"a" * 32])
    saved = await build(tmp_path, old).save(DocumentKind.OTHER, "x.png", png_bytes())
    rotated = build(tmp_path, FieldCipher([b"b" * 32, b"a" * 32]))
    assert await rotated.read(saved.key) == png_bytes()


async def test_foreign_key_cannot_read(tmp_path: Path) -> None:
    saved = await build(tmp_path, FieldCipher([b"a" * 32])).save(
        DocumentKind.OTHER, "x.png", png_bytes()
    )
    with pytest.raises(DomainError) as error:
        await build(tmp_path, FieldCipher([b"c" * 32])).read(saved.key)
    assert error.value.code == "CIPHERTEXT_INVALID"
