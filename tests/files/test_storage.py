"""The local-folder backend: layout, permissions, atomic writes and key validation."""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

import pytest

from identity_graph.files.storage import LocalFolderStorage, Storage, check_key

DATA = b"scan of an ID card"
KEY = hashlib.sha256(DATA).hexdigest()


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path / "uploads"


@pytest.fixture
def storage(root: Path) -> Storage:
    return LocalFolderStorage(root)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _exists(path: Path) -> bool:
    return path.exists()


def _files(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()]


async def test_round_trip(storage: Storage) -> None:
    assert not await storage.exists(KEY)
    await storage.put(KEY, DATA)
    assert await storage.exists(KEY)
    assert await storage.get(KEY) == DATA
    await storage.delete(KEY)
    assert not await storage.exists(KEY)


async def test_two_fan_out_levels(storage: Storage, root: Path) -> None:
    await storage.put(KEY, DATA)
    assert _files(root) == [root / KEY[:2] / KEY[2:4] / KEY]


async def test_files_are_0600_and_directories_0700(storage: Storage, root: Path) -> None:
    await storage.put(KEY, DATA)
    path = root / KEY[:2] / KEY[2:4] / KEY
    assert _mode(path) == 0o600
    for directory in (root, path.parent.parent, path.parent):
        assert _mode(directory) == 0o700


async def test_same_key_twice_keeps_one_file_and_no_temporaries(
    storage: Storage, root: Path
) -> None:
    await storage.put(KEY, DATA)
    await storage.put(KEY, DATA)
    assert len(_files(root)) == 1


async def test_failed_write_leaves_nothing_behind(
    storage: Storage, root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(source: str, target: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(OSError, match="disk full"):
        await storage.put(KEY, DATA)
    assert _files(root) == []


async def test_missing_key(storage: Storage) -> None:
    with pytest.raises(FileNotFoundError):
        await storage.get(KEY)
    await storage.delete(KEY)


BAD_KEYS = [
    "../../etc/passwd",
    "../" + KEY[3:],
    KEY.upper(),
    KEY[:-1],
    KEY + "0",
    KEY + "\n",
    KEY[:62] + "/x",
    "",
]


@pytest.mark.parametrize("key", BAD_KEYS)
async def test_keys_that_are_not_hashes_are_refused(storage: Storage, key: str) -> None:
    with pytest.raises(ValueError, match="64 lowercase hex"):
        await storage.put(key, DATA)
    with pytest.raises(ValueError, match="64 lowercase hex"):
        await storage.get(key)
    with pytest.raises(ValueError, match="64 lowercase hex"):
        await storage.exists(key)
    with pytest.raises(ValueError, match="64 lowercase hex"):
        await storage.delete(key)


async def test_refused_put_writes_nothing(storage: Storage, root: Path) -> None:
    with pytest.raises(ValueError, match="64 lowercase hex"):
        await storage.put("../escape", DATA)
    assert not _exists(root)
    assert not _exists(root.parent / "escape")


def test_check_key_returns_valid_key() -> None:
    assert check_key(KEY) == KEY
