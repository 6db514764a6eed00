"""Database helpers for the few statements the ORM does not express (SQLite and PostgreSQL)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, TypeVar

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.models import Model

M = TypeVar("M", bound=Model)
_NUMBERED = re.compile(r"\$(\d+)")


def is_sqlite(connection: BaseDBAsyncClient) -> bool:
    """The embedded default. The few raw statements only PostgreSQL understands (arrays,
    casts) have an SQLite twin chosen by this."""
    return connection.capabilities.dialect == "sqlite"


async def update_rows(
    connection: BaseDBAsyncClient,
    rows: Sequence[tuple[Any, ...]],
    extra: Sequence[Any],
    *,
    postgres: str,
    sqlite: str,
) -> None:
    """Update many rows. `postgres` takes one array per column, then `extra`: one statement
    whatever the number of rows. `sqlite` takes one row, then `extra` (`?1`, `?2`, ...), run
    per row: SQLite is in-process, so a statement costs no network round trip."""
    if not rows:
        return
    if is_sqlite(connection):
        await connection.execute_many(sqlite, [[*row, *extra] for row in rows])
        return
    columns = [list(column) for column in zip(*rows, strict=True)]
    await connection.execute_query(postgres, [*columns, *extra])


async def fetch_models(model: type[M], sql: str, *params: Any) -> list[M]:
    """Instances of `model` from a hand-written SELECT of its table's columns, with `$1`-style
    parameters on SQLite too. For hot paths (the lookups every request makes, an import's read
    back): there the ORM's query building costs as much as the round trip."""
    rows = await fetch_rows(model._meta.db, sql, *params)
    return [model._init_from_db(**row) for row in rows]


async def fetch_rows(connection: BaseDBAsyncClient, sql: str, *params: Any) -> list[dict[str, Any]]:
    """The rows of a hand-written statement as dicts, with `$1`-style parameters on SQLite too."""
    if is_sqlite(connection):
        sql = _NUMBERED.sub(r"?\1", sql)
    return await connection.execute_query_dict(sql, list(params))


def placeholders(count: int, first: int = 1) -> str:
    """`$first, ..., $(first + count - 1)`: an IN list for fetch_models."""
    return ", ".join(f"${n}" for n in range(first, first + count))
