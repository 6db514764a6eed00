"""When a Jira webhook delivery fails: back off between sweeps, give up after MAX_ATTEMPTS.

A failure records `attempts`, `last_error` and `next_attempt_at` (the sweeper skips the row
until then; the delay doubles per failure up to MAX_DELAY). The MAX_ATTEMPTS-th failure makes
the row dead instead: `dead_at` set, `last_error` kept, one ERROR log line, and no further
processing until an operator replays it. Dead rows are never deleted, so a delivery is never
lost silently; a permanently broken one just stops costing a sweep every minute.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from datetime import UTC, datetime, timedelta

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from models.jira import JiraWebhookDelivery

log = logging.getLogger(__name__)

# The arq job's own tries (core.jobs.MAX_TRIES) count too; with the sweeper after them this is
# about seven hours of trying (1, 2, 4, ... minutes, then hourly).
MAX_ATTEMPTS = 12
FIRST_DELAY = timedelta(minutes=1)
MAX_DELAY = timedelta(hours=1)
MAX_ERROR = 1024


def retry_delay(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failure: 1 min, 2, 4, ... capped at MAX_DELAY."""
    return min(FIRST_DELAY * 2 ** max(attempts - 1, 0), MAX_DELAY)


async def record_failure(delivery_id: int, error: BaseException) -> bool:
    """Count a failed attempt; True when it was the last one (the row is dead now)."""
    now = datetime.now(UTC)
    async with in_transaction():
        delivery = await JiraWebhookDelivery.filter(id=delivery_id).select_for_update().first()
        if delivery is None or delivery.processed_at is not None or delivery.dead_at is not None:
            return False
        delivery.attempts += 1
        delivery.last_error = f"{type(error).__name__}: {error}"[:MAX_ERROR]
        delivery.next_attempt_at = now + retry_delay(delivery.attempts)
        if delivery.attempts >= MAX_ATTEMPTS:
            delivery.dead_at = now
        await delivery.save(update_fields=["attempts", "last_error", "next_attempt_at", "dead_at"])
    if delivery.dead_at is not None:
        # The type only: messages can quote payload text. last_error in the row has the rest.
        log.error(
            "webhook delivery %s (%s) gave up after %s attempts: %s; replay it once fixed",
            delivery.id,
            delivery.event,
            delivery.attempts,
            type(error).__name__,
        )
        return True
    return False


async def pending_delivery_ids(
    older_than: datetime, limit: int = 200, now: datetime | None = None
) -> list[int]:
    """Unprocessed, not dead, received before `older_than` and out of their backoff."""
    due = Q(next_attempt_at=None) | Q(next_attempt_at__lte=now or datetime.now(UTC))
    rows = (
        await JiraWebhookDelivery.filter(due, processed_at=None, dead_at=None)
        .filter(received_at__lt=older_than)
        .order_by("id")
        .limit(limit)
        .values_list("id", flat=True)
    )
    return [int(row) for row in rows]


async def dead_delivery_ids(limit: int = 200) -> list[int]:
    rows = (
        await JiraWebhookDelivery.filter(dead_at__not_isnull=True, processed_at=None)
        .order_by("id")
        .limit(limit)
        .values_list("id", flat=True)
    )
    return [int(row) for row in rows]


async def replay_dead_deliveries(delivery_ids: Collection[int] | None = None) -> int:
    """Make dead deliveries pending again with fresh attempts (all of them when None); the
    next sweep processes them. `last_error` stays until a success clears it."""
    query = JiraWebhookDelivery.filter(dead_at__not_isnull=True, processed_at=None)
    if delivery_ids is not None:
        query = query.filter(id__in=list(delivery_ids))
    return await query.update(dead_at=None, next_attempt_at=None, attempts=0)
