"""Generate an aerich migration against a scratch PostgreSQL database.

`make migration NAME=add_things`: applies the committed migrations to a fresh database, diffs
the models against it and writes migrations/models/<n>_<ts>_<NAME>.py. With no migrations yet
it writes the initial one. The scratch database is dropped afterwards.
"""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from pathlib import Path

import asyncpg
from aerich import Command

from models.database import tortoise_config

ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS = Path(os.environ.get("MIGRATIONS_DIR", ROOT / "migrations"))
BASE_URL = os.environ.get("MIGRATION_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")


async def _admin(sql: str) -> None:
    conn = await asyncpg.connect(BASE_URL.replace("postgres://", "postgresql://"))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def generate(name: str) -> str | None:
    scratch = f"agilekit_migration_{uuid.uuid4().hex[:8]}"
    await _admin(f'CREATE DATABASE "{scratch}"')
    try:
        url = f"{BASE_URL.rpartition('/')[0]}/{scratch}"
        command = Command(
            tortoise_config=tortoise_config(url), app="models", location=str(MIGRATIONS)
        )
        if not any((MIGRATIONS / "models").glob("0_*.py")):
            await command.init_db(safe=True)
            return "initial migration written"
        await command.init()
        await command.upgrade(run_in_transaction=True)
        await command.init()  # re-read the applied state the diff starts from
        return await command.migrate(name, empty=False, no_input=True) or None
    finally:
        from tortoise import Tortoise

        await Tortoise.close_connections()
        await _admin(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')


def main() -> None:
    name = sys.argv[1] if len(sys.argv) > 1 else "update"
    result = asyncio.run(generate(name))
    print(result or "models match the migrations: nothing to generate")


if __name__ == "__main__":
    main()
