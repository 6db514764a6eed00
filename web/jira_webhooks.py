"""POST /webhooks/jira: authenticate, store in the inbox once, answer 200, then enqueue.

Nothing is stored unless the bearer JWT verifies (401). Bodies over MAX_WEBHOOK_BYTES get 413;
non-JSON, nesting deeper than the inbox keeps, or a bad identifier 400 with one WARNING line.
Text PostgreSQL cannot store (NUL, lone surrogates, NaN) is made storable, never refused.
A repeated X-Atlassian-Webhook-Identifier answers 200 without a second row. Any other method
than POST gets 405 here (Allow: POST), never the web app's index.html. Deliveries
arriving together are stored together (core/group_commit.py): on PostgreSQL one statement
and one commit for a burst's concurrent requests (SQLite, in-process, writes row by row), each
answered once its row is committed.
Traced as the span `POST /webhooks/jira` (method, route, status, outcome, delivery id); a stored
delivery's traceparent is kept for its job (runtime.trace_carrier, core/tracing.py).
Enqueueing runs after the response; if it fails the sweeper cron processes the stored row, so
an acknowledged delivery is never lost.

The receiver is a plain ASGI app that app.py routes to ahead of routing, CORS and the body
limit (web/middleware.py's DirectRoute): a burst is thousands of these small requests, and
Starlette's request, response and middleware layers took about a sixth of the server's time
per delivery.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

import orjson
from starlette.requests import ClientDisconnect
from starlette.types import Receive, Scope, Send

from core.group_commit import GroupCommit
from core.tracing import SpanKind
from jira_cloud.webhook_auth import WebhookAuthError, verify_webhook_jwt
from services.jira.webhooks.body import read_payload
from services.jira.webhooks.inbox import (
    DeliveryRow,
    MalformedDelivery,
    delivery_row,
    enqueue_processing,
    is_row_failure,
    store_deliveries,
    trace_subject,
)
from services.runtime import Runtime

log = logging.getLogger(__name__)

MAX_WEBHOOK_BYTES = 256 * 1024
IDENTIFIER_HEADER = b"x-atlassian-webhook-identifier"
_IDENTIFIER = re.compile(r"[\x21-\x7e]{1,128}")
STORED, DUPLICATE, REFUSED = "stored", "duplicate", "refused"  # agilekit_webhook_deliveries_total
_NOT_ALLOWED = orjson.dumps({"error": "method not allowed: Jira POSTs its deliveries"})

Inbox = GroupCommit[DeliveryRow, tuple[int, bool]]


@dataclass(frozen=True, slots=True)
class _Reply:
    """A response to send: its status, JSON body, the delivery's outcome, and the stored
    delivery to enqueue once it is sent."""

    status: int
    body: bytes
    outcome: str
    created_id: int | None = None


class JiraWebhookReceiver:
    """The ASGI app of POST /webhooks/jira, storing through `inbox` (tests pass their own to
    watch it): deliveries arriving together (Jira sends bursts) are stored together, each
    acknowledged once its row is committed."""

    def __init__(self, runtime: Runtime, inbox: Inbox | None = None) -> None:
        self._runtime = runtime
        self._inbox: Inbox = inbox or GroupCommit(store_deliveries, isolates=is_row_failure)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["method"] != "POST":
            await _send_json(send, 405, _NOT_ALLOWED, [(b"allow", b"POST")])
            return
        runtime = self._runtime
        with runtime.tracing.tracer.start_as_current_span(
            "POST /webhooks/jira",
            kind=SpanKind.SERVER,
            attributes={"http.request.method": "POST", "http.route": "/webhooks/jira"},
            record_exception=False,
        ) as span:
            try:
                reply = await self._receive(scope, receive)
            except ClientDisconnect:
                return  # gone mid-body: nothing stored, nobody to answer
            span.set_attribute("http.response.status_code", reply.status)
            span.set_attribute("agilekit.webhook.outcome", reply.outcome)
        runtime.metrics.webhook_deliveries.labels(reply.outcome).inc()
        await _send_json(send, reply.status, reply.body)
        if reply.created_id is not None:
            await enqueue_processing(runtime, reply.created_id)

    async def _receive(self, scope: Scope, receive: Receive) -> _Reply:
        headers = dict(scope["headers"])
        try:
            verify_webhook_jwt(
                _header(headers, b"authorization"), self._runtime.settings.jira_client_secret
            )
        except WebhookAuthError as exc:
            log.info("webhook refused: %s", exc)
            return _error(401, "unauthorized")
        declared = headers.get(b"content-length", b"")
        if declared.isdigit() and int(declared) > MAX_WEBHOOK_BYTES:
            return _error(413, "body too large")
        body = await _read_capped(receive)
        if body is None:
            return _error(413, "body too large")
        identifier = (_header(headers, IDENTIFIER_HEADER) or "").strip()
        if not _IDENTIFIER.fullmatch(identifier):
            reason = "expected an X-Atlassian-Webhook-Identifier of 1 to 128 visible characters"
            return _malformed(reason)
        try:
            row = delivery_row(identifier, read_payload(body))
        except MalformedDelivery as exc:
            return _malformed(str(exc))
        delivery_id, created = await self._inbox.submit(row)
        body = orjson.dumps({"ok": True, "duplicate": not created})
        if not created:
            return _Reply(200, body, DUPLICATE)
        # Its job continues this trace (the traceparent is not a job argument).
        await self._runtime.trace_carrier.save(trace_subject(delivery_id))
        return _Reply(200, body, STORED, delivery_id)


async def _read_capped(receive: Receive) -> bytes | None:
    """The body, or None past MAX_WEBHOOK_BYTES."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnect
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_WEBHOOK_BYTES:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def _header(headers: dict[bytes, bytes], name: bytes) -> str | None:
    value = headers.get(name)
    return None if value is None else value.decode("latin-1")


async def _send_json(
    send: Send, status: int, body: bytes, extra: list[tuple[bytes, bytes]] | None = None
) -> None:
    headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
    headers += extra or []
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _malformed(reason: str) -> _Reply:
    log.warning("webhook refused: %s", reason)
    return _error(400, reason)


def _error(status: int, message: str) -> _Reply:
    return _Reply(status, orjson.dumps({"error": message}), REFUSED)
