"""graphql-transport-ws hardening over real websockets (finding 5): malformed frames, the
token's expiry on every operation, the per-user connection limit, the message size limit."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed

from tests.support import GraphQLClient, ServerProcess
from tests.web import tokens
from tests.web.test_auth_ws import init, open_socket

VIEWER = {"query": "{ viewer { email } }"}


async def closed_with(socket: ClientConnection, within: float = 5) -> tuple[int, str]:
    with pytest.raises(ConnectionClosed) as closed:
        while True:
            await asyncio.wait_for(socket.recv(), within)
    assert closed.value.rcvd is not None, "the server did not close the socket"
    return closed.value.rcvd.code, closed.value.rcvd.reason


async def acked(socket: ClientConnection, token: str) -> None:
    ack = await init(socket, {"authorization": f"Bearer {token}"})
    assert ack["type"] == "connection_ack", ack


async def subscribe(socket: ClientConnection, payload: dict[str, Any], id: str = "1") -> None:
    await socket.send(json.dumps({"type": "subscribe", "id": id, "payload": payload}))


@pytest.mark.parametrize(
    "frame",
    [
        "[1,2]",
        "7",
        '"subscribe"',
        '{"type": 5}',
        '{"type": "subscribe", "id": "1"}',
        '{"type": "subscribe", "id": "1", "payload": []}',
        '{"type": "subscribe", "id": 3, "payload": {"query": "{ __typename }"}}',
        '{"type": "complete"}',
        "{" * 5000,
    ],
)
async def test_a_malformed_frame_closes_the_socket_with_4400_and_no_traceback(
    info_server: ServerProcess, frame: str
) -> None:
    written = len(info_server.logs())
    async with open_socket(info_server) as socket:
        await acked(socket, tokens.valid())
        await socket.send(frame)
        code, _ = await closed_with(socket)
    assert code == 4400
    await asyncio.sleep(0.1)
    assert "Traceback" not in info_server.logs()[written:]


async def test_no_operation_runs_after_the_token_expired(
    server: ServerProcess, gql: GraphQLClient
) -> None:
    """The token was checked only at connection_init: a query and a mutation ran 8 s after."""
    email = f"late-{uuid.uuid4().hex[:8]}@example.com"
    claims = {"email": email, "sub": f"test|{email}"}
    token = tokens.valid(exp=datetime.now(UTC) + timedelta(seconds=2), **claims)
    async with open_socket(server) as socket:
        await acked(socket, token)
        await subscribe(socket, VIEWER)
        first = json.loads(await asyncio.wait_for(socket.recv(), 5))
        assert first["type"] == "next" and first["payload"]["data"]["viewer"]["email"] == email
        await asyncio.sleep(2.2)
        mutation = 'mutation { createRoom(input: {name: "late"}) { room { id } } }'
        with pytest.raises(ConnectionClosed) as closed:
            await subscribe(socket, {"query": mutation}, id="2")
            await asyncio.wait_for(socket.recv(), 5)
    assert closed.value.rcvd is not None
    assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (4403, "Token expired")
    rooms = await gql.data("{ myRooms { name } }", token=tokens.valid(**claims))
    assert rooms["myRooms"] == []


async def test_an_idle_socket_is_closed_when_its_token_expires(server: ServerProcess) -> None:
    token = tokens.valid(exp=datetime.now(UTC) + timedelta(seconds=1))
    async with open_socket(server) as socket:
        await acked(socket, token)
        code, reason = await closed_with(socket, within=5)
    assert (code, reason) == (4403, "Token expired")


async def test_a_user_holds_at_most_the_configured_connections(
    ws_limits_server: ServerProcess,
) -> None:
    """100 connections x 100 subscriptions of one user cost +198 MB and seconds of CPU."""
    email = f"many-{uuid.uuid4().hex[:8]}@example.com"
    token = tokens.valid(email=email, sub=f"test|{email}")
    other = tokens.valid()
    async with open_socket(ws_limits_server) as one, open_socket(ws_limits_server) as two:
        for socket in (one, two):
            ack = await init(socket, {"authorization": f"Bearer {token}"})
            assert ack["type"] == "connection_ack"
        async with open_socket(ws_limits_server) as third:
            with pytest.raises(ConnectionClosed) as refused:
                await init(third, {"authorization": f"Bearer {token}"})
            assert refused.value.rcvd is not None and refused.value.rcvd.code == 4429
        async with open_socket(ws_limits_server) as someone_else:  # the limit is per user
            ack = await init(someone_else, {"authorization": f"Bearer {other}"})
            assert ack["type"] == "connection_ack"
        await two.close()
    await asyncio.sleep(0.2)
    async with open_socket(ws_limits_server) as again:  # closing one frees its place
        assert (await init(again, {"authorization": f"Bearer {token}"}))["type"] == (
            "connection_ack"
        )


async def test_a_message_over_the_body_limit_closes_with_1009(
    ws_limits_server: ServerProcess,
) -> None:
    """Over the websocket the 1 MB body limit did not apply (uvicorn's 16 MiB did)."""
    async with open_socket(ws_limits_server) as socket:
        await acked(socket, tokens.valid())
        padded = "#" + "x" * 60_000 + "\n{ __typename }"
        await subscribe(socket, {"query": padded})
        code, _ = await closed_with(socket)
    assert code == 1009


async def test_a_document_over_the_document_limit_is_an_operation_error(
    server: ServerProcess,
) -> None:
    async with open_socket(server) as socket:
        await acked(socket, tokens.valid())
        await subscribe(socket, {"query": "#" + "x" * 150_000 + "\n{ __typename }"})
        answer = json.loads(await asyncio.wait_for(socket.recv(), 5))
        assert answer["type"] == "error" and answer["id"] == "1"
        assert answer["payload"][0]["extensions"]["code"] == "DOCUMENT_TOO_LARGE"
        await subscribe(socket, {"query": "{ __typename }"}, id="2")  # the socket lives on
        assert json.loads(await asyncio.wait_for(socket.recv(), 5))["type"] == "next"
