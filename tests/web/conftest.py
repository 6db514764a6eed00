"""Servers configured for the platform tests (CORS, body limit, Redis, a broken database)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest

from core.settings import TRUSTED_DOCUMENTS_FILE
from tests.support import (
    REDIS_URL,
    ServerProcess,
    create_database,
    drop_database,
    free_port,
    unique_name,
)

APP_ORIGIN = "https://app.example.com"
SMALL_BODY_LIMIT = 20_000


@pytest.fixture(scope="session")
def configured_server(start_server: Callable[..., ServerProcess]) -> ServerProcess:
    """CORS for one origin, a small body limit, INFO logs (read back by the tests)."""
    return start_server(
        CORS_ORIGINS=APP_ORIGIN, MAX_BODY_BYTES=str(SMALL_BODY_LIMIT), LOG_LEVEL="INFO"
    )


@pytest.fixture(scope="session")
def redis_server(start_server: Callable[..., ServerProcess]) -> ServerProcess:
    """Redis configured and reachable (keys under the run's REDIS_PREFIX)."""
    return start_server(REDIS_URL=REDIS_URL)


@pytest.fixture(scope="session")
async def schemaless_server(
    start_server: Callable[..., ServerProcess],
) -> AsyncIterator[ServerProcess]:
    """A server whose database has no tables: every query of a user fails unexpectedly."""
    name = unique_name("empty")
    url = await create_database(name)
    server = start_server(DATABASE_URL=url, LOG_LEVEL="INFO")
    try:
        yield server
    finally:
        server.stop()
        await drop_database(name)


@pytest.fixture(scope="session")
def redis_down_server(start_server: Callable[..., ServerProcess]) -> ServerProcess:
    """REDIS_URL points at a port nothing listens on."""
    return start_server(REDIS_URL=f"redis://127.0.0.1:{free_port()}/0")


PRODUCTION_SECRETS = {
    "AGILEKIT_ENV": "production",
    "AUTH_JWT_SECRET": "test-production-jwt-secret-0123456789abcdef",
    "JIRA_CLIENT_ID": "test-production-client",
    "JIRA_CLIENT_SECRET": "test-production-client-secret",
    "TOKEN_ENCRYPTION_KEYS": "prod:" + "ab" * 32,
}


@pytest.fixture(scope="session")
def info_server(start_server: Callable[..., ServerProcess]) -> ServerProcess:
    """INFO logs (read back by the tests) and the default limits."""
    return start_server(LOG_LEVEL="INFO")


@pytest.fixture(scope="session")
def production_server(start_server: Callable[..., ServerProcess]) -> ServerProcess:
    """AGILEKIT_ENV=production (real secrets), introspection switched off."""
    return start_server(**PRODUCTION_SECRETS, GRAPHQL_INTROSPECTION="false", LOG_LEVEL="INFO")


@pytest.fixture(scope="session")
def ws_limits_server(start_server: Callable[..., ServerProcess]) -> ServerProcess:
    """Two websockets per user and 50 KB messages, INFO logs."""
    return start_server(WS_MAX_CONNECTIONS_PER_USER="2", MAX_BODY_BYTES="50000", LOG_LEVEL="INFO")


@pytest.fixture(scope="session")
def trusted_server(start_server: Callable[..., ServerProcess]) -> ServerProcess:
    """GRAPHQL_DOCUMENTS=trusted with the manifest `make codegen` wrote."""
    manifest = TRUSTED_DOCUMENTS_FILE
    assert manifest.is_file(), f"{manifest} is missing: run `make codegen`"
    return start_server(GRAPHQL_DOCUMENTS="trusted")
