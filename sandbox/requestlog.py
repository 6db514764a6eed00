"""A request log of everything the product sent, for tests to assert on (admin paths excluded)."""

from __future__ import annotations

import json
from collections import deque
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sandbox.clock import Clock
from sandbox.faults import _route_path

SECRET_KEYS = {"client_secret", "refresh_token", "code", "access_token"}
MAX_BODY = 65536


def redact(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: "***" if k in SECRET_KEYS else redact(v) for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v) for v in value]
    return value


class RequestLog:
    def __init__(self, size: int) -> None:
        self.entries: deque[dict[str, Any]] = deque(maxlen=size)
        self.seq = 0

    def add(self, entry: dict[str, Any]) -> None:
        self.seq += 1
        self.entries.append({"seq": self.seq, **entry})

    def query(
        self, method: str | None, path_contains: str | None, since: int = 0
    ) -> list[dict[str, Any]]:
        return [
            e
            for e in self.entries
            if e["seq"] > since
            and (not method or e["method"] == method.upper())
            and (not path_contains or path_contains in e["path"])
        ]

    def clear(self) -> None:
        self.entries.clear()


class RequestLogMiddleware:
    def __init__(self, app: ASGIApp, log: RequestLog, clock: Clock) -> None:
        self.app, self.log, self.clock = app, log, clock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = _route_path(scope)
        if scope["type"] != "http" or path.startswith("/_sandbox"):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        status = {"code": 0}

        async def logged_receive() -> Message:
            message = await receive()
            if message["type"] == "http.request" and sum(map(len, chunks)) < MAX_BODY:
                chunks.append(message.get("body", b""))
            return message

        async def logged_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, logged_receive, logged_send)
        finally:
            self.log.add(
                {
                    "at": self.clock.now().isoformat(),
                    "method": scope["method"],
                    "path": path,
                    "query": scope.get("query_string", b"").decode("latin-1"),
                    "status": 0 if scope.get("sandbox.dropped") else status["code"],
                    "body": _decode(b"".join(chunks)),
                }
            )


def _decode(raw: bytes) -> Any:
    if not raw:
        return None
    text = raw[:MAX_BODY].decode("utf-8", errors="replace")
    try:
        return redact(json.loads(text))
    except ValueError:
        if "client_secret=" in text or "refresh_token=" in text or "code=" in text:
            return "***"
        return text
