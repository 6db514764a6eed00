"""Jira connections: start and complete the OAuth consent, sites, disconnect, status.

The callback route and the completeJiraConnect mutation share `complete_connect`. Nothing is
stored unless every step succeeds (state, code exchange, accessible resources).
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from tortoise.expressions import F
from tortoise.transactions import in_transaction

from core.db import fetch_models
from core.errors import ErrorCode, ServiceError
from core.text import checked_text
from jira_cloud import oauth
from models.jira import JiraConnection, JiraConnectionStatus, JiraSite, OAuthState
from models.users import User
from services.jira.token_store import keyring_for, oauth_app_for, sealed_tokens
from services.jira.tokens import JiraNotConnected
from services.runtime import Runtime, run_hooks

log = logging.getLogger(__name__)

PROVIDER = "jira"
STATE_TTL = timedelta(minutes=10)
SETTINGS_PATH = "/settings/integrations"
MAX_STATE = 200
MAX_CODE = 4096
MAX_RETURN_TO = 2048
# Atlassian cloud ids are UUIDs; the sandbox's are shorter. Either way: 1..64 of these.
_CLOUD_ID = re.compile(r"^[A-Za-z0-9-]{1,64}$")
_OAUTH_TOKEN = re.compile(r"^[\x21-\x7e]+$")  # printable ASCII, no spaces


class JiraConnectFailed(ServiceError):
    """Consent could not be completed; `reason` is the `?error=` code of the redirect."""

    def __init__(self, reason: str, message: str) -> None:
        code = (
            ErrorCode.INVALID_STATE_TOKEN
            if reason in ("invalid_state", "state_mismatch")
            else ErrorCode.OAUTH_FAILED
        )
        super().__init__(code, message)
        self.reason = reason


@dataclass(frozen=True)
class ConnectResult:
    connection: JiraConnection
    return_to: str | None


def _now() -> datetime:
    return datetime.now(UTC)


def checked_cloud_id(cloud_id: str) -> str:
    """A cloud id as Atlassian writes them, else VALIDATION naming `cloudId`."""
    if not _CLOUD_ID.match(cloud_id):
        raise ServiceError(
            ErrorCode.VALIDATION, "cloudId must be 1 to 64 letters, digits or dashes.", "cloudId"
        )
    return cloud_id


def is_oauth_token(value: str, max_length: int) -> bool:
    """`value` looks like an OAuth `state` or `code`: printable ASCII of a sane length."""
    return 0 < len(value) <= max_length and bool(_OAUTH_TOKEN.match(value))


def hash_state(state: str) -> str:
    return hashlib.sha256(state.encode()).hexdigest()


def settings_url(runtime: Runtime) -> str:
    return f"{runtime.settings.frontend_url}{SETTINGS_PATH}"


def validate_return_to(runtime: Runtime, return_to: str | None) -> str | None:
    """An absolute URL inside APP_URL (a path is resolved against APP_URL), else an error."""
    if return_to is None or not return_to.strip():
        return None
    checked_text(return_to, "returnTo", max_length=MAX_RETURN_TO)
    app = urlsplit(runtime.settings.frontend_url)
    candidate = return_to.strip()
    if candidate.startswith("/") and not candidate.startswith("//"):
        candidate = f"{runtime.settings.frontend_url}{candidate}"
    target = urlsplit(candidate)
    app_path = app.path.rstrip("/")
    inside = (
        target.scheme == app.scheme
        and target.netloc == app.netloc
        and (target.path == app_path or target.path.startswith(app_path + "/") or not app_path)
        and "\\" not in candidate
        and not any(ord(ch) < 32 for ch in candidate)
        and len(candidate) <= MAX_RETURN_TO
    )
    if not inside:
        raise ServiceError(
            ErrorCode.VALIDATION, "returnTo must be a URL of this application.", "returnTo"
        )
    return candidate


async def start_connect(runtime: Runtime, user: User, return_to: str | None) -> str:
    """The Atlassian authorize URL, with a fresh single-use state bound to this user."""
    checked_return_to = validate_return_to(runtime, return_to)
    state = secrets.token_urlsafe(32)
    await OAuthState.create(
        state_hash=hash_state(state),
        user_id=user.id,
        provider=PROVIDER,
        return_to=checked_return_to,
        expires_at=_now() + STATE_TTL,
    )
    return oauth.authorize_url(oauth_app_for(runtime.settings), state)


async def consume_state(state: str, user: User | None = None) -> OAuthState:
    """Mark the state used (atomically, once); refuse unknown, expired or used ones. With
    `user`, a state another user started is refused too, and stays used up: whoever holds
    it cannot try again from the right account."""
    if not is_oauth_token(state, MAX_STATE):
        raise JiraConnectFailed("invalid_state", "The sign-in link is invalid; start again.")
    state_hash = hash_state(state)
    filters = {"state_hash": state_hash, "provider": PROVIDER, "used_at__isnull": True}
    now = _now()
    claimed = await OAuthState.filter(**filters, expires_at__gt=now).update(used_at=now)
    if not claimed:
        raise JiraConnectFailed(
            "invalid_state", "The sign-in link has expired or was already used; start again."
        )
    row = await OAuthState.get(state_hash=state_hash)
    if user is not None and row.user_id != user.id:  # type: ignore[attr-defined]
        log.warning(
            "jira connect refused: state of user %s completed by user %s", row.user_id, user.id
        )  # type: ignore[attr-defined]
        raise JiraConnectFailed(
            "state_mismatch",
            "This Jira sign-in was started from another AgileKit account; start again from yours.",
        )
    return row


async def complete_connect(runtime: Runtime, code: str, state: str, user: User) -> ConnectResult:
    """Consume the state (it must be `user`'s), exchange the code, list sites and store the
    connection on `user`. The callback route never calls this: the browser that finishes the
    consent must prove whose it is with a bearer token (completeJiraConnect)."""
    claimed = await consume_state(state, user)
    if not is_oauth_token(code, MAX_CODE):
        raise JiraConnectFailed("missing_code", "Atlassian returned no authorization code.")
    assert runtime.jira_http is not None, "runtime.jira_http is not started"
    app = oauth_app_for(runtime.settings)
    try:
        grant = await oauth.exchange_code(runtime.jira_http, app, code)
    except oauth.OAuthError as exc:
        log.warning("jira code exchange failed: %s", exc.error)
        raise JiraConnectFailed("exchange_failed", "Atlassian refused the sign-in.") from None
    if not grant.refresh_token:
        raise JiraConnectFailed("exchange_failed", "Atlassian granted no offline access.")
    try:
        resources = await oauth.accessible_resources(runtime.jira_http, app, grant.access_token)
    except oauth.OAuthError as exc:
        log.warning("jira accessible-resources failed: %s", exc.error)
        raise JiraConnectFailed("exchange_failed", "Could not list your Jira sites.") from None
    if not resources:
        raise JiraConnectFailed("no_sites", "Your Atlassian account has no Jira site to use.")
    account = await _account_or_none(runtime, app, grant.access_token, resources[0].cloud_id)
    connection = await _store(runtime, claimed.user_id, grant, resources, account)
    return ConnectResult(connection=connection, return_to=claimed.return_to)


async def _account_or_none(
    runtime: Runtime, app: oauth.OAuthApp, access_token: str, cloud_id: str
) -> oauth.JiraAccount | None:
    assert runtime.jira_http is not None
    try:
        return await oauth.fetch_account(runtime.jira_http, app, access_token, cloud_id)
    except oauth.OAuthError as exc:
        log.info("jira account lookup failed (%s); connecting without it", exc.error)
        return None


async def _store(
    runtime: Runtime,
    user_id: int,
    grant: oauth.TokenGrant,
    resources: list[oauth.AccessibleResource],
    account: oauth.JiraAccount | None,
) -> JiraConnection:
    now = _now()
    assert grant.refresh_token is not None
    fields = {
        "status": JiraConnectionStatus.ACTIVE,
        "needs_reauth_reason": None,
        "access_expires_at": grant.expires_at,
        "refresh_issued_at": now,
        "refresh_family_started_at": now,
        "scopes": list(grant.scopes),
        "connected_at": now,
        "last_refreshed_at": now,
        "account_id": account.account_id if account else None,
        "account_email": account.email if account else None,
    }
    async with in_transaction():
        connection = (
            await JiraConnection.select_for_update()
            .filter(user_id=user_id, provider=PROVIDER)
            .first()
        )
        if connection is None:  # insert first: the tokens' associated data needs the row id
            connection = await JiraConnection.create(user_id=user_id, provider=PROVIDER, **fields)
        tokens = sealed_tokens(
            keyring_for(runtime.settings), connection.id, grant.access_token, grant.refresh_token
        )
        await JiraConnection.filter(id=connection.id).update(
            **fields, **tokens, version=F("version") + 1
        )
        await _sync_sites(connection.id, resources)
    return await JiraConnection.get(id=connection.id)


async def _sync_sites(connection_id: int, resources: list[oauth.AccessibleResource]) -> None:
    """All sites stored; the previous selection kept if still reachable, else the first."""
    existing = {site.cloud_id: site for site in await JiraSite.filter(connection_id=connection_id)}
    reachable = [r.cloud_id for r in resources]
    previous = next((s.cloud_id for s in existing.values() if s.selected), None)
    selected = previous if previous in reachable else reachable[0]
    await JiraSite.filter(connection_id=connection_id, cloud_id__not_in=reachable).delete()
    for resource in resources:
        values = {
            "url": resource.url,
            "name": resource.name,
            "scopes": list(resource.scopes),
            "avatar_url": resource.avatar_url,
            "selected": resource.cloud_id == selected,
        }
        if resource.cloud_id in existing:
            await JiraSite.filter(id=existing[resource.cloud_id].id).update(**values)
        else:
            await JiraSite.create(connection_id=connection_id, cloud_id=resource.cloud_id, **values)


async def get_connection(user: User) -> JiraConnection | None:
    found = await fetch_models(JiraConnection, _CONNECTION_OF_USER, user.id, PROVIDER)
    return found[0] if found else None


_CONNECTION_OF_USER = "SELECT * FROM jira_connections WHERE user_id = $1 AND provider = $2"
_SITE_BY_CLOUD_ID = "SELECT * FROM jira_sites WHERE connection_id = $1 AND cloud_id = $2"
_SELECTED_SITE = "SELECT * FROM jira_sites WHERE connection_id = $1 AND selected = $2 LIMIT 1"


async def require_connection(user: User) -> JiraConnection:
    connection = await get_connection(user)
    if connection is None:
        raise JiraNotConnected()
    return connection


async def list_sites(connection_id: int) -> list[JiraSite]:
    return await JiraSite.filter(connection_id=connection_id).order_by("id")


async def resolve_site(connection: JiraConnection, cloud_id: str | None = None) -> JiraSite:
    """The site a call targets: the given cloudId (must belong to the connection) or the
    selected one."""
    if cloud_id is not None:
        checked_cloud_id(cloud_id)
    if cloud_id:
        site = await fetch_models(JiraSite, _SITE_BY_CLOUD_ID, connection.id, cloud_id)
    else:
        site = await fetch_models(JiraSite, _SELECTED_SITE, connection.id, True)
    if not site:
        raise ServiceError(ErrorCode.NOT_FOUND, "No such Jira site on your connection.", "cloudId")
    return site[0]


async def select_site(user: User, cloud_id: str) -> JiraConnection:
    checked_cloud_id(cloud_id)
    connection = await require_connection(user)
    async with in_transaction():
        if not await JiraSite.exists(connection_id=connection.id, cloud_id=cloud_id):
            raise ServiceError(
                ErrorCode.NOT_FOUND, "No such Jira site on your connection.", "cloudId"
            )
        await JiraSite.filter(connection_id=connection.id).update(selected=False)
        await JiraSite.filter(connection_id=connection.id, cloud_id=cloud_id).update(selected=True)
    return connection


async def disconnect(runtime: Runtime, user: User) -> bool:
    """Delete the tokens and the connection (imported issues stay). False if none existed.
    `runtime.hooks.before_jira_disconnect` run first (its webhooks go with it)."""
    connection = await get_connection(user)
    if connection is None:
        return False
    await run_hooks(runtime.hooks.before_jira_disconnect, runtime, connection)
    await JiraConnection.filter(id=connection.id).delete()
    return True
