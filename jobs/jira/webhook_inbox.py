"""Jobs: process one stored Jira webhook delivery; a cron sweeps the inbox for stragglers."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from arq.worker import Retry

from services.jira.webhooks.inbox import process_delivery
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
    try:
        return await process_delivery(ctx["runtime"], int(delivery_id))
    except Exception as exc:
        job_try = int(ctx.get("job_try", 1))
        log.warning("webhook %s failed (try %s): %s", delivery_id, job_try, type(exc).__name__)
        raise Retry(defer=min(2**job_try, 60)) from exc


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
