"""Jobs: process one stored Jira webhook delivery; a cron sweeps the inbox for stragglers."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from arq.worker import Retry

from core.tracing import SpanKind, Status, StatusCode
from services.jira.webhooks.inbox import process_delivery, trace_subject
from services.jira.webhooks.retries import pending_delivery_ids

log = logging.getLogger(__name__)

PROCESS_JIRA_WEBHOOK = "process_jira_webhook"
SWEEP_JIRA_WEBHOOKS = "sweep_jira_webhooks"


def sweep_seconds(interval_s: int) -> set[int]:
    """The cron's `second=` set for a sweep every `interval_s` seconds (a divisor of 60)."""
    return set(range(0, 60, interval_s))


def sweep_grace(interval_s: int) -> timedelta:
    """Rows younger than this are left to their own job (enqueued right after the 200)."""
    return timedelta(seconds=interval_s / 2)


async def process_jira_webhook(ctx: dict[str, Any], delivery_id: int) -> str:
    """Traced as `job process_jira_webhook`, the child of the receiving request's span when its
    traceparent was kept (runtime.trace_carrier), else the root of a trace of its own."""
    runtime = ctx["runtime"]
    job_try = int(ctx.get("job_try", 1))
    parent = await runtime.trace_carrier.load(trace_subject(int(delivery_id)))
    with runtime.tracing.tracer.start_as_current_span(
        f"job {PROCESS_JIRA_WEBHOOK}",
        context=parent,
        kind=SpanKind.CONSUMER,
        attributes={
            "agilekit.job.name": PROCESS_JIRA_WEBHOOK,
            "agilekit.job.try": job_try,
            "agilekit.webhook.delivery_id": int(delivery_id),
        },
        record_exception=False,
        set_status_on_exception=False,
    ) as span:
        try:
            outcome = await process_delivery(runtime, int(delivery_id))
        except Exception as exc:
            span.set_status(Status(StatusCode.ERROR, type(exc).__name__))
            log.warning("webhook %s failed (try %s): %s", delivery_id, job_try, type(exc).__name__)
            raise Retry(defer=min(2**job_try, 60)) from exc
        span.set_attribute("agilekit.webhook.outcome", outcome)
        return outcome


async def sweep_jira_webhooks(ctx: dict[str, Any], grace: timedelta | None = None) -> int:
    """Process what no job did (queue down when it arrived, retries exhausted). Row locks make
    this safe alongside a running job; a failure waits out its backoff before the next try and
    is given up (dead, logged once) after services.jira.webhooks.retries.MAX_ATTEMPTS."""
    if grace is None:
        grace = sweep_grace(ctx["runtime"].settings.webhook_sweep_interval_s)
    processed = 0
    for delivery_id in await pending_delivery_ids(datetime.now(UTC) - grace):
        try:
            outcome = await process_delivery(ctx["runtime"], delivery_id)
            if outcome != "dead":
                processed += 1
        except Exception as exc:  # recorded on the row (last_error); the type is enough here
            log.warning("sweep: webhook %s failed: %s", delivery_id, type(exc).__name__)
    return processed
