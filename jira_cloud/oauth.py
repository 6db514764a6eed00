"""Atlassian OAuth 2.0 (3LO): authorize URL, code exchange, refresh, accessible resources.

Every call goes through the caller's httpx.AsyncClient (timeouts and pooling live there).
Errors carry Atlassian's `error`/`error_description`, never a token or the client secret.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import httpx

AUDIENCE = "api.atlassian.com"
MAX_EXPIRES_IN = 366 * 24 * 3600  # seconds; anything longer is not a real answer

# JIRA_CLOUD.md 1.6: consent replaces the grant's scopes, so every authorize asks for all.
JIRA_SCOPES: tuple[str, ...] = (
    "read:jira-work",
    "write:jira-work",
    "read:jira-user",
    "manage:jira-webhook",
    "offline_access",
    "read:board-scope:jira-software",
    "read:project:jira",
    "read:sprint:jira-software",
    "read:issue-details:jira",
    "read:jql:jira",
    "read:board-scope.admin:jira-software",
    "read:issue:jira-software",
    "write:issue:jira-software",
    "read:me",
)

# Atlassian signals that only a new consent can fix (JIRA_CLOUD.md 1.4).
_CLOUD_ID = re.compile(r"[A-Za-z0-9-]{1,64}")
_REAUTH_ERRORS = {"invalid_grant", "unauthorized_client"}
_REAUTH_DESCRIPTIONS = ("refresh_token is invalid", "token has been expired or revoked")


class OAuthError(Exception):
    """The auth server refused, or could not be reached (status None, error 'unavailable')."""

    def __init__(self, error: str, error_description: str | None = None, status: int | None = None):
        self.error = error
        self.error_description = error_description
        self.status = status
        super().__init__(f"{error}: {error_description}" if error_description else error)

    @property
    def requires_reauth(self) -> bool:
        description = (self.error_description or "").lower()
        return self.error in _REAUTH_ERRORS or any(
            signal in description for signal in _REAUTH_DESCRIPTIONS
        )

    @property
    def is_transient(self) -> bool:
        return self.status is None or self.status >= 500 or self.status == 429


@dataclass(frozen=True)
class TokenGrant:
    access_token: str
    refresh_token: str | None
    expires_at: datetime
    scopes: tuple[str, ...]

    def __repr__(self) -> str:  # tokens never reach logs through a repr
        return f"TokenGrant(expires_at={self.expires_at.isoformat()}, scopes={self.scopes})"


@dataclass(frozen=True)
class AccessibleResource:
    cloud_id: str
    url: str
    name: str
    scopes: tuple[str, ...]
    avatar_url: str | None


@dataclass(frozen=True)
class JiraAccount:
    account_id: str
    email: str | None


@dataclass(frozen=True)
class OAuthApp:
    """The registered app and where Atlassian lives (bases may carry a path)."""

    client_id: str
    client_secret: str
    redirect_uri: str
    auth_base_url: str
    api_base_url: str

    def __repr__(self) -> str:
        return f"OAuthApp(client_id={self.client_id!r}, redirect_uri={self.redirect_uri!r})"


def authorize_url(app: OAuthApp, state: str, scopes: Iterable[str] = JIRA_SCOPES) -> str:
    query = {
        "audience": AUDIENCE,
        "client_id": app.client_id,
        "scope": " ".join(scopes),
        "redirect_uri": app.redirect_uri,
        "state": state,
        "response_type": "code",
        "prompt": "consent",
    }
    return f"{app.auth_base_url.rstrip('/')}/authorize?{urlencode(query)}"


async def exchange_code(http: httpx.AsyncClient, app: OAuthApp, code: str) -> TokenGrant:
    body = {
        "grant_type": "authorization_code",
        "client_id": app.client_id,
        "client_secret": app.client_secret,
        "code": code,
        "redirect_uri": app.redirect_uri,
    }
    return await _token_request(http, app, body, previous_scopes=())


async def refresh(
    http: httpx.AsyncClient,
    app: OAuthApp,
    refresh_token: str,
    previous_scopes: Iterable[str] = (),
) -> TokenGrant:
    body = {
        "grant_type": "refresh_token",
        "client_id": app.client_id,
        "client_secret": app.client_secret,
        "refresh_token": refresh_token,
    }
    return await _token_request(http, app, body, previous_scopes=tuple(previous_scopes))


async def accessible_resources(
    http: httpx.AsyncClient, app: OAuthApp, access_token: str
) -> list[AccessibleResource]:
    url = f"{app.api_base_url.rstrip('/')}/oauth/token/accessible-resources"
    payload = await _get_json(http, url, access_token)
    if not isinstance(payload, list):
        raise OAuthError("invalid_response", "accessible-resources did not return a list")
    return [resource for item in payload if (resource := _resource(item)) is not None]


def _resource(item: Any) -> AccessibleResource | None:
    """One site of accessible-resources; None for an entry of another shape (skipped)."""
    if not isinstance(item, dict) or not _CLOUD_ID.fullmatch(str(item.get("id") or "")):
        return None
    scopes = item.get("scopes")
    avatar = item.get("avatarUrl")
    return AccessibleResource(
        cloud_id=str(item["id"]),
        url=str(item.get("url") or "")[:2048],
        name=str(item.get("name") or item.get("url") or item["id"])[:255],
        scopes=tuple(str(scope) for scope in scopes) if isinstance(scopes, list) else (),
        avatar_url=avatar[:2048] if isinstance(avatar, str) else None,
    )


async def fetch_account(
    http: httpx.AsyncClient, app: OAuthApp, access_token: str, cloud_id: str
) -> JiraAccount:
    """Who granted access: `/myself` on a reachable site (needs read:jira-user only)."""
    url = f"{app.api_base_url.rstrip('/')}/ex/jira/{cloud_id}/rest/api/3/myself"
    payload = await _get_json(http, url, access_token)
    if not isinstance(payload, dict) or not payload.get("accountId"):
        raise OAuthError("invalid_response", "myself did not return an accountId")
    account_id, email = str(payload["accountId"]), payload.get("emailAddress")
    if len(account_id) > 128:
        raise OAuthError("invalid_response", "myself returned an over-long accountId")
    valid_email = isinstance(email, str) and "@" in email and len(email) <= 320
    return JiraAccount(account_id=account_id, email=email if valid_email else None)


async def _token_request(
    http: httpx.AsyncClient, app: OAuthApp, body: dict[str, str], previous_scopes: tuple[str, ...]
) -> TokenGrant:
    url = f"{app.auth_base_url.rstrip('/')}/oauth/token"
    try:
        response = await http.post(url, json=body, headers={"accept": "application/json"})
    except httpx.HTTPError as exc:
        reason = f"token endpoint unreachable ({type(exc).__name__})"
        raise OAuthError("unavailable", reason) from None
    payload = _json_or_none(response)
    if response.status_code != 200 or not isinstance(payload, dict):
        raise _error_from(response, payload)
    access_token = payload.get("access_token")
    if not isinstance(access_token, str) or not access_token:
        raise OAuthError("invalid_response", "token response has no access_token", 200)
    expires_in = payload.get("expires_in") or 3600
    if not isinstance(expires_in, int | float) or not 0 < expires_in <= MAX_EXPIRES_IN:
        raise OAuthError("invalid_response", "token response has no sane expires_in", 200)
    expires_in = int(expires_in)
    scope = payload.get("scope")
    return TokenGrant(
        access_token=access_token,
        refresh_token=payload.get("refresh_token"),
        expires_at=datetime.now(UTC) + timedelta(seconds=expires_in),
        scopes=tuple(scope.split()) if isinstance(scope, str) and scope else previous_scopes,
    )


async def _get_json(http: httpx.AsyncClient, url: str, access_token: str) -> Any:
    headers = {"authorization": f"Bearer {access_token}", "accept": "application/json"}
    try:
        response = await http.get(url, headers=headers)
    except httpx.HTTPError as exc:
        raise OAuthError("unavailable", f"{type(exc).__name__} calling Atlassian") from None
    payload = _json_or_none(response)
    if response.status_code != 200:
        raise _error_from(response, payload)
    return payload


def _json_or_none(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _error_from(response: httpx.Response, payload: Any) -> OAuthError:
    if isinstance(payload, dict):
        error = payload.get("error") or payload.get("code") or f"http_{response.status_code}"
        description = payload.get("error_description") or payload.get("message")
        detail = str(description) if description else None
        return OAuthError(str(error), detail, response.status_code)
    return OAuthError(f"http_{response.status_code}", None, response.status_code)
