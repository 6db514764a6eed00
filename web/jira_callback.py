"""GET /integrations/jira/callback: Atlassian's redirect after consent (or decline)."""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse

from core.runtime import Runtime
from services.jira_connection import (
    JiraConnectFailed,
    complete_connect,
    consume_state,
    settings_url,
)

log = logging.getLogger("agilekit.jira.callback")

_KNOWN_ERRORS = {"access_denied", "invalid_scope", "server_error", "temporarily_unavailable"}


async def jira_callback(request: Request) -> RedirectResponse:
    runtime: Runtime = request.app.state.runtime
    params = request.query_params
    state = params.get("state", "")
    error = params.get("error")
    if error:
        await _discard_state(state)  # a declined consent still uses up its state
        reason = error if error in _KNOWN_ERRORS else "oauth_error"
        return _redirect(f"{settings_url(runtime)}?{urlencode({'error': reason})}")
    try:
        result = await complete_connect(runtime, params.get("code", ""), state)
    except JiraConnectFailed as exc:
        log.info("jira connect failed: %s", exc.reason)
        return _redirect(f"{settings_url(runtime)}?{urlencode({'error': exc.reason})}")
    except Exception:
        log.exception("jira connect failed unexpectedly")
        return _redirect(f"{settings_url(runtime)}?{urlencode({'error': 'server_error'})}")
    target = result.return_to or f"{settings_url(runtime)}?{urlencode({'connected': 'jira'})}"
    return _redirect(target)


async def _discard_state(state: str) -> None:
    try:
        await consume_state(state)
    except JiraConnectFailed:
        pass


def _redirect(url: str) -> RedirectResponse:
    response = RedirectResponse(url, status_code=303)
    response.headers["cache-control"] = "no-store"
    response.headers["referrer-policy"] = "no-referrer"
    return response
