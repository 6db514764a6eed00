"""Fresh access tokens per connection, with single-flight refresh of rotating refresh tokens.

`ConnectionTokens` is what the Jira REST client asks for a token:
- `access_token()` returns a token valid for at least 60 s, refreshing first if needed;
- `refresh_after_unauthorized(rejected)` is called after a gateway 401 "Unauthorized" (not
  after "scope does not match"); it refreshes unless someone already replaced that token.
Refreshes are serialised per connection (services.jira.token_lock); after taking the lock the
row is re-read, so only the first waiter calls Atlassian. New tokens are stored with a
compare-and-swap on `version` before anyone uses them. A refusal that needs a new consent
marks the connection NEEDS_REAUTH once; later calls fail fast without calling Atlassian.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from tortoise.expressions import F, Q

from core.errors import ErrorCode, ServiceError
from jira_cloud import oauth
from models.jira import JiraConnection, JiraConnectionStatus
from services.jira.token_lock import refresh_lock
from services.jira.token_store import (
    ACCESS_FIELD,
    REFRESH_FIELD,
    keyring_for,
    oauth_app_for,
    sealed_tokens,
    unseal,
)
from services.runtime import Runtime

log = logging.getLogger(__name__)

REFRESH_MARGIN = timedelta(seconds=60)
LAST_USED_RESOLUTION = timedelta(minutes=5)  # avoid a write per API call
# Atlassian's absolute limit from a grant's first refresh token; refreshing does not extend it.
GRANT_LIFETIME = timedelta(days=365)
# agilekit_token_refreshes_total{outcome}
REFRESHED, NEEDS_REAUTH, UNAVAILABLE, LOST_RACE = "ok", "needs_reauth", "unavailable", "lost_race"


class JiraNotConnected(ServiceError):
    def __init__(self) -> None:
        super().__init__(ErrorCode.NOT_CONNECTED, "Connect your Jira account first.")


class JiraNeedsReauth(ServiceError):
    def __init__(self) -> None:
        super().__init__(
            ErrorCode.NEEDS_REAUTH, "Jira access has expired or was revoked: reconnect Jira."
        )


class JiraAuthUnavailable(ServiceError):
    def __init__(self, detail: str) -> None:
        message = f"Atlassian could not refresh access: {detail}"
        super().__init__(ErrorCode.JIRA_UNAVAILABLE, message)


def _now() -> datetime:
    return datetime.now(UTC)


def _usable(row: JiraConnection) -> JiraConnection:
    if row.status == JiraConnectionStatus.NEEDS_REAUTH:
        raise JiraNeedsReauth()
    return row


def _expiring(row: JiraConnection, within: timedelta) -> bool:
    return row.access_expires_at <= _now() + within


class ConnectionTokens:
    """Token provider for one connection (cheap; build one per request or job)."""

    def __init__(
        self, runtime: Runtime, connection_id: int, loaded: JiraConnection | None = None
    ) -> None:
        """`loaded`: the connection's row just read by the caller, used by the first
        access_token instead of reading it again (a refresh always re-reads under the lock)."""
        self.runtime = runtime
        self.connection_id = connection_id
        self._keyring = keyring_for(runtime.settings)
        self._loaded = loaded if loaded is not None and loaded.id == connection_id else None

    async def access_token(self) -> str:
        row, self._loaded = self._loaded, None
        row = _usable(row) if row is not None else await self._load()
        if not _expiring(row, REFRESH_MARGIN):
            await self._touch(row)
            return unseal(self._keyring, row, ACCESS_FIELD)
        return await self._refresh_if(lambda current: _expiring(current, REFRESH_MARGIN))

    async def refresh_after_unauthorized(self, rejected_token: str) -> str:
        return await self._refresh_if(
            lambda current: hmac.compare_digest(
                unseal(self._keyring, current, ACCESS_FIELD), rejected_token
            )
        )

    async def refresh_if_due(
        self, expiring_within: timedelta, refresh_older_than: timedelta
    ) -> bool:
        """For the cron: refresh when the access token expires soon or the refresh token
        nears its idle expiry. True if this call refreshed."""
        refreshed = False

        def due(current: JiraConnection) -> bool:
            nonlocal refreshed
            refreshed = _expiring(current, expiring_within) or (
                current.refresh_issued_at <= _now() - refresh_older_than
            )
            return refreshed

        await self._refresh_if(due)
        return refreshed

    async def _load(self) -> JiraConnection:
        row = await JiraConnection.get_or_none(id=self.connection_id)
        if row is None:
            raise JiraNotConnected()
        return _usable(row)

    async def _touch(self, row: JiraConnection) -> None:
        now = _now()
        if row.last_used_at is None or row.last_used_at < now - LAST_USED_RESOLUTION:
            await JiraConnection.filter(id=row.id).update(last_used_at=now)

    async def _refresh_if(self, needed: Callable[[JiraConnection], bool]) -> str:
        async with refresh_lock(self.runtime, self.connection_id):
            row = await self._load()  # re-read: a waiter before us may have refreshed
            if not needed(row):
                return unseal(self._keyring, row, ACCESS_FIELD)
            return await self._refresh(row)

    async def _refresh(self, row: JiraConnection) -> str:
        assert self.runtime.jira_http is not None, "runtime.jira_http is not started"
        refresh_token = unseal(self._keyring, row, REFRESH_FIELD)
        try:
            grant = await oauth.refresh(
                self.runtime.jira_http,
                oauth_app_for(self.runtime.settings),
                refresh_token,
                previous_scopes=row.scopes or (),
            )
        except oauth.OAuthError as exc:
            if exc.requires_reauth:
                self._count(NEEDS_REAUTH)
                await self._mark_needs_reauth(row, exc)
                raise JiraNeedsReauth() from None
            self._count(UNAVAILABLE)
            log.warning("jira refresh failed for connection %s: %s", row.id, exc.error)
            raise JiraAuthUnavailable(exc.error) from None
        now = _now()
        stored = await JiraConnection.filter(id=row.id, version=row.version).update(
            **sealed_tokens(
                self._keyring, row.id, grant.access_token, grant.refresh_token or refresh_token
            ),
            access_expires_at=grant.expires_at,
            refresh_issued_at=now if grant.refresh_token else row.refresh_issued_at,
            scopes=list(grant.scopes),
            last_refreshed_at=now,
            last_used_at=now,
            version=F("version") + 1,
        )
        if not stored:
            # Only a reconnect or disconnect can change the row under our lock: theirs wins.
            self._count(LOST_RACE)
            log.warning("jira refresh for connection %s lost a compare-and-swap", row.id)
            current = await self._load()
            return unseal(self._keyring, current, ACCESS_FIELD)
        self._count(REFRESHED)
        log.info("jira tokens refreshed for connection %s", row.id)
        return grant.access_token

    def _count(self, outcome: str) -> None:
        self.runtime.metrics.token_refreshes.labels(outcome).inc()

    async def _mark_needs_reauth(self, row: JiraConnection, exc: oauth.OAuthError) -> None:
        reason = (exc.error_description or exc.error)[:255]
        changed = await JiraConnection.filter(
            id=row.id, version=row.version, status=JiraConnectionStatus.ACTIVE
        ).update(
            status=JiraConnectionStatus.NEEDS_REAUTH,
            needs_reauth_reason=reason,
            version=F("version") + 1,
        )
        if changed:
            log.warning("jira connection %s needs re-consent (%s)", row.id, exc.error)


PROACTIVE_EXPIRY_WINDOW = timedelta(minutes=35)
RECENT_USE_WINDOW = timedelta(hours=24)
REFRESH_IDLE_MARGIN = timedelta(days=80)  # Atlassian expires an unused refresh token at 90


async def refresh_expiring_connections(runtime: Runtime) -> int:
    """Refresh recently used connections whose access token expires soon, and any whose
    refresh token nears its idle expiry. Returns how many were refreshed."""
    now = _now()
    due = Q(access_expires_at__lte=now + PROACTIVE_EXPIRY_WINDOW) & Q(
        last_used_at__gte=now - RECENT_USE_WINDOW
    )
    idle = Q(refresh_issued_at__lte=now - REFRESH_IDLE_MARGIN)
    ids = await JiraConnection.filter(
        Q(due | idle), status=JiraConnectionStatus.ACTIVE
    ).values_list("id", flat=True)
    refreshed = 0
    for connection_id in ids:
        tokens = ConnectionTokens(runtime, int(connection_id))
        try:
            if await tokens.refresh_if_due(PROACTIVE_EXPIRY_WINDOW, REFRESH_IDLE_MARGIN):
                refreshed += 1
        except ServiceError as exc:
            log.warning("scheduled refresh of connection %s: %s", connection_id, exc.code)
    return refreshed
