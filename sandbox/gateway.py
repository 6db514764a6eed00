"""The API gateway in front of every Jira REST route: bearer auth, site access, scopes, limits."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sandbox.state import SandboxState
from sandbox.store import Account, Site
from sandbox.tokens import AccessToken

UNAUTHORIZED = {"code": 401, "message": "Unauthorized"}
SCOPE_MISMATCH = {"code": 401, "message": "Unauthorized; scope does not match"}
ScopeSets = tuple[frozenset[str], ...]


def scopes(*alternatives: str) -> ScopeSets:
    """Each argument is one acceptable space-separated scope set."""
    return tuple(frozenset(option.split()) for option in alternatives)


@dataclass
class Ctx:
    request: Request
    state: SandboxState
    token: AccessToken
    account: Account
    site: Site

    def query(self, name: str, default: str | None = None) -> str | None:
        return self.request.query_params.get(name, default)

    def query_int(self, name: str, default: int) -> int:
        raw = self.request.query_params.get(name)
        try:
            return int(raw) if raw not in {None, ""} else default
        except ValueError:
            raise JiraError(400, [f"The '{name}' parameter must be a number."]) from None

    async def json(self) -> Any:
        raw = await self.request.body()
        if not raw:
            return None
        try:
            return json.loads(raw)
        except ValueError:
            raise JiraError(400, ["Unexpected character in the request body."]) from None


class JiraError(Exception):
    """Jira's own error collection `{"errorMessages": [...], "errors": {...}}`."""

    def __init__(
        self, status: int, messages: list[str] | None = None, errors: dict[str, str] | None = None
    ) -> None:
        super().__init__(messages)
        self.status, self.messages, self.errors = status, messages or [], errors or {}

    def response(self) -> JSONResponse:
        body = {"errorMessages": self.messages, "errors": self.errors}
        return JSONResponse(body, status_code=self.status)


def sandbox_state(request: Request) -> SandboxState:
    return request.app.state.sandbox  # type: ignore[no-any-return]


def bearer_token(state: SandboxState, request: Request) -> AccessToken | None:
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("bearer "):
        return None
    return state.tokens.authenticate(header[7:].strip())


Handler = Callable[[Ctx], Awaitable[Response]]
PREFIX = "/ex/jira/{cloud_id}"


def jira_route(method: str, path: str, required: ScopeSets, handler: Handler) -> Route:
    """A Jira REST route under /ex/jira/{cloudId}; `path` starts at /rest/."""
    endpoint_key = f"{method} {path}"

    async def endpoint(request: Request) -> Response:
        state = sandbox_state(request)
        token = bearer_token(state, request)
        if token is None:
            return JSONResponse(UNAUTHORIZED, status_code=401)
        grant = state.tokens.grant_for(token)
        account = state.world.accounts.get(token.account_id)
        cloud_id = request.path_params["cloud_id"]
        site = state.world.site(cloud_id)
        if (
            grant is None
            or account is None
            or site is None
            or cloud_id not in grant.cloud_ids
            or cloud_id not in account.cloud_ids
        ):
            return JSONResponse(UNAUTHORIZED, status_code=401)
        if not any(option <= token.scopes for option in required):
            return JSONResponse(SCOPE_MISMATCH, status_code=401)
        written = request.path_params.get("key") if method != "GET" else None
        allowed, limit_headers = state.limiter.check(
            cloud_id, endpoint_key, state.clock.now(), written
        )
        if not allowed:
            body = {"errorMessages": ["Rate limit exceeded."], "errors": {}}
            return JSONResponse(body, status_code=429, headers=limit_headers)
        try:
            response = await handler(Ctx(request, state, token, account, site))
        except JiraError as exc:
            response = exc.response()
        if response.status_code < 300:  # a points quota also counts the objects returned
            body = getattr(response, "body", b"")
            state.limiter.charge_returned(cloud_id, method, body, state.clock.now())
        response.headers["X-AAccountId"] = account.account_id
        response.headers.update(limit_headers)
        return response

    return Route(PREFIX + path, endpoint, methods=[method])


def page_params(ctx: Ctx, default: int = 50, cap: int = 100) -> tuple[int, int]:
    start = max(0, ctx.query_int("startAt", 0))
    size = ctx.query_int("maxResults", default)
    return start, max(0, min(size, cap)) if size > 0 else default


def offset_page(items: list[Any], start: int, size: int) -> dict[str, Any]:
    chunk = items[start : start + size]
    return {
        "startAt": start,
        "maxResults": size,
        "total": len(items),
        "isLast": start + size >= len(items),
        "values": chunk,
    }


def page_token(offset: int, fingerprint: str) -> str:
    raw = json.dumps({"o": offset, "f": _digest(fingerprint)}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def read_page_token(token: str | None, fingerprint: str) -> int:
    if not token:
        return 0
    try:
        data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        if data["f"] == _digest(fingerprint):
            return int(data["o"])
    except (ValueError, KeyError, TypeError):
        pass
    raise JiraError(400, ["The provided next page token is invalid or expired."])


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]
