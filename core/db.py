"""Database helpers for the few statements the ORM does not express (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient


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
