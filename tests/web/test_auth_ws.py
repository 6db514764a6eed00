"""Websocket auth (graphql-transport-ws): connection_init must carry a valid bearer token."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.typing import Origin, Subprotocol

from tests.support import ServerProcess
from tests.web import tokens
from tests.web.conftest import APP_ORIGIN

PROTOCOL = [Subprotocol("graphql-transport-ws")]


def open_socket(server: ServerProcess, origin: str | None = None) -> Any:
    return connect(
        server.ws_url,
        subprotocols=PROTOCOL,
        origin=Origin(origin) if origin else None,
        open_timeout=5,
        close_timeout=2,
    )


async def init(socket: ClientConnection, payload: dict[str, Any] | None) -> dict[str, Any]:
    message: dict[str, Any] = {"type": "connection_init"}
    if payload is not None:
        message["payload"] = payload
    await socket.send(json.dumps(message))
    return json.loads(await asyncio.wait_for(socket.recv(), 5))


async def close_code_after_init(server: ServerProcess, payload: dict[str, Any] | None) -> int:
    async with open_socket(server) as socket:
        with pytest.raises(ConnectionClosed) as closed:
            await init(socket, payload)
    assert closed.value.rcvd is not None
    return closed.value.rcvd.code


async def test_valid_connection_init_is_acked_and_the_socket_works(server: ServerProcess) -> None:
    async with open_socket(server) as socket:
        assert socket.subprotocol == "graphql-transport-ws"
        ack = await init(socket, {"authorization": f"Bearer {tokens.valid()}"})
        assert ack["type"] == "connection_ack"
        await socket.send(json.dumps({"type": "ping"}))
        assert json.loads(await asyncio.wait_for(socket.recv(), 5))["type"] == "pong"


@pytest.mark.parametrize(
    "payload",
    [None, {}, {"authorization": ""}, {"authorization": "Basic dXNlcjpwdw=="}],
    ids=["no_payload", "empty_payload", "empty_header", "basic_auth"],
)
async def test_connection_init_without_a_token_is_closed_with_4403(
    payload: dict[str, Any] | None, server: ServerProcess
) -> None:
    assert await close_code_after_init(server, payload) == 4403


@pytest.mark.parametrize("kind", sorted(tokens.REFUSED))
async def test_connection_init_with_a_refused_token_is_closed_with_4403(
    kind: str, server: ServerProcess
) -> None:
    make: Callable[[], str] = tokens.REFUSED[kind]
    assert await close_code_after_init(server, {"authorization": f"Bearer {make()}"}) == 4403


async def test_subscribe_before_connection_init_is_refused(server: ServerProcess) -> None:
    async with open_socket(server) as socket:
        await socket.send(
            json.dumps({"type": "subscribe", "id": "1", "payload": {"query": "{ __typename }"}})
        )
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(socket.recv(), 5)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401


async def test_disallowed_origin_is_refused_before_the_handshake(
    configured_server: ServerProcess,
) -> None:
    with pytest.raises(InvalidStatus) as refused:
        async with open_socket(configured_server, origin="https://evil.example.com"):
            pass
    assert refused.value.response.status_code == 403


@pytest.mark.parametrize("origin", [APP_ORIGIN, "public_url"])
async def test_configured_origins_are_allowed(
    origin: str, configured_server: ServerProcess
) -> None:
    origin = configured_server.url if origin == "public_url" else origin
    async with open_socket(configured_server, origin=origin) as socket:
        ack = await init(socket, {"Authorization": f"Bearer {tokens.valid()}"})
        assert ack["type"] == "connection_ack"


async def test_a_refused_origin_is_logged_with_the_origin_and_the_setting_that_allows_it(
    configured_server: ServerProcess,
) -> None:
    """Finding 10: the log said "origin not allowed" without either."""
    origin = f"https://refused-{uuid.uuid4().hex[:6]}.example.com"
    with pytest.raises(InvalidStatus):
        async with open_socket(configured_server, origin=origin):
            pass
    await asyncio.sleep(0.2)
    (line,) = [line for line in configured_server.logs().splitlines() if origin in line]
    assert "WS_ALLOWED_ORIGINS" in line and '"level": "WARNING"' in line


async def test_in_development_both_loopback_names_of_public_url_are_allowed(
    server: ServerProcess,
) -> None:
    """GraphiQL opened at localhost instead of 127.0.0.1 showed `{"isTrusted": true}`."""
    for origin in (server.url, server.url.replace("127.0.0.1", "localhost")):
        async with open_socket(server, origin=origin) as socket:
            ack = await init(socket, {"authorization": f"Bearer {tokens.valid()}"})
            assert ack["type"] == "connection_ack", origin
