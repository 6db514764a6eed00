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


@dataclass
class RateLimiter:
    """Fixed windows on the sandbox clock: one per site, one per site + endpoint."""

    site: LimitSpec | None = None
    endpoints: dict[str, LimitSpec] = field(default_factory=dict)  # "GET /rest/..." or "*"
    issue_writes: LimitSpec | None = None  # writes to one issue (PUT/POST/DELETE)
    windows: dict[str, tuple[datetime, int]] = field(default_factory=dict)

    def check(
        self, cloud_id: str, endpoint: str, now: datetime, written_issue: str | None = None
    ) -> tuple[bool, dict[str, str]]:
        headers: dict[str, str] = {}
        checks = [(f"site:{cloud_id}", self.site, "jira-quota-based")]
        spec = self.endpoints.get(endpoint) or self.endpoints.get("*")
        checks.append((f"endpoint:{cloud_id}:{endpoint}", spec, "jira-burst-based"))
        if written_issue:
            key = f"issue:{cloud_id}:{written_issue.upper()}"
            checks.append((key, self.issue_writes, "jira-per-issue-on-write"))
        for key, limit, reason in checks:
            if limit is None:
                continue
            start, count = self.windows.get(key, (now, 0))
            window = timedelta(seconds=limit.window_seconds)
            if now - start >= window:
                start, count = now, 0
            reset = start + window
            if count >= limit.limit:
                return False, rate_limit_headers(limit.limit, 0, reset, now, reason)
            self.windows[key] = (start, count + 1)
            remaining = limit.limit - count - 1
            headers.update(rate_limit_headers(limit.limit, remaining, reset, now, None))
        return True, headers


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
