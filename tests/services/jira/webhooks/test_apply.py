"""Applying deliveries in batches, on the run's PostgreSQL database: once each, newest state
kept, one room event per changed issue, a failure confined to its delivery."""

from __future__ import annotations

import asyncio
import random
import uuid
from typing import Any

import pytest

from models.jira import JiraWebhookDelivery
from models.rooms import Issue
from services.jira.webhooks import apply, batch
from services.jira.webhooks.apply import apply_pending
from services.jira.webhooks.inbox import store_delivery
from tests.services.jira.webhooks.test_inbox import runtime, update, world


def at(second: int) -> str:
    return f"2026-05-01T10:00:{second:02d}.000+0000"


async def drain() -> None:
    while await apply_pending(runtime()[0]) == apply.BATCH_SIZE:
        pass


async def test_a_batch_applies_each_delivery_once_with_one_event_per_issue(
    database_url: str,
) -> None:
    site_url, jira_id, [issue] = await world(1)
    versions = [1, 2, 3, 4, 5]
    random.Random(3).shuffle(versions)  # stored out of order
    ids = [
        (await store_delivery(uuid.uuid4().hex, update(site_url, jira_id, f"v{v}", at(v))))[0]
        for v in versions
    ]
    rt, bus = runtime()
    assert await apply_pending(rt) >= len(ids)
    await issue.refresh_from_db()
    assert issue.title == "v5"
    rows = await JiraWebhookDelivery.filter(id__in=ids).values_list("attempts", "processed_at")
    assert [attempts for attempts, _ in rows] == [1] * 5 and all(p for _, p in rows)
    mine = [event for room, event in bus.events if room == str(issue.room_id)]
    assert [(e["kind"], e["issueId"]) for e in mine] == [("ISSUE_UPDATED", str(issue.id))]

    await apply_pending(rt)  # nothing of ours is due any more
    again = await JiraWebhookDelivery.filter(id__in=ids).values_list("attempts", flat=True)
    assert list(again) == [1] * 5
    assert len([e for room, e in bus.events if room == str(issue.room_id)]) == 1


async def test_one_failing_delivery_fails_alone(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    good_site, good_jira, [good] = await world(1)
    bad_site, bad_jira, [bad] = await world(1)
    real = batch.apply_text

    def apply_text(issue: Issue, fields: dict[str, Any], *rest: Any) -> bool:
        if fields.get("summary") == "boom":
            raise ValueError("cannot apply this body")
        return real(issue, fields, *rest)

    monkeypatch.setattr(batch, "apply_text", apply_text)
    bad_id, _ = await store_delivery(uuid.uuid4().hex, update(bad_site, bad_jira, "boom", at(1)))
    good_id, _ = await store_delivery(uuid.uuid4().hex, update(good_site, good_jira, "ok", at(2)))
    await drain()
    await good.refresh_from_db()
    await bad.refresh_from_db()
    assert (good.title, bad.title) == ("ok", "Old title")  # the failed one changed nothing
    failed = await JiraWebhookDelivery.get(id=bad_id)
    assert failed.processed_at is None and failed.attempts == 1
    assert failed.next_attempt_at is not None and "cannot apply" in (failed.last_error or "")
    assert (await JiraWebhookDelivery.get(id=good_id)).attempts == 1


async def test_batches_running_at_once_take_disjoint_deliveries(database_url: str) -> None:
    worlds = [await world(1) for _ in range(3)]
    ids = []
    for second in range(1, 21):
        for site_url, jira_id, _ in worlds:
            body = update(site_url, jira_id, f"{jira_id} v{second}", at(second))
            ids.append((await store_delivery(uuid.uuid4().hex, body))[0])
    await asyncio.gather(*(apply_pending(runtime()[0], limit=7) for _ in range(6)))
    await drain()
    rows = await JiraWebhookDelivery.filter(id__in=ids).values_list("attempts", "processed_at")
    assert len(rows) == 60 and all(attempts == 1 and done for attempts, done in rows)
    for _, jira_id, [issue] in worlds:
        await issue.refresh_from_db()
        assert issue.title == f"{jira_id} v20"
