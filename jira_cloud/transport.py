"""The request loop under JiraClient: auth header, retries, and Jira's errors as exceptions.

- 401 "Unauthorized": one refresh through the token source, then one more try.
- 401 "Unauthorized; scope does not match": ScopeMismatch at once (only re-consent helps).
- 429: Retry-After is waited out when it is within `max_retry_after` (any method: Jira did not
  process the request), else RateLimited. 503 with Retry-After likewise, idempotent calls only.
- 5xx and transport errors: jittered exponential backoff for idempotent calls only; a
  connection that never opened is retried for any method (nothing reached Jira).
Logs carry method, path and status only: never a header, a token or a query string.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import random
import time
from collections.abc import Mapping
from email.utils import parsedate_to_datetime
from typing import Any, Protocol

import httpx

from jira_cloud.budget import Call, RequestBudget, call_for
from jira_cloud.errors import (
    BadRequest,
    FieldNotEditable,
    Forbidden,
    InvalidValue,
    JiraError,
    MalformedResponse,
    NotFound,
    RateLimited,
    ScopeMismatch,
    SprintsNotSupported,
    Unauthorized,
    Unavailable,
)
from jira_cloud.observer import RequestObserver, StatusSink

log = logging.getLogger(__name__)

# Exceptions raised before the request left this process: safe to retry even for writes.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
_NOT_EDITABLE_MARKERS = ("cannot be set", "appropriate screen", "unknown", "not editable")
_NO_SPRINTS_MARKERS = ("does not support sprints", "doesn't support sprints")
_MAX_MESSAGE = 500
_BUDGET_JITTER = 0.05  # spreads callers that were told the same wait


class TokenSource(Protocol):
    """A connection's access tokens (JIRA-CONNECT's services.jira.tokens implements it)."""

    async def access_token(self) -> str:
        """A token valid for at least 60 more seconds (refreshed first when needed)."""
        ...

    async def refresh_after_unauthorized(self, rejected_token: str) -> str:
        """A new token after Jira refused `rejected_token` (single-flight per connection)."""
        ...


def join_url(base: str, path: str) -> str:
    """Join a path onto a base URL that may itself carry a path (never replace it)."""
    return f"{base.rstrip('/')}/{path.lstrip('/')}"


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: delta seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, when - (time.time() if now is None else now))


def error_message(body: Any, fallback: str) -> str:
    """Jira's words from either envelope: gateway {code,message} or {errorMessages,errors}."""
    if not isinstance(body, dict):
        return fallback
    parts = [str(m) for m in body.get("errorMessages") or [] if m]
    errors = body.get("errors")
    if isinstance(errors, dict):
        parts += [f"{key}: {value}" for key, value in errors.items()]
    if body.get("message"):
        parts.append(str(body["message"]))
    return "; ".join(parts)[:_MAX_MESSAGE] or fallback


def error_for_response(response: httpx.Response) -> JiraError:
    """The typed exception for a non-2xx response."""
    status = response.status_code
    try:
        body = response.json()
    except ValueError:
        body = None
    message = error_message(body, f"Jira answered HTTP {status}.")
    lowered = message.lower()
    if status == 401:
        if "scope does not match" in lowered:
            return ScopeMismatch(message, status)
        return Unauthorized(message, status)
    if status == 403:
        return Forbidden(message, status)
    if status == 404:
        return NotFound(message, status)
    if status == 429:
        return RateLimited(message, parse_retry_after(response.headers.get("retry-after")))
    if status >= 500:
        return Unavailable(message, status)
    errors = body.get("errors") if isinstance(body, dict) else None
    errors = {str(k): str(v) for k, v in errors.items()} if isinstance(errors, dict) else {}
    if any(marker in lowered for marker in _NO_SPRINTS_MARKERS):
        return SprintsNotSupported(message, status, errors)
    if errors:
        texts = " ".join(errors.values()).lower()
        if any(marker in texts for marker in _NOT_EDITABLE_MARKERS):
            return FieldNotEditable(message, status, errors)
        return InvalidValue(message, status, errors)
    return BadRequest(message, status, errors)


