"""The storage backends: one conformance suite run against the local folder and against an
S3-compatible object store (a real local S3 server), then what only the folder promises
(layout, permissions, atomic writes)."""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from identity_graph.files.storage import LocalFolderStorage, Storage, check_key
from tests.files.s3_helpers import object_names, s3_storage

DATA = b"scan of an ID card"
KEY = hashlib.sha256(DATA).hexdigest()


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path / "uploads"


@pytest.fixture(params=["local", "s3"])
def backend_name(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def stored(
    backend_name: str, root: Path, request: pytest.FixtureRequest
) -> Callable[[], list[str]]:
    """What the backend holds now: file paths under the folder, or object names."""
    if backend_name == "local":
        return lambda: [str(path.relative_to(root)) for path in _files(root)]
    endpoint = request.getfixturevalue("s3_endpoint")
    bucket = request.getfixturevalue("s3_bucket")
    return lambda: object_names(endpoint, bucket)


@pytest.fixture
def storage(backend_name: str, root: Path, request: pytest.FixtureRequest) -> Storage:
    if backend_name == "local":
        return LocalFolderStorage(root)
    return s3_storage(request.getfixturevalue("s3_endpoint"), request.getfixturevalue("s3_bucket"))


@pytest.fixture
def local(root: Path) -> Storage:
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


async def test_same_key_twice_keeps_one_object(
    storage: Storage, stored: Callable[[], list[str]]
) -> None:
    await storage.put(KEY, DATA)
    await storage.put(KEY, DATA)
    assert len(stored()) == 1
    assert await storage.get(KEY) == DATA


async def test_missing_key(storage: Storage) -> None:
    with pytest.raises(FileNotFoundError):
        await storage.get(KEY)
    assert not await storage.exists(KEY)
    await storage.delete(KEY)


async def test_binary_data_round_trips_exactly(storage: Storage) -> None:
    data = bytes(range(256)) * 4096  # 1 MiB, every byte value
    key = hashlib.sha256(data).hexdigest()
    await storage.put(key, data)
    assert await storage.get(key) == data


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


async def test_refused_put_writes_nothing(
    storage: Storage, stored: Callable[[], list[str]], root: Path
) -> None:
    with pytest.raises(ValueError, match="64 lowercase hex"):
        await storage.put("../escape", DATA)
    assert stored() == []
    assert not _exists(root.parent / "escape")


# What only the local folder promises.


async def test_s3_objects_are_named_by_prefix_and_key(s3_endpoint: str, s3_bucket: str) -> None:
    await s3_storage(s3_endpoint, s3_bucket, prefix="scans/").put(KEY, DATA)
    assert object_names(s3_endpoint, s3_bucket) == [f"scans/{KEY}"]


async def test_two_fan_out_levels(local: Storage, root: Path) -> None:
    await local.put(KEY, DATA)
    assert _files(root) == [root / KEY[:2] / KEY[2:4] / KEY]


async def test_files_are_0600_and_directories_0700(local: Storage, root: Path) -> None:
    await local.put(KEY, DATA)
    path = root / KEY[:2] / KEY[2:4] / KEY
    assert _mode(path) == 0o600
    for directory in (root, path.parent.parent, path.parent):
        assert _mode(directory) == 0o700


async def test_same_key_twice_keeps_one_file_and_no_temporaries(local: Storage, root: Path) -> None:
    await local.put(KEY, DATA)
    await local.put(KEY, DATA)
    assert len(_files(root)) == 1


async def test_failed_write_leaves_nothing_behind(
    local: Storage, root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(source: str, target: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(OSError, match="disk full"):
        await local.put(KEY, DATA)
    assert _files(root) == []


async def test_refused_put_creates_no_folder(local: Storage, root: Path) -> None:
    with pytest.raises(ValueError, match="64 lowercase hex"):
        await local.put("../escape", DATA)
    assert not _exists(root)


def test_check_key_returns_valid_key() -> None:
    assert check_key(KEY) == KEY
