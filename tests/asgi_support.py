"""An ASGI app served in-process to httpx: what a server would add to `httpx.ASGITransport`.

`ServedTransport` reaches one app at one origin, without a socket. Like uvicorn it answers a
response the app never finished as a dropped connection (`httpx.RemoteProtocolError`), and an
exception after a complete response (Starlette sends its 500, then re-raises) as that response.
Any other origin is unreachable (`httpx.ConnectError`). `Lifespan` runs the app's lifespan,
which `httpx.ASGITransport` never does. httpx timeouts are not enforced here: tests of
timeouts need a real socket.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import httpx
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger(__name__)


class Lifespan:
    """The ASGI lifespan protocol, driven as a server does: `startup()`, later `shutdown()`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.state: dict[str, Any] = {}  # the lifespan state; each request gets a copy
        self._to_app: asyncio.Queue[Message] = asyncio.Queue()
        self._from_app: asyncio.Queue[Message] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    async def startup(self) -> None:
        scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": self.state}
        self._task = asyncio.get_running_loop().create_task(
            self.app(scope, self._to_app.get, self._from_app.put)
        )
        await self._say("startup")

    async def shutdown(self) -> None:
        if self._task is None:
            return
        try:
            await self._say("shutdown")
            await self._task
        finally:
            self._task = None

    async def _say(self, event: str) -> None:
        assert self._task is not None
        await self._to_app.put({"type": f"lifespan.{event}"})
        answer = asyncio.ensure_future(self._from_app.get())
        await asyncio.wait({answer, self._task}, return_when=asyncio.FIRST_COMPLETED)
        if not answer.done():
            answer.cancel()
            self._task.result()  # raises what the lifespan raised
            raise RuntimeError(f"the app's lifespan returned before lifespan.{event} completed")
        message = answer.result()
        if message["type"] != f"lifespan.{event}.complete":
            raise RuntimeError(f"lifespan.{event} failed: {message.get('message', message)}")


class _AsAServer:
    """The app as a server runs it: a copy of the lifespan state per request; an unfinished
    response is a dropped connection; a failure after a complete response is logged."""

    def __init__(self, app: ASGIApp, state: dict[str, Any]) -> None:
        self.app, self.state = app, state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope = {**scope, "state": dict(self.state)}
        started = finished = False

        async def watched(message: Message) -> None:
            nonlocal started, finished
            if message["type"] == "http.response.start":
                started = True
            elif message["type"] == "http.response.body" and not message.get("more_body"):
                finished = True
            await send(message)

        try:
            await self.app(scope, receive, watched)
        except Exception:
            log.exception("in-process ASGI app failed: %s %s", scope["method"], scope["path"])
            if not started:  # what uvicorn answers then
                headers = [(b"content-type", b"text/plain; charset=utf-8")]
                await send({"type": "http.response.start", "status": 500, "headers": headers})
                await send({"type": "http.response.body", "body": b"Internal Server Error"})
                return
            if finished:
                return
        if not finished:
            raise httpx.RemoteProtocolError(
                "peer closed connection without sending complete message body"
            )


class ServedTransport(httpx.AsyncBaseTransport):
    """Requests to `url`'s origin go to `app` in this process; other origins are unreachable.
    Closing a client does not close this transport (several clients share it)."""

    def __init__(self, app: ASGIApp, url: str, state: dict[str, Any] | None = None) -> None:
        origin = httpx.URL(url)
        self.url = url
        self._origin = (origin.scheme, origin.host, origin.port)
        self._asgi = httpx.ASGITransport(app=_AsAServer(app, state if state is not None else {}))

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if (request.url.scheme, request.url.host, request.url.port) != self._origin:
            raise httpx.ConnectError(
                f"{request.url.scheme}://{request.url.netloc.decode()} is not reachable from "
                f"this in-process transport (it serves {self.url} only)",
                request=request,
            )
        return await self._asgi.handle_async_request(request)

    async def aclose(self) -> None:
        """Nothing to close: the app outlives the clients built on this transport."""
