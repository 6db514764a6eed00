"""The request budget the transport asks before each call, and what a 429 teaches it.

Atlassian's points-based limits (JIRA_CLOUD.md §3) answer 429 with Retry-After and a
`RateLimit-Reason` that says which budget ran out:

- `jira-burst-based`: that endpoint (method + path template) of that site, for Retry-After;
- `jira-quota-tenant-based` / `jira-quota-based` / `jira-cost-based`: every call to that site;
- `jira-quota-global-based` (or a quota reason naming the app): every call of the app;
- `jira-per-issue-on-write`: writes to that one issue.

A `RequestBudget` paces calls before they are sent (token buckets, per-issue write spacing) and
remembers those pauses. This package holds the interface, the keys and the in-process
implementation (jira_cloud/buckets.py); a deployment may plug in one shared between processes
(AgileKit's lives in services/jira/rate_budget.py, on Redis). Keys never hold a raw URL: ids and
issue keys in paths become `{id}`, and no query string is ever seen here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

APP, SITE, ENDPOINT, ISSUE = "app", "site", "endpoint", "issue"
WRITES = frozenset({"PUT", "POST", "DELETE", "PATCH"})
# An issue key (PLAT-12) or a numeric id: the parts of a path that name one object.
_OBJECT_SEGMENT = re.compile(r"^(\d+|[A-Za-z][A-Za-z0-9_]*-\d+)$")
# Writes to one issue: PUT issue/{key}, POST issue/{key}/comment (and other sub-resources).
_ISSUE_WRITE = re.compile(r"^rest/api/[23]/issue/([^/]+)(?:/[a-z]+)?$")
_VERSIONED_PREFIX = 3  # rest/api/3, rest/agile/1.0: never an object id


@dataclass(frozen=True)
class Call:
    """What the budget knows of one request: no URL, no query, no header."""

    site: str  # the cloud id
    method: str
    endpoint: str  # the path template, e.g. rest/api/3/issue/{id}/comment
    issue: str | None = None  # the issue a write goes to (PUT issue, POST its comment)

    @property
    def route(self) -> str:
        return f"{self.method} {self.endpoint}"


def endpoint_template(path: str) -> str:
    """The path with its object ids and issue keys replaced by `{id}`."""
    segments = path.split("?", 1)[0].strip("/").split("/")
    return "/".join(
        "{id}" if index >= _VERSIONED_PREFIX and _OBJECT_SEGMENT.match(segment) else segment
        for index, segment in enumerate(segments)
    )


def call_for(site: str, method: str, path: str) -> Call:
    """The Call for `method path` (a path under /ex/jira/{cloudId}/) on `site`."""
    method = method.upper()
    clean = path.split("?", 1)[0].strip("/")
    issue = None
    found = _ISSUE_WRITE.match(clean)
    if method in WRITES and found and _OBJECT_SEGMENT.match(found[1]):
        issue = found[1].upper()
    return Call(site, method, endpoint_template(clean), issue)


def pause_scope(reason: str | None, call: Call) -> str:
    """Which calls a 429 with this RateLimit-Reason should hold back: APP, SITE, ENDPOINT or
    ISSUE. Unknown or missing reasons hold back the endpoint (the narrowest safe guess)."""
    lowered = (reason or "").strip().lower()
    if "per-issue" in lowered:
        return ISSUE if call.issue else ENDPOINT
    if lowered.startswith(("jira-quota", "jira-cost")):
        return APP if "global" in lowered or "app" in lowered else SITE
    return ENDPOINT


def pause_key(scope: str, call: Call) -> str:
    """The name of the pause `scope` puts on calls like `call` (see `Policy.pauses`)."""
    if scope == APP:
        return "pause:app"
    if scope == SITE:
        return f"pause:site:{call.site}"
    if scope == ISSUE and call.issue:
        return f"pause:issue:{call.site}:{call.issue}"
    return f"pause:endpoint:{call.site}:{call.route}"


@dataclass(frozen=True)
class Bucket:
    """A token bucket: `rate` tokens a second, holding at most `burst`."""

    rate: float
    burst: float

    @property
    def full_after(self) -> float:
        """Seconds an empty bucket takes to fill (after that its state can be forgotten)."""
        return self.burst / self.rate


@dataclass(frozen=True)
class Policy:
    """The budgets every call takes from: app-wide, per site, and writes to one issue spaced by
    `issue_write_interval` seconds. None (or 0) switches that budget off."""

    app: Bucket | None = None
    site: Bucket | None = None
    issue_write_interval: float = 0.0

    def buckets(self, call: Call) -> list[tuple[str, Bucket]]:
        """The buckets `call` takes one token from (all of them, or none)."""
        found: list[tuple[str, Bucket]] = []
        if self.app:
            found.append(("bucket:app", self.app))
        if self.site:
            found.append((f"bucket:site:{call.site}", self.site))
        if call.issue and self.issue_write_interval > 0:
            spacing = Bucket(1 / self.issue_write_interval, 1)
            found.append((f"bucket:issue:{call.site}:{call.issue}", spacing))
        return found

    def pauses(self, call: Call) -> list[str]:
        """The pauses (from earlier 429s) that hold `call` back."""
        keys = [pause_key(APP, call), pause_key(SITE, call), pause_key(ENDPOINT, call)]
        if call.issue:
            keys.append(pause_key(ISSUE, call))
        return keys


class RequestBudget(Protocol):
    """What JiraTransport asks before each request and tells after each 429."""

    async def acquire(self, call: Call) -> float:
        """0 when `call` may be sent now (its tokens are taken), else the seconds to wait
        before asking again (nothing is taken)."""
        ...

    async def penalize(self, call: Call, reason: str | None, retry_after: float) -> None:
        """Jira answered `call` with 429 for `reason`: hold back what it names for
        `retry_after` seconds."""
        ...