class JiraTransport:
    """Authenticated requests to one Jira site through the API gateway."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        api_base_url: str,
        cloud_id: str,
        tokens: TokenSource,
        *,
        max_retries: int = 3,
        max_retry_after: float = 10.0,
        backoff_base: float = 0.25,
        backoff_cap: float = 4.0,
        budget: RequestBudget | None = None,
        observer: RequestObserver | None = None,
    ) -> None:
        self.http = http
        self.cloud_id = cloud_id
        self.base_url = join_url(api_base_url, f"ex/jira/{cloud_id}")
        self.tokens = tokens
        self.max_retries = max_retries
        self.max_retry_after = max_retry_after
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.budget = budget
        self.observer = observer

    def backoff(self, attempt: int) -> float:
        """Equal-jitter exponential backoff: half fixed, half random, capped."""
        ceiling = min(self.backoff_cap, self.backoff_base * 2**attempt)
        return ceiling / 2 + random.uniform(0, ceiling / 2)

    async def request_json(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        idempotent: bool | None = None,
    ) -> Any:
        """The decoded JSON body (None for 204), or the typed JiraError."""
        safe = method == "GET" if idempotent is None else idempotent
        response = await self._send(method, path, params, json, safe)
        if response.is_success:
            try:
                return response.json() if response.content else None
            except ValueError:  # 2xx with HTML from a proxy, a truncated body, ...
                raise MalformedResponse(f"Jira answered {method} {path} with no JSON.") from None
        raise error_for_response(response)

    async def _send(
        self, method: str, path: str, params: Mapping[str, Any] | None, json: Any, safe: bool
    ) -> httpx.Response:
        url = join_url(self.base_url, path)
        path = "/" + path.lstrip("/")  # what the logs show: never the base URL or query
        call = call_for(self.cloud_id, method, path)
        token = await self.tokens.access_token()
        refreshed = False
        attempt = 0
        while True:
            await self._acquire(call)
            started = time.monotonic()
            try:
                response = await self._attempt(call, method, url, params, json, token)
            except httpx.TransportError as exc:
                self._observe(call, None)
                log.warning("jira %s %s failed: %s", method, path, type(exc).__name__)
                if (safe or isinstance(exc, _NOT_SENT)) and attempt < self.max_retries:
                    await asyncio.sleep(self.backoff(attempt))
                    attempt += 1
                    continue
                raise Unavailable(f"Jira did not answer ({type(exc).__name__}).") from exc
            status = response.status_code
            elapsed_ms = (time.monotonic() - started) * 1000
            log.info("jira %s %s %d %.0fms", method, path, status, elapsed_ms)
            self._observe(call, status)
            if status == 401 and not refreshed and not _is_scope_mismatch(response):
                token = await self.tokens.refresh_after_unauthorized(token)
                refreshed = True
                continue
            if status == 429:
                if self.observer is not None:
                    self.observer.rate_limited(call, _rate_limit_reason(response))
                await self._penalize(call, response, attempt)
            wait = self._retry_wait(response, safe, attempt)
            if wait is None:
                return response
            await asyncio.sleep(wait)
            attempt += 1

    async def _attempt(
        self,
        call: Call,
        method: str,
        url: str,
        params: Mapping[str, Any] | None,
        json: Any,
        token: str,
    ) -> httpx.Response:
        """One HTTP exchange, inside the observer's request span (when it has one)."""
        with self._span(call) as record_status:
            try:
                response = await self.http.request(
                    method, url, params=params, json=json, headers=_headers(token)
                )
            except httpx.TransportError:
                record_status(None)
                raise
            record_status(response.status_code)
            return response

    def _span(self, call: Call) -> contextlib.AbstractContextManager[StatusSink]:
        if self.observer is None:
            return contextlib.nullcontext(_ignore_status)
        return self.observer.request_span(call)

    async def _acquire(self, call: Call) -> None:
        """Wait for the budget's go-ahead; RateLimited when it asks for more than we wait."""
        if self.budget is None:
            return
        while (wait := await self.budget.acquire(call)) > 0:
            if wait > self.max_retry_after:
                raise RateLimited(
                    f"Jira's rate limit holds back {call.route} for {wait:.1f}s.", math.ceil(wait)
                )
            await asyncio.sleep(wait + random.uniform(0, _BUDGET_JITTER))

    async def _penalize(self, call: Call, response: httpx.Response, attempt: int) -> None:
        if self.budget is None:
            return
        reason = _rate_limit_reason(response)
        retry_after = parse_retry_after(response.headers.get("retry-after"))
        log.warning("jira %s rate limited (%s)", call.route, reason or "no reason")
        await self.budget.penalize(
            call, reason, self.backoff(attempt) if retry_after is None else retry_after
        )

    def _observe(self, call: Call, status: int | None) -> None:
        if self.observer is not None:
            self.observer.request_done(call, status)

    def _retry_wait(self, response: httpx.Response, safe: bool, attempt: int) -> float | None:
        """Seconds to wait before retrying this response, or None to hand it back."""
        status = response.status_code
        if attempt >= self.max_retries or not (status == 429 or (status >= 500 and safe)):
            return None
        retry_after = parse_retry_after(response.headers.get("retry-after"))
        if retry_after is None:
            return self.backoff(attempt)
        return retry_after if retry_after <= self.max_retry_after else None


def _ignore_status(status: int | None) -> None:
    return None


def _rate_limit_reason(response: httpx.Response) -> str | None:
    headers = response.headers
    return headers.get("ratelimit-reason") or headers.get("x-beta-ratelimit-reason")


def _headers(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Accept": "application/json"}


def _is_scope_mismatch(response: httpx.Response) -> bool:
    return "scope does not match" in response.text.lower()
