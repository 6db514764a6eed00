"""`agilekit keys rotate` as a subprocess, on a database of its own (rotation touches every row,
so it must not run on the shared test database)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import AsyncIterator

import asyncpg
import pytest

from core.crypto import Keyring, associated_data
from core.settings import DEV_TOKEN_KEYS
from tests.support import ROOT, create_database, drop_database, unique_name

NEW_KEY = "new:" + "5a" * 32
SEED = """
import asyncio, sys
from datetime import UTC, datetime
from tortoise import Tortoise
from core.crypto import Keyring
from models.database import close_db, init_db
from models.jira import JiraConnection
from models.users import User
from services.jira.token_store import sealed_tokens

async def main(url: str) -> None:
    await init_db(url)
    await Tortoise.generate_schemas()
    now = datetime.now(UTC)
    for n, spec in enumerate(sys.argv[2:]):
        user = await User.create(subject=f"rotate|{n}", email=f"r{n}@example.com")
        row = await JiraConnection.create(
            user=user, access_expires_at=now, refresh_issued_at=now,
            refresh_family_started_at=now, connected_at=now, last_refreshed_at=now)
        tokens = sealed_tokens(Keyring.parse(spec), row.id, f"access-{n}", f"refresh-{n}")
        await JiraConnection.filter(id=row.id).update(**tokens)
    await close_db()

asyncio.run(main(sys.argv[1]))
"""


@pytest.fixture
async def rotation_db() -> AsyncIterator[str]:
    name = unique_name("rotate")
    url = await create_database(name)
    try:
        yield url
    finally:
        await drop_database(name)


def run(args: list[str], url: str, keys: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": url, "TOKEN_ENCRYPTION_KEYS": keys}
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


async def stored(url: str) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(url.replace("postgres://", "postgresql://"))
    try:
        return await conn.fetch(
            "SELECT id, access_token_enc, refresh_token_enc, version "
            "FROM jira_connections ORDER BY id"
        )
    finally:
        await conn.close()


async def test_keys_rotate_reencrypts_under_the_first_key(rotation_db: str) -> None:
    # Two rows under the old dev key, one already under the new key (a resumed run).
    seeded = run(
        ["-c", SEED, rotation_db, DEV_TOKEN_KEYS, DEV_TOKEN_KEYS, NEW_KEY], rotation_db, ""
    )
    assert seeded.returncode == 0, seeded.stderr
    before = await stored(rotation_db)

    rotated = run(["-m", "cli", "keys", "rotate"], rotation_db, f"{NEW_KEY},{DEV_TOKEN_KEYS}")
    assert rotated.returncode == 0, rotated.stderr
    assert "2 rotated, 1 already current" in rotated.stdout
    assert "5a5a" not in rotated.stdout + rotated.stderr

    new_only = Keyring.parse(NEW_KEY)
    after = await stored(rotation_db)
    for n, (old, row) in enumerate(zip(before, after, strict=True)):
        for field, plaintext in (
            ("access_token", f"access-{n}"),
            ("refresh_token", f"refresh-{n}"),
        ):
            envelope = row[f"{field}_enc"]
            assert envelope.startswith("v1.new.")
            aad = associated_data("jira_connections", row["id"], field)
            assert new_only.decrypt(envelope, aad) == plaintext
        assert row["version"] == old["version"]  # same tokens: refreshes' CAS unaffected
    assert after[2]["access_token_enc"] == before[2]["access_token_enc"]  # untouched

    again = run(["-m", "cli", "keys", "rotate"], rotation_db, NEW_KEY)
    assert again.returncode == 0 and "0 rotated, 3 already current" in again.stdout


async def test_keys_rotate_refuses_malformed_keys(rotation_db: str) -> None:
    result = run(["-m", "cli", "keys", "rotate"], rotation_db, "new:not-hex")
    assert result.returncode == 2
    assert "TOKEN_ENCRYPTION_KEYS key 'new' must be 64 hex characters" in result.stderr
