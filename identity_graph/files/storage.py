"""Where document bytes live: a ``Storage`` protocol and its local-folder backend (SPEC §10).

Keys are hex SHA-256 content hashes, so a key is also the proof that nothing else can be named:
anything but 64 lowercase hex characters is refused before it reaches a path, which closes path
traversal (``../../etc/passwd``) at the boundary. The folder sits outside any served directory
(SPEC §6.1) and is private to the service user: directories 0o700, files 0o600.

Writes go to a temporary file in the target directory and are moved into place with
``os.replace``, so a reader never sees half a file and a crash leaves only a stray temp file.
Blocking file I/O runs in a worker thread to keep the event loop free. ``files/s3.py`` is the
other implementation, for several nodes sharing one object store (``IDG_STORAGE=s3``).
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

import anyio.to_thread

_KEY = re.compile(r"[0-9a-f]{64}")
_DIR_MODE = 0o700


class Storage(Protocol):
    """A content-addressed blob store; ``get`` raises FileNotFoundError for an unknown key."""

    async def put(self, key: str, data: bytes) -> None: ...

    async def get(self, key: str) -> bytes: ...

    async def exists(self, key: str) -> bool: ...

    async def delete(self, key: str) -> None: ...


def check_key(key: str) -> str:
    """Return ``key`` if it is a hex SHA-256 digest, else raise ValueError."""
    if not _KEY.fullmatch(key):
        raise ValueError("storage key must be 64 lowercase hex characters")
    return key


class LocalFolderStorage:
    """Stores each blob at ``root/ab/cd/<key>``; two fan-out levels keep directories small."""

    def __init__(self, root: Path) -> None:
        self._root = root

    async def put(self, key: str, data: bytes) -> None:
        """Store ``data`` under ``key``; a key already present is left as it is."""
        await anyio.to_thread.run_sync(self._put, self._path(key), data)

    async def get(self, key: str) -> bytes:
        return await anyio.to_thread.run_sync(self._path(key).read_bytes)

    async def exists(self, key: str) -> bool:
        return await anyio.to_thread.run_sync(self._path(key).is_file)

    async def delete(self, key: str) -> None:
        """Remove the blob; deleting an absent key is not an error."""
        await anyio.to_thread.run_sync(self._path(key).unlink, True)

    def _path(self, key: str) -> Path:
        check_key(key)
        return self._root / key[:2] / key[2:4] / key

    def _put(self, path: Path, data: bytes) -> None:
        if path.is_file():
            return  # content-addressed: same key, same bytes
        self._make_dirs(path.parent)
        _write_atomically(path, data)

    def _make_dirs(self, leaf: Path) -> None:
        # os.makedirs applies ``mode`` to the leaf only; create each level so all are private.
        self._root.mkdir(mode=_DIR_MODE, parents=True, exist_ok=True)
        leaf.parent.mkdir(mode=_DIR_MODE, exist_ok=True)
        leaf.mkdir(mode=_DIR_MODE, exist_ok=True)


def _write_atomically(path: Path, data: bytes) -> None:
    # mkstemp creates the file 0o600 with O_EXCL, in the same directory so os.replace is atomic.
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


class EncryptedStorage:
    """Encrypts every object before it reaches the inner storage (SPEC §11: scans at rest).

    ``seal``/``unseal`` come from the kernel's ``FieldCipher``, so document keys rotate with
    the field-encryption keys.
    """

    def __init__(
        self, inner: Storage, seal: Callable[[bytes], bytes], unseal: Callable[[bytes], bytes]
    ) -> None:
        self._inner = inner
        self._seal = seal
        self._unseal = unseal

    async def put(self, key: str, data: bytes) -> None:
        await self._inner.put(key, self._seal(data))

    async def get(self, key: str) -> bytes:
        return self._unseal(await self._inner.get(key))

    async def exists(self, key: str) -> bool:
        return await self._inner.exists(key)

    async def delete(self, key: str) -> None:
        await self._inner.delete(key)
