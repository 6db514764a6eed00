"""models.database: how the app's PostgreSQL connections go back to asyncpg's pool."""

from __future__ import annotations

from typing import Any

from tortoise import connections


class Recorder:
    """An asyncpg query logger; a released connection cannot drop it, so it can be muted."""

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.on = True

    def __call__(self, logged: Any) -> None:
        if self.on:
            self.sent.append(logged.query)


async def test_a_released_connection_gets_no_reset_round_trip_but_its_transaction_is_rolled_back(
    database_url: str,
) -> None:
    recorder = Recorder()
    try:
        async with connections.get("default").acquire_connection() as connection:
            connection.add_query_logger(recorder)
            await connection.execute("BEGIN")  # left open, as a request that crashed would
    finally:
        recorder.on = False
    # On release asyncpg rolled the transaction back and sent nothing else.
    assert recorder.sent == ["BEGIN", "ROLLBACK"]
