"""Where the master secrets come from: ``IDG_SECRET_KEY`` or, in development only, a key
generated once under ``IDG_DATA_DIR`` so ``make serve`` works with no set-up."""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from identity_graph.settings import Settings

log = logging.getLogger("identity_graph.keys")


class MissingSecretKey(RuntimeError):
    pass


@dataclass(frozen=True)
class MasterKeys:
    encryption: list[bytes]
    hmac: bytes


def _decode(value: str) -> bytes:
    # Any high-entropy string works; it is stretched into 32 bytes. Hex or base64 both fine.
    return hashlib.sha256(value.encode()).digest()


def load_master_keys(settings: Settings) -> MasterKeys:
    if settings.secret_key is not None:
        current = settings.secret_key.get_secret_value()
    elif settings.env == "production":
        raise MissingSecretKey("IDG_SECRET_KEY must be set in production")
    else:
        current = _development_key(settings.data_dir)
    encryption = [_decode(current)] + [
        _decode(key.get_secret_value()) for key in settings.previous_secret_keys
    ]
    if settings.blind_index_key is not None:
        hmac_key = _decode(settings.blind_index_key.get_secret_value())
    else:
        hmac_key = _decode("blind-index:" + current)
    return MasterKeys(encryption=encryption, hmac=hmac_key)


def _development_key(data_dir: Path) -> str:
    """Create the key once, atomically and private from the first byte (O_EXCL, 0600), so
    racing worker processes all end up with the same key."""
    path = data_dir / "secret.key"
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    try:
        descriptor = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        return _read_existing(path)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(key)
    log.warning("generated a development secret key", extra={"path": str(path)})
    return key


def _read_existing(path: Path) -> str:
    # Another process may have created the file and not yet written it: wait briefly.
    for _ in range(50):
        value = path.read_text().strip()
        if value:
            return value
        time.sleep(0.02)
    raise MissingSecretKey(f"{path} is empty")
