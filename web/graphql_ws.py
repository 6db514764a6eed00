"""graphql-transport-ws with the checks a public endpoint needs.

- A frame that is not a protocol message (`[1,2]`, a subscribe without an id or payload) closes
  the socket with 4400; a message larger than MAX_BODY_BYTES with 1009.
- `connection_init` authenticates; a user already holding WS_MAX_CONNECTIONS_PER_USER sockets
  on this process is refused with 4429.
- The token's `exp` is checked on every `subscribe` and the socket is closed with 4403 when it
  passes, so an expired token runs nothing, live subscriptions included.
- `subscribe` may name a trusted document by `documentId`; with GRAPHQL_DOCUMENTS=trusted query
  text gets an error for that operation and nothing runs.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import Counter
from collections.abc import AsyncGenerator
from contextlib import suppress
from datetime import UTC, datetime
from json import JSONDecodeError
from typing import Any

from starlette.websockets import WebSocketDisconnect, WebSocketState
from strawberry.asgi import ASGIWebSocketAdapter
from strawberry.http.exceptions import (
    NonJsonMessageReceived,
    NonTextMessageReceived,
    WebSocketDisconnected,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)

from schema.broadcast import WRITER, Broadcasts
from schema.context import Context
from web.graphql_request import BadGraphQLRequest, from_payload
from web.middleware import LARGE_REQUEST_BYTES, collect_request_garbage

log = logging.getLogger(__name__)

MAX_OPERATION_ID = 128
_LONGEST_TIMER = 30 * 24 * 3600.0  # seconds; a token living longer is re-checked on subscribe


class MessageTooLarge(Exception):
    pass


class ConnectionCounter:
    """Open websockets per user on this process."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.open: Counter[str] = Counter()

    def acquire(self, subject: str) -> bool:
        if self.open[subject] >= self.limit:
            return False
        self.open[subject] += 1
        return True

    def release(self, subject: str) -> None:
        self.open[subject] -= 1
        if self.open[subject] <= 0:
            del self.open[subject]


class BoundedWebSocketAdapter(ASGIWebSocketAdapter):
    """Strawberry's adapter, refusing messages over the view's `max_message_characters`."""

    async def iter_json(
        self, *, ignore_parsing_errors: bool = False
    ) -> AsyncGenerator[object, None]:
        limit: int = self.view.max_message_characters  # type: ignore[attr-defined]
        try:
            while self.ws.application_state != WebSocketState.DISCONNECTED:
                text = await self.ws.receive_text()
                if len(text) > limit:
                    raise MessageTooLarge
                try:
                    yield self.view.decode_json(text)
                except JSONDecodeError as error:
                    if not ignore_parsing_errors:
                        raise NonJsonMessageReceived from error
        except KeyError as error:
            raise NonTextMessageReceived from error
        except WebSocketDisconnect:
            pass


class OperationWriter:
    """Sends an operation's `next` messages around payloads encoded once for a group of
    subscribers (schema/broadcast.py)."""

    def __init__(self, websocket: Any, operation_id: str, broadcasts: Broadcasts) -> None:
        self.broadcasts = broadcasts
        self._websocket = websocket
        self._prefix = '{"id":' + json.dumps(operation_id) + ',"type":"next","payload":'

    async def write(self, payload_text: str) -> None:
        try:
            await self._websocket.ws.send_text(self._prefix + payload_text + "}")
        except WebSocketDisconnect as exc:  # as Strawberry's own sends report it
            raise WebSocketDisconnected from exc


