"""OAuth 2.0 (3LO) endpoints: consent on the auth base, token exchange, accessible resources."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl, urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from sandbox.consent import consent_page, error_page
from sandbox.gateway import UNAUTHORIZED, bearer_token, sandbox_state
from sandbox.serialize import avatar_urls
from sandbox.state import SandboxState
from sandbox.store import Account
from sandbox.tokens import OAuthError

AUTH_PARAMS = ("audience", "client_id", "scope", "redirect_uri", "state", "response_type", "prompt")
ACCOUNT_PARAM = "sandbox_account"


def _redirect(uri: str, **params: str | None) -> RedirectResponse:
    query = urlencode({k: v for k, v in params.items() if v is not None})
    return RedirectResponse(f"{uri}{'&' if '?' in uri else '?'}{query}", status_code=302)


def _validate(state: SandboxState, params: dict[str, str]) -> tuple[Response | None, Any, Any]:
    """(failure, app, account); failures before redirect_uri is trusted are pages."""
    app = state.app(params.get("client_id", ""))
    if app is None:
        return HTMLResponse(error_page("Invalid client_id."), status_code=400), None, None
    redirect_uri = params.get("redirect_uri", "")
    if not app.accepts_redirect(redirect_uri):
        message = "The redirect_uri does not match the app's callback URL."
        return HTMLResponse(error_page(message), status_code=400), None, None
    if state.config.require_audience and params.get("audience") != "api.atlassian.com":
        message = "The audience parameter must be api.atlassian.com."
        return HTMLResponse(error_page(message), status_code=400), None, None
    st = params.get("state")
    if params.get("response_type") != "code":
        return _redirect(redirect_uri, error="unsupported_response_type", state=st), None, None
    requested = set(params.get("scope", "").split())
    if not requested or not requested <= app.scopes:
        description = "Scope is not enabled for this app: " + " ".join(
            sorted(requested - app.scopes)
        )
        failure = _redirect(
            redirect_uri, error="invalid_scope", error_description=description, state=st
        )
        return failure, None, None
    chosen = params.get(ACCOUNT_PARAM) or state.world.current_account_id or ""
    account = state.world.account(chosen)
    if account is None:
        return HTMLResponse(error_page(f"Unknown account {chosen}."), status_code=400), None, None
    return None, app, account


async def authorize(request: Request) -> Response:
    state = sandbox_state(request)
    params = dict(request.query_params)
    failure, app, account = _validate(state, params)
    if failure is not None:
        return failure
    sites = [state.world.sites[c] for c in account.cloud_ids if c in state.world.sites]
    forwarded = {k: params[k] for k in (*AUTH_PARAMS, ACCOUNT_PARAM) if k in params}
    forwarded[ACCOUNT_PARAM] = account.account_id
    action = f"{state.root_url}/auth/authorize/decision"
    return HTMLResponse(consent_page(app, account, sites, forwarded, action))


async def decide(request: Request) -> Response:
    state = sandbox_state(request)
    params = await _form(request)
    failure, app, account = _validate(state, params)
    if failure is not None:
        return failure
    redirect_uri, st = params["redirect_uri"], params.get("state")
    if params.get("decision") != "accept":
        return _redirect(
            redirect_uri,
            error="access_denied",
            error_description="The user denied access to the app.",
            state=st,
        )
    site = params.get("site") or (account.cloud_ids[0] if len(account.cloud_ids) == 1 else "")
    if site not in account.cloud_ids:
        return HTMLResponse(error_page("Choose one of your sites."), status_code=400)
    scopes = frozenset(params["scope"].split())
    code = state.tokens.consent(app, account.account_id, scopes, site, redirect_uri)
    return _redirect(redirect_uri, code=code, state=st)


async def _form(request: Request) -> dict[str, str]:
    """URL-encoded form fields (Starlette's form parser needs python-multipart)."""
    return dict(
        parse_qsl((await request.body()).decode("utf-8", "replace"), keep_blank_values=True)
    )


def _oauth_error(exc: OAuthError) -> JSONResponse:
    body = {"error": exc.error, "error_description": exc.description}
    return JSONResponse(body, status_code=exc.status)


async def token(request: Request) -> Response:
    state = sandbox_state(request)
    raw = await request.body()
    if request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        body: Any = await _form(request)
    else:
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = None
    if not isinstance(body, dict):
        return _oauth_error(OAuthError(400, "invalid_request", "Invalid request body."))
    grant_type = str(body.get("grant_type", ""))
    state.tokens.calls[grant_type or "(none)"] += 1
    app = state.app(str(body.get("client_id", "")))
    try:
        if app is None or body.get("client_secret") != app.client_secret:
            raise OAuthError(401, "access_denied", "Unauthorized")
        if grant_type == "authorization_code":
            result = state.tokens.exchange_code(
                app, str(body.get("code", "")), str(body.get("redirect_uri", ""))
            )
        elif grant_type == "refresh_token":
            result = state.tokens.refresh(app, str(body.get("refresh_token", "")))
        else:
            raise OAuthError(400, "unsupported_grant_type", f"Unsupported grant_type {grant_type}")
    except OAuthError as exc:
        return _oauth_error(exc)
    state.tokens.calls[f"{grant_type}:ok"] += 1
    return JSONResponse(result, headers={"Cache-Control": "no-store"})


def _authenticated(request: Request) -> tuple[SandboxState, Account | None, Any]:
    state = sandbox_state(request)
    access = bearer_token(state, request)
    account = state.world.accounts.get(access.account_id) if access else None
    return state, account, access


async def accessible_resources(request: Request) -> Response:
    state, account, access = _authenticated(request)
    grant = state.tokens.grant_for(access) if access else None
    if account is None or grant is None:
        return JSONResponse(UNAUTHORIZED, status_code=401)
    resources = [
        {
            "id": site.cloud_id,
            "name": site.name,
            "url": site.url,
            "scopes": sorted(s for s in access.scopes if s != "offline_access"),
            "avatarUrl": f"https://site-admin-avatar-cdn.prod.public.atl-paas.net/{site.name}.png",
        }
        for cloud_id, site in state.world.sites.items()
        if cloud_id in grant.cloud_ids and cloud_id in account.cloud_ids
    ]
    return JSONResponse(resources)


async def me(request: Request) -> Response:
    _state, account, access = _authenticated(request)
    if account is None:
        return JSONResponse(UNAUTHORIZED, status_code=401)
    if "read:me" not in access.scopes:
        return JSONResponse({"code": 401, "message": "Unauthorized; scope does not match"}, 401)
    return JSONResponse(
        {
            "account_id": account.account_id,
            "email": account.email,
            "name": account.display_name,
            "picture": avatar_urls(account.account_id)["48x48"],
            "account_status": "active",
            "account_type": "atlassian",
        }
    )


AUTH_ROUTES = [
    Route("/authorize", authorize, methods=["GET"]),
    Route("/authorize/decision", decide, methods=["POST"]),
    Route("/oauth/token", token, methods=["POST"]),
]
API_ROUTES = [
    Route("/oauth/token/accessible-resources", accessible_resources, methods=["GET"]),
    Route("/me", me, methods=["GET"]),
]
