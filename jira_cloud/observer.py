"""What JiraTransport tells an observer about each request it sent (metrics, in AgileKit).

The observer sees a `Call` (site, method, path template: never a URL, header or token), the
status Jira answered (None when no response came), and each 429's RateLimit-Reason. It must not
block or raise: it runs inside the request loop.
"""

from __future__ import annotations

from typing import Protocol

from jira_cloud.budget import Call


class RequestObserver(Protocol):
    def request_done(self, call: Call, status: int | None) -> None:
        """One attempt ended: Jira's status, or None for a transport error."""
        ...

    def rate_limited(self, call: Call, reason: str | None) -> None:
        """Jira answered 429 with this RateLimit-Reason (None: no reason given)."""
        ...