class GraphQLTransportWSHandler(BaseGraphQLTransportWSHandler[Context, None]):
    context: Context
    _subject: str | None = None
    _expiry_timer: asyncio.TimerHandle | None = None

    async def handle(self) -> None:
        self.on_request_accepted()
        try:
            try:
                async for message in self.websocket.iter_json():
                    await self.handle_message(message)  # type: ignore[arg-type]
            except NonTextMessageReceived:
                await self.handle_invalid_message("WebSocket message type must be text")
            except NonJsonMessageReceived:
                await self.handle_invalid_message("WebSocket message must be valid JSON")
            except MessageTooLarge:
                await self.websocket.close(code=1009, reason="Message too big")
        except WebSocketDisconnected:
            pass
        finally:
            await self.shutdown()

    async def handle_message(self, message: Any) -> None:
        problem = _malformed(message)
        if problem:
            await self.handle_invalid_message(problem)
            return
        if message["type"] == "subscribe":
            if self._expired():
                await self.websocket.close(code=4403, reason="Token expired")
                return
            if not await self._resolve_document(message):
                return
        await super().handle_message(message)

    async def handle_connection_init(self, message: Any) -> None:
        if self.connection_timed_out:
            return
        if self.connection_init_timeout_task:
            self.connection_init_timeout_task.cancel()
        payload = message.get("payload") or {}
        if not isinstance(payload, dict):
            await self.websocket.close(code=4400, reason="Invalid connection init payload")
            return
        if self.connection_init_received:
            await self.websocket.close(code=4429, reason="Too many initialisation requests")
            return
        self.connection_init_received = True
        self.context.connection_params = payload
        refusal = self.view.authenticate_socket(self.context)  # type: ignore[attr-defined]
        if refusal is not None:
            await self.websocket.close(code=4403, reason=refusal)
            return
        subject = self.context.principal.subject  # type: ignore[union-attr]
        connections: ConnectionCounter = self.view.ws_connections  # type: ignore[attr-defined]
        if not connections.acquire(subject):
            log.info("websocket refused: user holds %d connections already", connections.limit)
            await self.websocket.close(code=4429, reason="Too many connections for this user")
            return
        self._subject = subject
        self._schedule_expiry()
        await self.send_message({"type": "connection_ack"})
        self.connection_acknowledged = True

    async def shutdown(self) -> None:
        if self._expiry_timer is not None:
            self._expiry_timer.cancel()
        if self._subject is not None:
            self.view.ws_connections.release(self._subject)  # type: ignore[attr-defined]
            self._subject = None
        await super().shutdown()

    async def run_operation(self, operation: Any) -> None:
        broadcasts: Broadcasts = self.view.broadcasts  # type: ignore[attr-defined]
        WRITER.set(OperationWriter(self.websocket, operation.id, broadcasts))  # this task's
        try:
            await super().run_operation(operation)
        finally:
            if len(operation.query) > LARGE_REQUEST_BYTES:
                collect_request_garbage()

    def _expired(self) -> bool:
        principal = self.context.principal
        return principal is not None and principal.expired()

    def _schedule_expiry(self) -> None:
        expires_at = self.context.principal.expires_at if self.context.principal else None
        if expires_at is None:
            return
        delay = min((expires_at - datetime.now(UTC)).total_seconds(), _LONGEST_TIMER)
        loop = asyncio.get_running_loop()
        self._expiry_timer = loop.call_later(max(delay, 0), self._close_expired)

    def _close_expired(self) -> None:
        task = asyncio.ensure_future(self._close_if_expired())
        task.add_done_callback(lambda done: done.cancelled() or done.exception())

    async def _close_if_expired(self) -> None:
        if self._expired():
            with suppress(Exception):
                await self.websocket.close(code=4403, reason="Token expired")
        else:
            self._schedule_expiry()

    async def _resolve_document(self, message: dict[str, Any]) -> bool:
        """Replace a `documentId` with its trusted text; False when the operation is refused."""
        view: Any = self.view
        try:
            request = from_payload(message["payload"], view.request_rules)
        except BadGraphQLRequest as bad:
            if not self.connection_acknowledged:
                await self.websocket.close(code=4401, reason="Unauthorized")
                return False
            if bad.code == "BAD_REQUEST":
                await self.handle_invalid_message(bad.message)
                return False
            error = bad.body()["errors"]
            await self.send_message({"id": message["id"], "type": "error", "payload": error})
            return False
        message["payload"] = {
            "query": request.query,
            "variables": request.variables,
            "operationName": request.operation_name,
        }
        return True


def _malformed(message: object) -> str | None:
    """Why `message` is not a graphql-transport-ws message, or None."""
    if not isinstance(message, dict) or not isinstance(message.get("type"), str):
        return "Messages are JSON objects with a string `type`"
    if message["type"] in ("subscribe", "complete"):
        operation_id = message.get("id")
        if not isinstance(operation_id, str) or not 0 < len(operation_id) <= MAX_OPERATION_ID:
            return f"`id` must be a string of 1 to {MAX_OPERATION_ID} characters"
    if message["type"] == "subscribe" and not isinstance(message.get("payload"), dict):
        return "`subscribe` needs a `payload` object"
    return None
