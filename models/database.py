"""The database of the models: one Tortoise config for the app, the CLI, aerich and tests;
start-up, shutdown, migrations and the schema check."""

from __future__ import annotations

import os
from typing import Any

from tortoise import Tortoise
from tortoise.backends.base.config_generator import expand_db_url

from core.settings import DEFAULT_DATABASE_URL
from models import MODEL_MODULES


def tortoise_config(database_url: str) -> dict[str, Any]:
    return {
        "connections": {"default": database_url},
        "apps": {"models": {"models": [*MODEL_MODULES, "aerich.models"]}},
        "use_tz": True,
        "timezone": "UTC",
    }


# aerich reads this (pyproject [tool.aerich]); the app builds its own from Settings.
TORTOISE_ORM = tortoise_config(os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL))


async def init_db(database_url: str, *, global_fallback: bool = True) -> None:
    config = tortoise_config(database_url)
    config["connections"]["default"] = _pooled(database_url)
    await Tortoise.init(config=config, _enable_global_fallback=global_fallback)


def _pooled(database_url: str) -> str | dict[str, Any]:
    """On PostgreSQL, a connection going back to asyncpg's pool is not sent the reset query
    (`RESET ALL`, `UNLISTEN *`, `CLOSE ALL`, advisory unlocks): a round trip after every ORM
    query, for session state this app never sets. asyncpg still rolls back a transaction left
    open and drops listeners before it runs `reset`."""
    config = expand_db_url(database_url)
    if config["engine"] != "tortoise.backends.asyncpg":
        return database_url
    config["credentials"]["reset"] = _keep_session
    return config


async def _keep_session(connection: object) -> None:
    """asyncpg's pool `reset` hook: the session has nothing to reset (see `_pooled`)."""


async def close_db() -> None:
    await Tortoise.close_connections()


async def migrate(database_url: str) -> str:
    """Apply aerich migrations on PostgreSQL; create the schema from the models on SQLite.
    Says what it did."""
    if database_url.startswith("sqlite"):
        await init_db(database_url)
        try:
            missing = await _missing_sqlite_tables()
            if not missing:
                return "sqlite schema is up to date"
            await Tortoise.generate_schemas(safe=True)
        finally:
            await close_db()
        return f"sqlite schema created from models ({len(missing)} tables)"
    from aerich import Command

    command = Command(
        tortoise_config=tortoise_config(database_url), app="models", location=_migrations_dir()
    )
    await command.init()
    applied = await command.upgrade(run_in_transaction=True)
    await close_db()
    return f"applied {len(applied)} migration(s)" if applied else "database is up to date"


async def schema_problem(database_url: str) -> str | None:
    """Why the server cannot run on this database yet (None when it can): no schema on
    SQLite, migrations not applied on PostgreSQL. Touches nothing."""
    await init_db(database_url)
    try:
        if database_url.startswith("sqlite"):
            missing = await _missing_sqlite_tables()
            return f"the SQLite schema lacks {', '.join(missing)}" if missing else None
        pending = await _pending_migrations()
        return f"migrations not applied: {', '.join(pending)}" if pending else None
    finally:
        await close_db()


async def _missing_sqlite_tables() -> list[str]:
    rows = await Tortoise.get_connection("default").execute_query_dict(
        "SELECT name FROM sqlite_master WHERE type = 'table'"
    )
    present = {row["name"] for row in rows}
    return sorted(set(_model_tables()) - present)


def _model_tables() -> list[str]:
    return [model._meta.db_table for model in Tortoise.apps["models"].values()]


async def _pending_migrations() -> list[str]:
    connection = Tortoise.get_connection("default")
    exists = await connection.execute_query_dict("SELECT to_regclass('aerich') AS name")
    applied: set[str] = set()
    if exists and exists[0]["name"]:
        rows = await connection.execute_query_dict(
            "SELECT version FROM aerich WHERE app = 'models'"
        )
        applied = {str(row["version"]) for row in rows}
    folder = os.path.join(_migrations_dir(), "models")
    files = sorted(
        name for name in os.listdir(folder) if name[0].isdigit() and name.endswith(".py")
    )
    return [name for name in files if name not in applied]


def _migrations_dir() -> str:
    return os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "migrations")
