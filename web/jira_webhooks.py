"""POST /webhooks/jira: authenticate, store in the inbox once, answer 200, then enqueue.

Nothing is stored unless the bearer JWT verifies (401). Bodies over MAX_WEBHOOK_BYTES get 413;
non-JSON, nesting deeper than the inbox keeps, or a bad identifier 400 with one WARNING line.
Text PostgreSQL cannot store (NUL, lone surrogates, NaN) is made storable, never refused.
A repeated X-Atlassian-Webhook-Identifier answers 200 without a second row. Deliveries
arriving together are stored together (core/group_commit.py): on PostgreSQL one statement
and one commit for a burst's concurrent requests (SQLite, in-process, writes row by row), each
answered once its row is committed.
Traced as the span `POST /webhooks/jira` (method, route, status, outcome, delivery id); a stored
delivery's traceparent is kept for its job (runtime.trace_carrier, core/tracing.py).
Enqueueing runs after the response (a background task); if it fails the sweeper cron
processes the stored row, so an acknowledged delivery is never lost.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Awaitable, Callable

from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from core.group_commit import GroupCommit
from core.tracing import SpanKind
from jira_cloud.webhook_auth import WebhookAuthError, verify_webhook_jwt
from services.jira.webhooks.inbox import (
    DeliveryRow,
    MalformedDelivery,
    enqueue_processing,
    is_row_failure,
    prepare_delivery,
    store_deliveries,
    trace_subject,
)
from services.runtime import Runtime

log = logging.getLogger(__name__)

MAX_WEBHOOK_BYTES = 256 * 1024
IDENTIFIER_HEADER = "x-atlassian-webhook-identifier"
_IDENTIFIER = re.compile(r"[\x21-\x7e]{1,128}")
STORED, DUPLICATE, REFUSED = "stored", "duplicate", "refused"  # agilekit_webhook_deliveries_total


Endpoint = Callable[[Request], Awaitable[Response]]
Inbox = GroupCommit[DeliveryRow, tuple[int, bool]]


def jira_webhook_endpoint(inbox: Inbox | None = None) -> Endpoint:
    """The endpoint, storing through `inbox` (tests pass their own to watch it): deliveries
    arriving together (Jira sends bursts) are stored together, each acknowledged once its row
    is committed."""
    rows: Inbox = inbox or GroupCommit(store_deliveries, isolates=is_row_failure)

    async def jira_webhook(request: Request) -> Response:
        runtime: Runtime = request.app.state.runtime
        with runtime.tracing.tracer.start_as_current_span(
            "POST /webhooks/jira",
            kind=SpanKind.SERVER,
            attributes={"http.request.method": "POST", "http.route": "/webhooks/jira"},
            record_exception=False,
        ) as span:
            response, outcome = await _receive(request, runtime, rows)
            span.set_attribute("http.response.status_code", response.status_code)
            span.set_attribute("agilekit.webhook.outcome", outcome)
        runtime.metrics.webhook_deliveries.labels(outcome).inc()
        return response

    return jira_webhook


async def _receive(request: Request, runtime: Runtime, inbox: Inbox) -> tuple[Response, str]:
    """The response and the delivery's outcome: stored, duplicate or refused."""
    try:
        verify_webhook_jwt(
            request.headers.get("authorization"), runtime.settings.jira_client_secret
        )
    except WebhookAuthError as exc:
        log.info("webhook refused: %s", exc)
        return _error(401, "unauthorized"), REFUSED
    body = await _read_capped(request)
    if body is None:
        return _error(413, "body too large"), REFUSED
    identifier = (request.headers.get(IDENTIFIER_HEADER) or "").strip()
    try:
        payload = json.loads(body, parse_constant=_no_constants)
    except RecursionError:
        return _malformed("the JSON nests too deeply"), REFUSED
    except ValueError:
        return _malformed("invalid JSON"), REFUSED
    if not isinstance(payload, dict) or not _IDENTIFIER.fullmatch(identifier):
        reason = "expected a JSON object and an X-Atlassian-Webhook-Identifier"
        return _malformed(reason), REFUSED
    try:
        row = prepare_delivery(identifier, payload)
    except MalformedDelivery as exc:
        return _malformed(str(exc)), REFUSED
    delivery_id, created = await inbox.submit(row)
    if created:  # its job continues this trace (the traceparent is not a job argument)
        await runtime.trace_carrier.save(trace_subject(delivery_id))
    task = BackgroundTask(enqueue_processing, runtime, delivery_id) if created else None
    response = JSONResponse({"ok": True, "duplicate": not created}, background=task)
    return response, STORED if created else DUPLICATE


async def _read_capped(request: Request) -> bytes | None:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_WEBHOOK_BYTES:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_WEBHOOK_BYTES:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _no_constants(name: str) -> None:
    """NaN and ±Infinity are not JSON (and jsonb refuses them): read them as null."""
    return None


def _malformed(reason: str) -> Response:
    log.warning("webhook refused: %s", reason)
    return _error(400, reason)


def _error(status: int, message: str) -> Response:
    return JSONResponse({"error": message}, status_code=status)
