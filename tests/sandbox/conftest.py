"""Sandbox fixtures: one sandbox and one webhook receiver under real uvicorn, reset per test."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from sandbox import create_sandbox_app
from tests.sandbox.helpers import Receiver, ThreadedServer, bearer, connect


@pytest.fixture(scope="session")
def sandbox_server() -> Iterator[ThreadedServer]:
    server = ThreadedServer(lambda url: create_sandbox_app(root_url=url)).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def receiver_server() -> Iterator[tuple[ThreadedServer, Receiver]]:
    receiver = Receiver()
    server = ThreadedServer(lambda _url: receiver.app()).start()
    yield server, receiver
    server.stop()


@pytest.fixture
def receiver(receiver_server: tuple[ThreadedServer, Receiver]) -> Receiver:
    receiver_server[1].reset()
    return receiver_server[1]


@pytest.fixture
def receiver_url(receiver_server: tuple[ThreadedServer, Receiver]) -> str:
    return f"{receiver_server[0].url}/hooks/agilekit"


@pytest.fixture
async def http(sandbox_server: ThreadedServer) -> AsyncIterator[httpx.AsyncClient]:
    """A client on the sandbox root; the sandbox is reset to the demo seed first."""
    async with httpx.AsyncClient(base_url=sandbox_server.url, timeout=10) as client:
        response = await client.post("/_sandbox/reset", json={})
        assert response.status_code == 200
        yield client


@pytest.fixture
async def auth(http: httpx.AsyncClient) -> dict[str, str]:
    """Bearer headers for the demo user with every scope, consented on the Acme site."""
    return bearer(await connect(http))
