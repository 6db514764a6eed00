"""Applying stored Jira webhook deliveries: exactly once, in order per issue, in batches.

Routing: the issue's `self` link names the site (v2 URL); JiraSite rows map it to cloud ids and
links are found by (cloud_id, jira issue id). Each link keeps a watermark (`jira_updated_at`):
a delivery whose `fields.updated` (else the body's `timestamp`) is older is ignored, so late
and out-of-order deliveries never undo newer text. Echoes of our own estimate pushes (every
changelog item is the story-points field, set to the value we pushed) are no-ops.
jira:issue_deleted marks links `deleted_in_jira` and emits IssueRemoved; the room issue row
stays so its votes and history survive. jira:issue_created, sprint_* events and updates that
move an issue between sprints are handed to `runtime.hooks.jira_issue_entered` (auto-import).

A batch is up to BATCH_SIZE due deliveries taken FOR UPDATE SKIP LOCKED in id order (the order
they arrived) and applied in one transaction: sites, links and mappings are read once for the
batch, each issue and link is written once with its last state, and `processed_at` is set in
the same transaction, so a crash applies nothing and a second run finds nothing to do. An issue
changed by several deliveries of a batch gets one room event. Batches running at once take
disjoint deliveries and lock links in id order (no deadlock); the watermark keeps the newer
state whichever commits first. A failing batch is applied again one delivery at a time, so the
failure is recorded against that delivery alone (services.jira.webhooks.retries).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime

from tortoise.expressions import F, Q
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from core.tracing import Context, SpanKind
from models.jira import JiraWebhookDelivery
from services.jira.webhooks.batch import Applied, Batch, Change
from services.jira.webhooks.inbox import trace_subject
from services.jira.webhooks.retries import pending_delivery_ids, record_failure
from services.rooms.events import publish_room_event
from services.runtime import Runtime, run_hooks

log = logging.getLogger(__name__)

BATCH_SIZE = 200


async def process_delivery(runtime: Runtime, delivery_id: int) -> str:
    """Apply one delivery (the sweeper's and the per-delivery job's path); what happened."""
    try:
        applied = await _apply(JiraWebhookDelivery.filter(id=delivery_id))
    except Exception as exc:
        if await record_failure(delivery_id, exc):
            return "dead"  # recorded and logged once; retrying would only fail again
        raise
    await _publish(runtime, applied)
    return applied.outcomes.get(delivery_id, "busy-or-missing")


async def apply_pending(runtime: Runtime, limit: int = BATCH_SIZE) -> int:
    """Apply up to `limit` due deliveries in one transaction; how many were taken."""
    due = Q(next_attempt_at=None) | Q(next_attempt_at__lte=datetime.now(UTC))
    try:
        applied = await _apply(
            JiraWebhookDelivery.filter(due, processed_at=None, dead_at=None).limit(limit)
        )
    except Exception as exc:
        log.warning("webhook batch failed (%s): applying it one by one", type(exc).__name__)
        return await _one_by_one(runtime, limit)
    parents = await _trace_parents(runtime, applied) if runtime.tracing.enabled else None
    await _publish(runtime, applied, parents)
    return len(applied.outcomes)


async def _one_by_one(runtime: Runtime, limit: int) -> int:
    ids = await pending_delivery_ids(datetime.now(UTC), limit)
    for delivery_id in ids:
        try:
            await process_delivery(runtime, delivery_id)
        except Exception as exc:  # recorded on the row; its backoff keeps it out of the next batch
            log.warning("webhook %s failed: %s", delivery_id, type(exc).__name__)
    return len(ids)


async def _apply(query: QuerySet[JiraWebhookDelivery]) -> Applied:
    applied = Applied()
    async with in_transaction() as connection:
        rows = await query.select_for_update(skip_locked=True).order_by("id")
        todo = []
        for delivery in rows:
            if delivery.processed_at is not None:
                applied.outcomes[delivery.id] = "already-processed"
            elif delivery.dead_at is not None:
                applied.outcomes[delivery.id] = "dead"  # until an operator replays it
            else:
                todo.append(delivery)
        if todo:
            batch = await Batch.load(todo)
            for delivery in todo:
                applied.outcomes[delivery.id] = batch.apply(delivery, applied)
            await batch.save(connection)
            await JiraWebhookDelivery.filter(id__in=[d.id for d in todo]).update(
                attempts=F("attempts") + 1, processed_at=datetime.now(UTC), last_error=None
            )
    return applied


async def _trace_parents(runtime: Runtime, applied: Applied) -> dict[int, Context | None]:
    """The receiving request's context of each delivery that changed a room (trace_carrier)."""
    ids = dict.fromkeys(applied.changes.values())
    return {i: await runtime.trace_carrier.load(trace_subject(i)) for i in ids}


async def _publish(
    runtime: Runtime, applied: Applied, parents: Mapping[int, Context | None] | None = None
) -> None:
    """After commit: room events (under each delivery's trace when `parents` are given), the
    apply-lag metric, then the hooks."""
    by_delivery: dict[int, list[Change]] = {}
    for change, delivery_id in applied.changes.items():
        by_delivery.setdefault(delivery_id, []).append(change)
    tracer = runtime.tracing.tracer

    async def publish(delivery_id: int, changes: list[Change]) -> None:
        with _delivery_span(runtime, delivery_id, applied.outcomes[delivery_id], parents):
            await asyncio.gather(
                *(
                    publish_room_event(runtime.bus, room_id, kind, issue_id, tracer=tracer)
                    for room_id, kind, issue_id in changes
                )
            )

    # Together, in order: the bus sends events published at once in one round trip.
    await asyncio.gather(*(publish(d, changes) for d, changes in by_delivery.items()))
    now = time.time()
    for happened_ms in applied.happened_ms:  # Jira's timestamp -> its room events published
        runtime.metrics.webhook_apply_lag.observe(max(0.0, now - happened_ms / 1000))
    for event in applied.events:
        await run_hooks(runtime.hooks.jira_issue_entered, runtime, event)


@contextlib.contextmanager
def _delivery_span(
    runtime: Runtime, delivery_id: int, outcome: str, parents: Mapping[int, Context | None] | None
) -> Iterator[None]:
    """`jira_webhook apply`, the child of the delivery's receiving request (a batch job serves
    many traces); nothing when the caller's own span already is that child."""
    if parents is None:
        yield
        return
    with runtime.tracing.tracer.start_as_current_span(
        "jira_webhook apply",
        context=parents.get(delivery_id),
        kind=SpanKind.CONSUMER,
        attributes={
            "agilekit.webhook.delivery_id": delivery_id,
            "agilekit.webhook.outcome": outcome,
        },
    ):
        yield
