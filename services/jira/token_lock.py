"""Single flight per connection for token refreshes: core.locks under the connection's name."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager

from core.errors import ErrorCode, ServiceError
from services.runtime import Runtime

LOCK_TTL_MS = 30_000  # longer than one token request (20 s read timeout); renewed while held
LOCK_WAIT_SECONDS = 35.0


class RefreshLockTimeout(ServiceError):
    def __init__(self) -> None:
        super().__init__(ErrorCode.JIRA_UNAVAILABLE, "Jira token refresh is busy; try again.")


def _name(connection_id: int) -> str:
    return f"jira-refresh:{connection_id}"


def refresh_lock_key(runtime: Runtime, connection_id: int) -> str:
    return runtime.locks.key(_name(connection_id))


def refresh_lock(runtime: Runtime, connection_id: int) -> AbstractAsyncContextManager[None]:
    """Held while one caller refreshes this connection's tokens; everyone else waits."""
    return runtime.locks.hold(
        _name(connection_id), LOCK_TTL_MS, LOCK_WAIT_SECONDS, RefreshLockTimeout
    )
