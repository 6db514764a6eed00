"""Jobs: apply the stored Jira webhook deliveries in batches (one job per arrival window),
process one delivery (the sweeper's path), and a cron that sweeps the inbox for stragglers."""

from __future__ import annotations

import logging
import math
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from arq.worker import Retry

from core.tracing import SpanKind, Status, StatusCode
from services.jira.webhooks.apply import BATCH_SIZE, apply_pending, process_delivery
from services.jira.webhooks.inbox import trace_subject
from services.jira.webhooks.retries import pending_delivery_ids

log = logging.getLogger(__name__)

APPLY_JIRA_WEBHOOKS = "apply_jira_webhooks"
PROCESS_JIRA_WEBHOOK = "process_jira_webhook"
SWEEP_JIRA_WEBHOOKS = "sweep_jira_webhooks"
# Deliveries arriving within one window share one job, which starts when the window ends (so
# every delivery stored in it is committed) and applies them, batch after batch, until none is
# due; past DRAIN_BUDGET_S the next window's job goes on.
BATCH_WINDOW_S = 0.02
DRAIN_BUDGET_S = 30.0


def window_job(now: float, window_s: float = BATCH_WINDOW_S) -> tuple[str, float]:
    """(job id, seconds until it may start) for a delivery stored at epoch time `now`."""
    slot = math.floor(now / window_s)
    return f"jira-webhooks:{slot}", max(0.0, (slot + 1) * window_s - now)


def sweep_seconds(interval_s: int) -> set[int]:
    """The cron's `second=` set for a sweep every `interval_s` seconds (a divisor of 60)."""
    return set(range(0, 60, interval_s))


def sweep_grace(interval_s: int) -> timedelta:
    """Rows younger than this are left to their own job (enqueued right after the 200)."""
    return timedelta(seconds=interval_s / 2)


async def apply_jira_webhooks(ctx: dict[str, Any]) -> int:
    """Traced as `job apply_jira_webhooks`; each delivery that changed a room gets a
    `jira_webhook apply` span in its receiving request's trace (services/jira/webhooks/apply.py)."""
    runtime = ctx["runtime"]
    deadline = time.monotonic() + DRAIN_BUDGET_S
    applied = 0
    with runtime.tracing.tracer.start_as_current_span(
        f"job {APPLY_JIRA_WEBHOOKS}", kind=SpanKind.CONSUMER
    ) as span:
        try:
            while True:
                taken = await apply_pending(runtime)
                applied += taken
                if taken < BATCH_SIZE or time.monotonic() > deadline:
                    break
        except Exception as exc:  # the database is down: the rows wait, nothing is lost
            span.set_status(Status(StatusCode.ERROR, type(exc).__name__))
            log.warning("webhook batch job failed: %s", type(exc).__name__)
            raise Retry(defer=min(2 ** int(ctx.get("job_try", 1)), 60)) from exc
        span.set_attribute("agilekit.webhook.deliveries", applied)
    return applied


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
