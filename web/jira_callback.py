"""GET /integrations/jira/callback: Atlassian's redirect after consent (or decline).

The callback completes nothing itself. Whoever's browser arrives here with `code` and `state`
is not proven to be the user who started the consent (an attacker can start it and send the
authorize link to a victim), so the code and state go on to the app,
`APP_URL/settings/integrations?code=…&state=…`, which completes the connection with
`completeJiraConnect` under the signed-in user's bearer token; the service refuses a state of
another user and uses it up. A decline or a malformed redirect lands on `?error=CODE` and uses
up the state.
"""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse

from services.jira.connection import (
    MAX_CODE,
    MAX_STATE,
    JiraConnectFailed,
    consume_state,
    is_oauth_token,
    settings_url,
)
from services.runtime import Runtime

log = logging.getLogger(__name__)

_KNOWN_ERRORS = {"access_denied", "invalid_scope", "server_error", "temporarily_unavailable"}


async def jira_callback(request: Request) -> RedirectResponse:
    runtime: Runtime = request.app.state.runtime
    params = request.query_params
    state, code, error = params.get("state", ""), params.get("code", ""), params.get("error")
    if error:
        await _discard_state(state)  # a declined consent still uses up its state
        return _to_app(runtime, error=error if error in _KNOWN_ERRORS else "oauth_error")
    if not is_oauth_token(state, MAX_STATE):
        log.info("jira callback without a usable state")
        return _to_app(runtime, error="invalid_state")
    if not is_oauth_token(code, MAX_CODE):
        await _discard_state(state)
        return _to_app(runtime, error="missing_code")
    return _to_app(runtime, code=code, state=state)


async def _discard_state(state: str) -> None:
    try:
        await consume_state(state)
    except JiraConnectFailed:
        pass


def _to_app(runtime: Runtime, **query: str) -> RedirectResponse:
    response = RedirectResponse(f"{settings_url(runtime)}?{urlencode(query)}", status_code=303)
    response.headers["cache-control"] = "no-store"
    response.headers["referrer-policy"] = "no-referrer"
    return response
