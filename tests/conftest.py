"""Session fixtures: a per-run PostgreSQL database and Redis prefix, dropped at the end."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable, Iterator

import pytest
import redis.asyncio as aioredis

from models.database import close_db, init_db, migrate
from tests.support import (
    BASE_DATABASE_URL,
    REDIS_URL,
    UNPACED_JIRA,
    GraphQLClient,
    ServerProcess,
    create_database,
    drop_database,
    require_service,
    unique_name,
)


def pytest_sessionstart(session: pytest.Session) -> None:
    require_service("PostgreSQL", BASE_DATABASE_URL)
    require_service("Redis", REDIS_URL)


@pytest.fixture(scope="session")
async def database_url() -> AsyncIterator[str]:
    """A fresh PostgreSQL database for this run, schema created, ORM connected, then dropped."""
    name = unique_name("test")
    url = await create_database(name)
    await migrate(url)  # the committed aerich migrations, as production applies them
    await init_db(url)
    try:
        yield url
    finally:
        await close_db()
        await drop_database(name)


@pytest.fixture(scope="session")
def redis_prefix() -> str:
    return unique_name("redis")


@pytest.fixture(scope="session")
async def redis_client(redis_prefix: str) -> AsyncIterator[aioredis.Redis]:
    """Redis for this run; every key under `redis_prefix` is deleted afterwards."""
    client = aioredis.from_url(REDIS_URL)
    try:
        yield client
    finally:
        async for key in client.scan_iter(match=f"{redis_prefix}*", count=500):
            await client.delete(key)
        await client.aclose()


@pytest.fixture(scope="session")
def server_env(database_url: str, redis_prefix: str) -> dict[str, str]:
    """Environment for server processes: development mode on the run's PostgreSQL database."""
    return {
        "AGILEKIT_ENV": "development",
        "DATABASE_URL": database_url,
        "REDIS_PREFIX": redis_prefix,
        "SEED_DEMO_DATA": "false",
        **UNPACED_JIRA,
        "LOG_LEVEL": os.environ.get("TEST_SERVER_LOG_LEVEL", "WARNING"),
    }


@pytest.fixture(scope="session")
def start_server(server_env: dict[str, str]) -> Iterator[Callable[..., ServerProcess]]:
    """Factory for uvicorn processes; each extra keyword becomes an environment variable.
    They run no schedules unless asked (RUN_SCHEDULES="true"): a session's servers share the
    run's database, and one's 5-minute cron would refresh another test's Jira connection
    against its own mounted sandbox, which answers invalid_grant (NEEDS_REAUTH)."""
    started: list[ServerProcess] = []

    def start(**env: str) -> ServerProcess:
        server = ServerProcess(env={**server_env, "RUN_SCHEDULES": "false", **env}).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture(scope="session")
def server(start_server: Callable[..., ServerProcess]) -> ServerProcess:
    """One shared development server without Redis (in-process bus and jobs)."""
    return start_server()


@pytest.fixture
async def gql(server: ServerProcess) -> AsyncIterator[GraphQLClient]:
    client = GraphQLClient(server.url)
    yield client
    await client.aclose()
