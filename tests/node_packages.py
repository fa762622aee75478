"""Pinned Node packages for tests that drive the service as outside clients do.

A test folder holds ``package.json`` and ``package-lock.json`` (the pins) beside its
scripts. The test run installs them itself (``npm ci``) into a cache folder outside the
repository, once per lock file, as the browser tests rely on an installed Chromium; the
scripts are copied next to ``node_modules`` on every use so edits take effect at once.
Without Node.js 20+ and npm the calling test is skipped.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
from pathlib import Path

import pytest

_PINS = ("package.json", "package-lock.json")


def cache_root() -> Path:
    configured = os.environ.get("IDG_TEST_NODE_CACHE")
    if configured:
        return Path(configured)
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "identity-graph"


def installed(source: Path, name: str, probe: str, scripts: tuple[str, ...]) -> Path:
    """The cache folder holding ``source``'s pinned packages and ``scripts``, installed on
    first use; ``probe`` is one installed package whose presence means the install is
    complete (an interrupted ``npm ci`` is redone)."""
    npm = shutil.which("npm")
    if shutil.which("node") is None or npm is None:
        pytest.skip(f"Node.js 20+ and npm are needed to run {probe}")
    pins = b"".join((source / pin).read_bytes() for pin in _PINS)
    folder = cache_root() / f"{name}-{hashlib.sha256(pins).hexdigest()[:12]}"
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / ".install-lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # parallel test processes install once
        if not (folder / "node_modules" / probe / "package.json").is_file():
            for pin in _PINS:
                shutil.copyfile(source / pin, folder / pin)
            subprocess.run(
                [npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts"],
                cwd=folder,
                check=True,
                capture_output=True,
                timeout=300,
            )
        for script in scripts:
            shutil.copyfile(source / script, folder / script)
    return folder
