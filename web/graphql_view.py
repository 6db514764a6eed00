"""The /graphql endpoint: HTTP and graphql-transport-ws, with bearer auth from either."""

from __future__ import annotations

import logging
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http.websocket_origin import normalize_origin
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

from core.auth import InvalidToken, decode_token, parse_authorization
from core.logging import request_id_var
from core.runtime import Runtime
from core.settings import Settings
from schema.context import Context
from web.graphiql import graphiql_html

log = logging.getLogger("agilekit.web")


def ws_origins(settings: Settings) -> set[str]:
    """Browser origins allowed to open the websocket: scheme://host[:port] of each URL."""
    origins = (normalize_origin(url) for url in settings.allowed_ws_origins())
    return {origin for origin in origins if origin}


class GraphQLView(GraphQL[Context, None]):
    def __init__(self, schema: Any, runtime: Runtime) -> None:
        super().__init__(
            schema,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            keep_alive=True,
            keep_alive_interval=15,
            # Strawberry refuses cross-origin handshakes unless listed here (CSWSH protection).
            allowed_origins=sorted(ws_origins(runtime.settings)),
        )
        self.runtime = runtime
        self.ws_origins = ws_origins(runtime.settings)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket" and not self._origin_allowed(scope):
            log.warning("websocket refused: origin not allowed")
            await WebSocket(scope, receive, send).close(code=4403, reason="Origin not allowed")
            return
        await super().__call__(scope, receive, send)

    def _origin_allowed(self, scope: Scope) -> bool:
        origin = dict(scope["headers"]).get(b"origin")
        if origin is None:  # not a browser: nothing for CSWSH to exploit
            return True
        return normalize_origin(origin.decode("latin-1")) in self.ws_origins

    async def get_context(self, request: Request | WebSocket, response: Any = None) -> Context:
        context = Context(runtime=self.runtime, request=request, request_id=request_id_var.get())
        if isinstance(request, Request):
            self._authenticate(context, request.headers.get("authorization"))
        return context

    async def on_ws_connect(self, context: Context) -> dict[str, object] | None:
        params = context.connection_params if isinstance(context.connection_params, dict) else {}
        header = params.get("authorization") or params.get("Authorization")
        self._authenticate(context, header if isinstance(header, str) else None)
        if context.principal is None:
            raise ConnectionRejectionError({"reason": context.auth_error or "Unauthenticated"})
        return None

    def _authenticate(self, context: Context, header: str | None) -> None:
        try:
            token = parse_authorization(header)
            if token is not None:
                context.principal = decode_token(token, self.runtime.settings.auth_jwt_secret)
        except InvalidToken as exc:
            context.auth_error = str(exc)

    async def render_graphql_ide(self, request: Request) -> Response:
        return HTMLResponse(graphiql_html(str(request.url_for("graphiql_assets", path=""))))
