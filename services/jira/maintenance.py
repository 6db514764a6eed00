"""Housekeeping: delete rows whose useful life is over."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from models.jira import OAuthState

# Expired rows linger this long so a callback racing the expiry still gets a clear answer.
PURGE_GRACE = timedelta(hours=1)


async def purge_expired_oauth_states(now: datetime | None = None) -> int:
    """Delete OAuth states that expired more than PURGE_GRACE ago; the number deleted."""
    cutoff = (now or datetime.now(UTC)) - PURGE_GRACE
    return await OAuthState.filter(expires_at__lt=cutoff).delete()


async def purge_expired(now: datetime | None = None) -> int:
    """Every purge of this module; the total number of rows deleted."""
    return await purge_expired_oauth_states(now)
