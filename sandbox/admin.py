"""The admin API under /_sandbox (never part of real Jira): data, clock, tokens, faults, logs."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sandbox.admin_issues import ROUTES as ISSUE_ROUTES
from sandbox.config import OAuthApp
from sandbox.delivery import Switches
from sandbox.faults import FaultRule
from sandbox.gateway import sandbox_state
from sandbox.store import Account
from sandbox.webhooks import webhook_json


async def body_of(request: Request) -> dict[str, Any]:
    raw = await request.body()
    data = json.loads(raw) if raw else {}
    return data if isinstance(data, dict) else {}


def problem(message: str, status: int = 400) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


async def summary(request: Request) -> Response:
    state = sandbox_state(request)
    sites = [
        {
            "cloudId": site.cloud_id,
            "name": site.name,
            "url": site.url,
            "projects": [
                {"key": p.key, "id": p.id, "name": p.name, "simplified": p.simplified,
                 "estimationFieldId": p.estimation_field_id}
                for p in site.projects.values()
            ],
            "boards": [{"id": b.id, "name": b.name, "type": b.type, "projectKey": b.project_key}
                       for b in site.boards.values()],
            "sprints": [{"id": s.id, "name": s.name, "state": s.state,
                         "originBoardId": s.origin_board_id} for s in site.sprints.values()],
            "issueCount": len(site.issues),
        }
        for site in state.world.sites.values()
    ]  # fmt: skip
    accounts = [
        {"accountId": a.account_id, "email": a.email, "displayName": a.display_name,
         "cloudIds": a.cloud_ids}
        for a in state.world.accounts.values()
    ]  # fmt: skip
    return JSONResponse(
        {
            "rootUrl": state.root_url,
            "now": state.clock.now().isoformat(),
            "currentAccountId": state.world.current_account_id,
            "apps": [{"clientId": a.client_id, "name": a.name} for a in state.apps.values()],
            "sites": sites,
            "accounts": accounts,
        }
    )


async def reset(request: Request) -> Response:
    state = sandbox_state(request)
    state.reset(seed=(await body_of(request)).get("seed", True))
    return JSONResponse({"ok": True})


async def clock(request: Request) -> Response:
    state = sandbox_state(request)
    if request.method == "POST":
        body = await body_of(request)
        if body.get("reset"):
            state.clock.reset()
        if "set" in body:
            state.clock.set(datetime.fromisoformat(str(body["set"]).replace("Z", "+00:00")))
        if "advanceSeconds" in body:
            state.clock.advance(float(body["advanceSeconds"]))
    return JSONResponse({"now": state.clock.now().isoformat()})


async def current_user(request: Request) -> Response:
    state = sandbox_state(request)
    wanted = str((await body_of(request)).get("accountId", ""))
    account = state.world.account(wanted)
    if account is None:
        return problem(f"unknown account {wanted}", 404)
    state.world.current_account_id = account.account_id
    return JSONResponse({"currentAccountId": account.account_id})


async def add_account(request: Request) -> Response:
    state = sandbox_state(request)
    body = await body_of(request)
    account_id = str(body.get("accountId") or f"557058:sandbox-{len(state.world.accounts) + 1}")
    account = Account(
        account_id,
        str(body.get("email") or f"{account_id}@sandbox.example"),
        str(body.get("displayName") or "Sandbox User"),
        cloud_ids=list(body.get("cloudIds") or list(state.world.sites)),
    )
    state.world.accounts[account_id] = account
    return JSONResponse({"accountId": account_id}, status_code=201)


async def add_app(request: Request) -> Response:
    state = sandbox_state(request)
    body = await body_of(request)
    if not body.get("clientId") or not body.get("clientSecret"):
        return problem("clientId and clientSecret are required")
    app = OAuthApp(
        client_id=body["clientId"],
        client_secret=body["clientSecret"],
        name=body.get("name", body["clientId"]),
        redirect_uris=list(body.get("redirectUris") or []),
        loopback_callback_suffix=body.get("loopbackCallbackSuffix"),
        distributed=bool(body.get("distributed", True)),
        owner_account_id=body.get("ownerAccountId"),
    )
    if body.get("scopes"):
        app.scopes = frozenset(body["scopes"])
    state.apps[app.client_id] = app
    return JSONResponse({"clientId": app.client_id}, status_code=201)


async def add_redirect(request: Request) -> Response:
    state = sandbox_state(request)
    app = state.app(request.path_params["client_id"])
    if app is None:
        return problem("unknown app", 404)
    app.redirect_uris.append(str((await body_of(request)).get("redirectUri")))
    return JSONResponse({"redirectUris": app.redirect_uris})


async def oauth_stats(request: Request) -> Response:
    state = sandbox_state(request)
    if request.method == "POST":
        state.tokens.calls.clear()
    return JSONResponse({"tokenCalls": dict(state.tokens.calls)})


async def tokens(request: Request) -> Response:
    state = sandbox_state(request)
    body = await body_of(request)
    account, client = body.get("accountId"), body.get("clientId")
    action = request.path_params["action"]
    if action == "expire":
        return JSONResponse({"expired": state.tokens.expire_access(account, client)})
    if action == "revoke":
        return JSONResponse({"revoked": state.tokens.revoke(account, client)})
    return problem("unknown action (expire | revoke)", 404)


async def faults(request: Request) -> Response:
    state = sandbox_state(request)
    if request.method == "POST":
        body = await body_of(request)
        try:
            state.fault_rules.append(FaultRule(**body))
        except TypeError as exc:
            return problem(str(exc))
    elif request.method == "DELETE":
        state.fault_rules.clear()
    return JSONResponse({"rules": [vars(rule) for rule in state.fault_rules]})


async def rate_limits(request: Request) -> Response:
    """POST replaces every limit and empties their windows (the body: RateLimiter.configure);
    GET shows the limits and their windows' usage."""
    limiter = sandbox_state(request).limiter
    if request.method == "POST":
        try:
            limiter.configure(await body_of(request))
        except (KeyError, TypeError, ValueError) as exc:
            return problem(f"bad rate limits: {exc!r}")
    return JSONResponse({"ok": True, "limits": limiter.describe(), "usage": limiter.usage()})


