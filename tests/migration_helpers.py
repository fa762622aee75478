"""A fresh, empty PostgreSQL database for tests that migrate from nothing (the session's
database is already migrated), dropped afterwards."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import AsyncIterator
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest


@contextlib.asynccontextmanager
async def fresh_postgres_database() -> AsyncIterator[str]:
    base = os.environ.get("IDG_TEST_POSTGRES_URL")
    if not base:
        pytest.skip("IDG_TEST_POSTGRES_URL is not set")
    name = f"idg_fresh_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(base.replace("postgres://", "postgresql://", 1))
    await admin.execute(f'CREATE DATABASE "{name}"')
    parts = urlsplit(base)
    try:
        yield urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
