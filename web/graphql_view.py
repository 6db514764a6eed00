"""The /graphql endpoint: HTTP and graphql-transport-ws, with bearer auth from either.

Requests are read strictly (web.graphql_request): anything that is not a GraphQL request is a
400 with a GraphQL-style error, never a 500. GraphiQL is served only when GRAPHIQL is on.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from cross_web import HTTPException
from graphql import specified_rules
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLRequestData
from strawberry.http.websocket_origin import normalize_origin
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

from core import encoding
from core.auth import InvalidToken, decode_token, parse_authorization
from core.bus.fanout import DEFAULT_QUEUE_SIZE
from core.logging import request_id_var
from core.metrics import MAX_OPERATION_NAMES, OTHER, BoundedLabels
from core.settings import Settings
from schema.broadcast import Broadcasts
from schema.composition import Schema
from schema.context import Context
from schema.documents import TrustedDocuments
from schema.extensions import encode_result
from schema.metrics import manifest_operation_names
from services.runtime import Runtime
from services.users.accounts import demo_token
from web.graphiql import DEFAULT_HEADERS, graphiql_html, headers_with
from web.graphql_request import (
    BadGraphQLRequest,
    GraphQLRequest,
    RequestRules,
    from_json_body,
    from_query_params,
)
from web.graphql_ws import BoundedWebSocketAdapter, ConnectionCounter, GraphQLTransportWSHandler

log = logging.getLogger(__name__)


def ws_origins(settings: Settings) -> set[str]:
    """Browser origins allowed to open the websocket: scheme://host[:port] of each URL."""
    origins = (normalize_origin(url) for url in settings.allowed_ws_origins())
    return {origin for origin in origins if origin}


def load_trusted_documents(settings: Settings, schema: Schema) -> TrustedDocuments:
    """The manifest, each document parsed and validated now (pinned in the schema's cache)."""
    documents = TrustedDocuments.load(settings.graphql_trusted_documents_file)
    if settings.graphql_documents == "trusted" and not len(documents):
        raise SystemExit(
            f"GRAPHQL_DOCUMENTS=trusted, but {settings.graphql_trusted_documents_file} holds no "
            "documents: run `make codegen` (or set GRAPHQL_TRUSTED_DOCUMENTS_FILE)."
        )
    for identifier, text in documents.by_id.items():
        errors = schema.documents.pin(text, tuple(specified_rules))
        if errors:
            log.warning("trusted document %s is invalid: %s", identifier, errors[0].message)
    return documents


class GraphQLView(GraphQL[Context, None]):
    websocket_adapter_class = BoundedWebSocketAdapter  # type: ignore[assignment]
    graphql_transport_ws_handler_class = GraphQLTransportWSHandler  # type: ignore[assignment]

    def __init__(self, schema: Schema, runtime: Runtime) -> None:
        settings = runtime.settings
        super().__init__(
            schema,
            graphql_ide="graphiql" if settings.graphiql_enabled else None,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            keep_alive=True,
            keep_alive_interval=15,
            max_subscriptions_per_connection=settings.ws_max_subscriptions_per_connection,
            # Strawberry refuses cross-origin handshakes unless listed here (CSWSH protection).
            allowed_origins=sorted(ws_origins(settings)),
        )
        self.runtime = runtime
        self.ws_origins = ws_origins(settings)
        self.max_message_characters = settings.max_body_bytes
        self.ws_connections = ConnectionCounter(settings.ws_max_connections_per_user)
        self.broadcasts = Broadcasts(DEFAULT_QUEUE_SIZE, encode_result)  # room events' groups
        documents = load_trusted_documents(settings, schema)
        runtime.metrics.operation_names = BoundedLabels(
            manifest_operation_names(documents.by_id.values()), MAX_OPERATION_NAMES
        )
        self.request_rules = RequestRules(
            documents=documents,
            trusted_only=settings.graphql_documents == "trusted",
            max_document_characters=settings.graphql_max_document_bytes,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket" and not self._origin_allowed(scope):
            await WebSocket(scope, receive, send).close(code=4403, reason="Origin not allowed")
            return
        if scope["type"] == "http":
            try:
                response = await self.run(Request(scope, receive))
            except BadGraphQLRequest as bad:
                log.info("graphql request refused (%s): %s", bad.code, bad.message)
                self.runtime.metrics.graphql_operations.labels("unknown", OTHER, "refused").inc()
                response = JSONResponse(bad.body(), status_code=bad.status)
            except HTTPException as error:
                body = BadGraphQLRequest(error.reason).body()
                response = JSONResponse(body, status_code=error.status_code)
            await response(scope, receive, send)
            return
        await super().__call__(scope, receive, send)

    def _origin_allowed(self, scope: Scope) -> bool:
        origin = dict(scope["headers"]).get(b"origin")
        if origin is None:  # not a browser: nothing for CSWSH to exploit
            return True
        shown = origin.decode("latin-1")
        if normalize_origin(shown) in self.ws_origins:
            return True
        log.warning(
            "websocket refused: origin %r is not allowed; add it to WS_ALLOWED_ORIGINS "
            "(or CORS_ORIGINS) to allow it",
            shown[:200],
        )
        return False

    def encode_json(self, data: object) -> str:
        return encoding.dumps(data)  # text: websocket messages must be text frames

    def decode_json(self, data: str | bytes) -> object:
        try:
            return json.loads(data)
        except RecursionError:
            raise json.JSONDecodeError("nested too deeply", "", 0) from None

    async def parse_http_body(self, request: Any) -> GraphQLRequestData:
        if request.method == "GET":
            parsed = from_query_params(request.query_params, self.request_rules)
        elif "application/json" in (request.content_type or ""):
            parsed = from_json_body(await request.get_body(), self.request_rules)
        else:
            raise BadGraphQLRequest("Send GraphQL requests as application/json.", status=415)
        return _request_data(parsed)

    async def get_context(self, request: Request | WebSocket, response: Any = None) -> Context:
        context = Context(runtime=self.runtime, request=request, request_id=request_id_var.get())
        if isinstance(request, Request):
            self._authenticate(context, request.headers.get("authorization"))
        return context

    def authenticate_socket(self, context: Context) -> str | None:
        """Authenticate a websocket from its connection_init payload: None, or why not."""
        params = context.connection_params if isinstance(context.connection_params, dict) else {}
        header = params.get("authorization") or params.get("Authorization")
        self._authenticate(context, header if isinstance(header, str) else None)
        if context.principal is None:
            return context.auth_error or "Unauthenticated"
        return None

    def _authenticate(self, context: Context, header: str | None) -> None:
        try:
            token = parse_authorization(header)
            if token is not None:
                context.principal = decode_token(token, self.runtime.settings.auth_jwt_secret)
        except InvalidToken as exc:
            context.auth_error = str(exc)

    async def render_graphql_ide(self, request: Request) -> Response:
        assets = str(request.url_for("graphiql_assets", path=""))
        settings = self.runtime.settings
        headers = DEFAULT_HEADERS
        if settings.is_development:  # the demo user's token, as `make run` prints it
            headers = headers_with(demo_token(settings.auth_jwt_secret))
        return HTMLResponse(graphiql_html(assets, settings.public_url, headers))


def _request_data(request: GraphQLRequest) -> GraphQLRequestData:
    return GraphQLRequestData(
        query=request.query,
        variables=request.variables,
        operation_name=request.operation_name,
        extensions=request.extensions,
    )