async def search_lag(request: Request) -> Response:
    """Eventual consistency of search/jql: writes stay invisible for this many seconds."""
    state = sandbox_state(request)
    state.search_lag_seconds = float((await body_of(request)).get("seconds", 0))
    return JSONResponse({"seconds": state.search_lag_seconds})


async def webhooks(request: Request) -> Response:
    state = sandbox_state(request)
    found = [
        {"cloudId": site.cloud_id, "clientId": w.client_id, "accountId": w.account_id,
         **webhook_json(w)}
        for site in state.world.sites.values()
        for w in site.webhooks.values()
    ]  # fmt: skip
    return JSONResponse({"webhooks": found})


async def switches(request: Request) -> Response:
    state = sandbox_state(request)
    current = state.dispatcher.switches
    if request.method == "POST":
        body = await body_of(request)
        try:
            state.dispatcher.switches = Switches(**{**vars(current), **body})
        except TypeError as exc:
            return problem(str(exc))
        if not (state.dispatcher.switches.out_of_order or state.dispatcher.switches.paused):
            state.dispatcher.release()
    return JSONResponse(vars(state.dispatcher.switches))


async def release(request: Request) -> Response:
    return JSONResponse({"released": sandbox_state(request).dispatcher.release()})


async def drain(request: Request) -> Response:
    state = sandbox_state(request)
    timeout = float(request.query_params.get("timeout", "10"))
    drained = await state.dispatcher.drain(timeout)
    return JSONResponse({"drained": drained}, status_code=200 if drained else 504)


async def deliveries(request: Request) -> Response:
    state = sandbox_state(request)
    if request.method == "DELETE":
        state.dispatcher.attempts.clear()
    return JSONResponse({"attempts": state.dispatcher.attempts})


async def requests_log(request: Request) -> Response:
    state = sandbox_state(request)
    if request.method == "DELETE":
        state.log.clear()
        return JSONResponse({"requests": []})
    params = request.query_params
    found = state.log.query(params.get("method"), params.get("path"), int(params.get("since", 0)))
    return JSONResponse({"requests": found, "lastSeq": state.log.seq})


ROUTES = [
    Route("/state", summary, methods=["GET"]),
    Route("/reset", reset, methods=["POST"]),
    Route("/clock", clock, methods=["GET", "POST"]),
    Route("/current-user", current_user, methods=["POST"]),
    Route("/accounts", add_account, methods=["POST"]),
    Route("/apps", add_app, methods=["POST"]),
    Route("/apps/{client_id}/redirect-uris", add_redirect, methods=["POST"]),
    Route("/oauth/stats", oauth_stats, methods=["GET", "POST"]),
    Route("/tokens/{action:str}", tokens, methods=["POST"]),
    Route("/faults", faults, methods=["GET", "POST", "DELETE"]),
    Route("/rate-limits", rate_limits, methods=["GET", "POST"]),
    Route("/search-lag", search_lag, methods=["POST"]),
    Route("/webhooks", webhooks, methods=["GET"]),
    Route("/webhooks/switches", switches, methods=["GET", "POST"]),
    Route("/webhooks/release", release, methods=["POST"]),
    Route("/webhooks/drain", drain, methods=["POST"]),
    Route("/webhooks/deliveries", deliveries, methods=["GET", "DELETE"]),
    Route("/requests", requests_log, methods=["GET", "DELETE"]),
    *ISSUE_ROUTES,
]
