"""Injected faults (errors, latency, dropped connections, 429s) and rate limiters."""

from __future__ import annotations

import asyncio
import json
import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from sandbox.clock import Clock


@dataclass
class FaultRule:
    """kind: error | latency | drop | rate_limit. `remaining` None means until cleared."""

    kind: str
    path_contains: str | None = None
    method: str | None = None
    status: int = 503
    delay_ms: int = 0
    remaining: int | None = None
    retry_after: int = 1
    reason: str = "jira-burst-based"
    body: Any = None
    raw: str | None = None  # sent as-is (text/html), e.g. a proxy's page instead of JSON

    def matches(self, method: str, path: str) -> bool:
        if self.remaining is not None and self.remaining <= 0:
            return False
        if self.method and self.method.upper() != method:
            return False
        return not self.path_contains or self.path_contains in path


@dataclass
class LimitSpec:
    limit: int
    window_seconds: float = 1.0

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> LimitSpec:
        return cls(int(raw["limit"]), float(raw.get("windowSeconds", 1.0)))


@dataclass
class QuotaSpec(LimitSpec):
    """Atlassian's points-based quota: `limit` points per window; a call costs 1 point, plus
    `points_per_object` for each object it returns (writes return none). `scope` "tenant": one
    quota per site (jira-quota-tenant-based); "global": one for all sites (the app's default
    single quota, jira-quota-global-based)."""

    points_per_object: float = 1.0
    scope: str = "tenant"

    @property
    def reason(self) -> str:
        return "jira-quota-global-based" if self.scope == "global" else "jira-quota-tenant-based"

    def key(self, cloud_id: str) -> str:
        return "quota:global" if self.scope == "global" else f"quota:{cloud_id}"


@dataclass
class RateLimiter:
    """Fixed windows on the sandbox clock: one per site (calls, or a QuotaSpec's points), one
    per site + endpoint (burst), one per written issue."""

    site: LimitSpec | None = None
    endpoints: dict[str, LimitSpec] = field(default_factory=dict)  # "GET /rest/..." or "*"
    issue_writes: LimitSpec | None = None  # writes to one issue (PUT/POST/DELETE)
    windows: dict[str, tuple[datetime, float]] = field(default_factory=dict)

    def configure(self, body: dict[str, Any]) -> None:
        """The admin API's limits, replacing all others (and emptying the windows):
        {"site": {"limit", "windowSeconds"}}: calls per site (jira-quota-based);
        {"quota": {"points", "windowSeconds" (3600), "pointsPerObject" (1), "scope"}}: the
        points quota instead, "tenant" per site or "global" for all sites;
        {"endpoints": {"GET /rest/api/3/myself" or "*": {"limit", "windowSeconds"}}}: bursts
        per site + endpoint + method; {"issueWrites": {"limit", "windowSeconds"}}."""
        site, quota, writes = body.get("site"), body.get("quota"), body.get("issueWrites")
        self.site = LimitSpec.from_json(site) if site else None
        if quota:
            self.site = QuotaSpec(
                int(quota["points"]),
                float(quota.get("windowSeconds", 3600)),
                float(quota.get("pointsPerObject", 1)),
                str(quota.get("scope", "tenant")),
            )
        endpoints = body.get("endpoints") or {}
        self.endpoints = {key: LimitSpec.from_json(spec) for key, spec in endpoints.items()}
        self.issue_writes = LimitSpec.from_json(writes) if writes else None
        self.windows = {}

    def describe(self) -> dict[str, Any]:
        return {
            "site": vars(self.site) if self.site else None,
            "endpoints": {key: vars(spec) for key, spec in self.endpoints.items()},
            "issueWrites": vars(self.issue_writes) if self.issue_writes else None,
        }

    def check(
        self, cloud_id: str, endpoint: str, now: datetime, written_issue: str | None = None
    ) -> tuple[bool, dict[str, str]]:
        """Whether the call may run (then counted in every window) and the headers to send."""
        headers: dict[str, str] = {}
        checks: list[tuple[str, LimitSpec | None, str]] = []
        if isinstance(self.site, QuotaSpec):
            checks.append((self.site.key(cloud_id), self.site, self.site.reason))
        else:
            checks.append((f"site:{cloud_id}", self.site, "jira-quota-based"))
        spec = self.endpoints.get(endpoint) or self.endpoints.get("*")
        checks.append((f"endpoint:{cloud_id}:{endpoint}", spec, "jira-burst-based"))
        if written_issue:
            key = f"issue:{cloud_id}:{written_issue.upper()}"
            checks.append((key, self.issue_writes, "jira-per-issue-on-write"))
        windows: list[tuple[str, datetime, float, LimitSpec]] = []
        for key, limit, reason in checks:
            if limit is None:
                continue
            start, used = self._window(key, limit, now)
            reset = start + timedelta(seconds=limit.window_seconds)
            if used >= limit.limit:
                return False, rate_limit_headers(limit.limit, 0, reset, now, reason)
            windows.append((key, start, used, limit))
        for key, start, used, limit in windows:  # counted only when every window allows it
            self.windows[key] = (start, used + 1)
            reset = start + timedelta(seconds=limit.window_seconds)
            remaining = math.floor(limit.limit - used - 1)
            headers.update(rate_limit_headers(limit.limit, max(0, remaining), reset, now, None))
        return True, headers

    def charge_returned(self, cloud_id: str, method: str, body: bytes, now: datetime) -> None:
        """A QuotaSpec's points for the objects a successful call returned."""
        quota = self.site
        if not isinstance(quota, QuotaSpec) or not quota.points_per_object:
            return
        objects = returned_objects(method, body)
        if objects:
            start, used = self._window(quota.key(cloud_id), quota, now)
            self.windows[quota.key(cloud_id)] = (start, used + objects * quota.points_per_object)

    def usage(self) -> dict[str, float]:
        return {key: used for key, (_, used) in self.windows.items()}

    def _window(self, key: str, limit: LimitSpec, now: datetime) -> tuple[datetime, float]:
        start, used = self.windows.get(key, (now, 0.0))
        if now - start >= timedelta(seconds=limit.window_seconds):
            return now, 0.0
        return start, used


