"""Pure-ASGI middleware: request ids, request body size limits, and a direct route past them."""

from __future__ import annotations

import gc
import re
import uuid

from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.logging import request_id_var

_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
LARGE_REQUEST_BYTES = 256 * 1024


def collect_request_garbage() -> None:
    """Call once a large request is done. graphql-core's validation leaves reference cycles
    that hold the document and its text, and core/gc_policy.py makes young collections rare:
    unique large queries piled up (200 of 900 KB: +150 MB, kept). Collecting before the request
    ends would instead promote its live objects to an older, rarer generation."""
    gc.collect(0)


class RequestIdMiddleware:
    """Takes a sane incoming X-Request-ID or makes one; every log line and reply carries it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if _SAFE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        token = request_id_var.set(request_id)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            request_id_var.reset(token)


class DirectRoute:
    """Sends requests of one method and path straight to `endpoint`, past the layers inside
    this one (routing, CORS, the body size limit), which such an endpoint does without: an
    endpoint that must answer at volume, that is not called from browsers and caps its own
    body (POST /webhooks/jira). Other methods on the path go on as before (a CORS preflight,
    the router)."""

    def __init__(self, app: ASGIApp, method: str, path: str, endpoint: ASGIApp) -> None:
        self.app = app
        self.method = method
        self.path = path
        self.endpoint = endpoint

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["method"] == self.method
            and _route_path(scope) == self.path
        ):
            await self.endpoint(scope, receive, send)
        else:
            await self.app(scope, receive, send)


def _route_path(scope: Scope) -> str:
    """The path below the app's root path, as Starlette's router matches it."""
    path: str = scope["path"]
    root_path: str = scope.get("root_path", "")
    return path[len(root_path) :] if root_path and path.startswith(root_path) else path


class BodySizeLimitMiddleware:
    """Refuses request bodies over `max_bytes` with 413, by header or while streaming."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await _too_large(self.max_bytes)(scope, receive, send)
            return
        received = 0
        response_started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal response_started
            response_started = response_started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _BodyTooLarge:
            if not response_started:
                await _too_large(self.max_bytes)(scope, receive, send)
        finally:
            if received > LARGE_REQUEST_BYTES:
                collect_request_garbage()


class _BodyTooLarge(Exception):
    pass


def _too_large(max_bytes: int) -> PlainTextResponse:
    return PlainTextResponse(f"Request body exceeds {max_bytes} bytes.", status_code=413)
