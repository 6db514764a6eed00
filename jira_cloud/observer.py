"""What JiraTransport tells an observer about each request it sent (metrics, in AgileKit).

The observer sees a `Call` (site, method, path template: never a URL, header or token), the
status Jira answered (None when no response came), and each 429's RateLimit-Reason. It must not
block or raise: it runs inside the request loop. `request_span` wraps each attempt (a tracing
span, in AgileKit): the transport enters it around the HTTP exchange and reports the status to
the callable it yields, so an observer may time or trace the call without this package knowing
how.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Protocol

from jira_cloud.budget import Call

StatusSink = Callable[[int | None], None]


class RequestObserver(Protocol):
    def request_done(self, call: Call, status: int | None) -> None:
        """One attempt ended: Jira's status, or None for a transport error."""
        ...

    def rate_limited(self, call: Call, reason: str | None) -> None:
        """Jira answered 429 with this RateLimit-Reason (None: no reason given)."""
        ...

    def request_span(self, call: Call) -> AbstractContextManager[StatusSink]:
        """Entered around one attempt; the yielded callable takes Jira's status (None: no
        response). An exception from the attempt passes through it."""
        ...
