"""Jobs: process one stored Jira webhook delivery; a cron sweeps the inbox for stragglers."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from arq.worker import Retry

from services.jira_webhooks import pending_delivery_ids, process_delivery

log = logging.getLogger("agilekit.jira.webhooks")

# Rows younger than this are left to their own job (enqueued right after the acknowledgement).
SWEEP_GRACE = timedelta(seconds=30)


async def process_jira_webhook(ctx: dict[str, Any], delivery_id: int) -> str:
    try:
        return await process_delivery(ctx["runtime"], int(delivery_id))
    except Exception as exc:
        job_try = int(ctx.get("job_try", 1))
        log.warning("webhook %s failed (try %s): %s", delivery_id, job_try, type(exc).__name__)
        raise Retry(defer=min(2**job_try, 60)) from exc


async def sweep_jira_webhooks(ctx: dict[str, Any], grace: timedelta = SWEEP_GRACE) -> int:
    """Process what no job did (queue down when it arrived, retries exhausted). Row locks make
    this safe alongside a running job; a failure stays pending for the next sweep."""
    processed = 0
    for delivery_id in await pending_delivery_ids(datetime.now(UTC) - grace):
        try:
            await process_delivery(ctx["runtime"], delivery_id)
            processed += 1
        except Exception:
            log.exception("sweep: webhook %s failed", delivery_id)
    return processed
