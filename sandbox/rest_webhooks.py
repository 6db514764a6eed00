"""Dynamic webhook REST endpoints for OAuth 2.0 apps."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from starlette.responses import JSONResponse, Response

from sandbox.clock import jira_datetime
from sandbox.gateway import Ctx, JiraError, jira_route, offset_page, page_params, scopes
from sandbox.webhooks import active_webhooks, register, webhook_json

REGISTER = scopes(
    "read:jira-work manage:jira-webhook", "write:webhook:jira read:field:jira read:project:jira"
)
LIST = scopes("read:jira-work manage:jira-webhook", "read:webhook:jira read:jql:jira")
REFRESH = scopes("read:jira-work manage:jira-webhook", "write:webhook:jira read:webhook:jira")
DELETE = scopes("read:jira-work manage:jira-webhook", "delete:webhook:jira")


def _mine(ctx: Ctx) -> dict[int, object]:
    return {
        w.id: w
        for w in active_webhooks(ctx.site, ctx.state.clock.now())
        if w.client_id == ctx.token.client_id
    }


async def register_webhooks(ctx: Ctx) -> Response:
    body = await ctx.json()
    if not isinstance(body, dict) or not isinstance(body.get("webhooks"), list):
        raise JiraError(400, ["The request body must contain url and webhooks."])
    url = str(body.get("url") or "")
    if urlsplit(url).scheme not in {"http", "https"}:
        raise JiraError(400, [], {"url": "The URL must be an absolute http(s) URL."})
    results = [
        register(ctx.state, ctx.site, ctx.token.client_id, ctx.account.account_id, url, item)
        for item in body["webhooks"]
    ]
    return JSONResponse({"webhookRegistrationResult": results})


async def list_webhooks(ctx: Ctx) -> Response:
    start, size = page_params(ctx, default=100, cap=100)
    mine = sorted(_mine(ctx).values(), key=lambda w: w.id)  # type: ignore[attr-defined]
    return JSONResponse(offset_page([webhook_json(w) for w in mine], start, size))  # type: ignore[arg-type]


def _ids(body: object) -> list[int]:
    ids = body.get("webhookIds") if isinstance(body, dict) else None
    if not isinstance(ids, list) or not ids or not all(isinstance(i, int) for i in ids):
        raise JiraError(400, [], {"webhookIds": "A list of webhook IDs is required."})
    return ids


async def refresh_webhooks(ctx: Ctx) -> Response:
    ids = _ids(await ctx.json())
    mine = _mine(ctx)
    expires = ctx.state.clock.now() + timedelta(seconds=ctx.state.config.webhook_ttl_seconds)
    for webhook_id in ids:
        if webhook_id in mine:
            ctx.site.webhooks[webhook_id].expires_at = expires
    return JSONResponse({"expirationDate": jira_datetime(expires)})


async def delete_webhooks(ctx: Ctx) -> Response:
    ids = _ids(await ctx.json())
    owned = {w.id for w in ctx.site.webhooks.values() if w.client_id == ctx.token.client_id}
    for webhook_id in ids:
        if webhook_id in owned:
            del ctx.site.webhooks[webhook_id]
    return Response(status_code=202)


ROUTES = [
    jira_route("POST", "/rest/api/3/webhook", REGISTER, register_webhooks),
    jira_route("GET", "/rest/api/3/webhook", LIST, list_webhooks),
    jira_route("DELETE", "/rest/api/3/webhook", DELETE, delete_webhooks),
    jira_route("PUT", "/rest/api/3/webhook/refresh", REFRESH, refresh_webhooks),
]