def returned_objects(method: str, body: bytes) -> int:
    """Objects in a JSON answer: the items of its top-level lists of objects (issues, values,
    comments, ...), or 1 for a GET of one object."""
    try:
        data = json.loads(body) if body else None
    except ValueError:
        return 0
    if isinstance(data, list):
        return len(data)
    if not isinstance(data, dict):
        return 0
    lists = [v for v in data.values() if isinstance(v, list) and v and isinstance(v[0], dict)]
    if lists:
        return sum(len(items) for items in lists)
    return 1 if method == "GET" and data else 0


def rate_limit_headers(
    limit: int, remaining: int, reset: datetime, now: datetime, reason: str | None
) -> dict[str, str]:
    headers = {
        "X-RateLimit-Limit": str(limit),
        "X-RateLimit-Remaining": str(remaining),
        "X-RateLimit-Reset": reset.strftime("%Y-%m-%dT%H:%MZ"),
    }
    if remaining < limit * 0.2:
        headers["X-RateLimit-NearLimit"] = "true"
    if reason:
        headers["Retry-After"] = str(max(1, math.ceil((reset - now).total_seconds())))
        headers["RateLimit-Reason"] = reason
    return headers


class FaultMiddleware:
    """Applies FaultRules to every request outside the admin API."""

    def __init__(self, app: ASGIApp, rules: list[FaultRule], clock: Clock) -> None:
        self.app, self.rules, self.clock = app, rules, clock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = _route_path(scope)
        if scope["type"] != "http" or path.startswith("/_sandbox"):
            await self.app(scope, receive, send)
            return
        for rule in list(self.rules):
            if not rule.matches(scope["method"], path):
                continue
            if rule.remaining is not None:
                rule.remaining -= 1
            if rule.kind == "latency":
                await asyncio.sleep(rule.delay_ms / 1000)
                continue
            if rule.kind == "drop":
                scope["sandbox.dropped"] = True  # the request log records status 0
            await self.fail(rule, send)
            return
        await self.app(scope, receive, send)

    async def fail(self, rule: FaultRule, send: Send) -> None:
        if rule.kind == "drop":
            # Promise a body, send part of it, and return: the server closes the connection.
            headers = [(b"content-type", b"application/json"), (b"content-length", b"64")]
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            await send({"type": "http.response.body", "body": b'{"iss', "more_body": True})
            return
        headers: dict[str, str] = {"content-type": "application/json"}
        if rule.raw is not None:
            raw_body = rule.raw.encode()
            start = {"content-type": "text/html", "content-length": str(len(raw_body))}
            encoded_start = [(k.encode(), v.encode()) for k, v in start.items()]
            await send(
                {"type": "http.response.start", "status": rule.status, "headers": encoded_start}
            )
            await send({"type": "http.response.body", "body": raw_body})
            return
        if rule.kind == "rate_limit":
            status, body = 429, rule.body or {"errorMessages": ["Rate limit exceeded."]}
            reset = self.clock.now() + timedelta(seconds=rule.retry_after)
            headers.update(rate_limit_headers(100, 0, reset, self.clock.now(), rule.reason))
            headers["Retry-After"] = str(rule.retry_after)
        else:
            status = rule.status
            body = rule.body or {"errorMessages": ["Internal server error"], "errors": {}}
            if status == 503:
                headers["Retry-After"] = str(rule.retry_after)
        raw = json.dumps(body).encode()
        headers["content-length"] = str(len(raw))
        encoded = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
        await send({"type": "http.response.start", "status": status, "headers": encoded})
        await send({"type": "http.response.body", "body": raw})


def _route_path(scope: Scope) -> str:
    path: str = scope.get("path", "")
    root = scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root) else path
