"""The webhook inbox sweeper gives up on a permanently failing delivery: backoff between
sweeps, a dead row kept with its error, one ERROR line, and a replay once the cause is fixed.

The failure is real: a PostgreSQL trigger of this run's database refuses updates of the one
Jira issue the delivery is about (as a broken constraint or a full disk would)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from arq.worker import Retry
from tortoise import connections

from jobs.jira.webhook_inbox import process_jira_webhook, sweep_jira_webhooks, window_job
from models.jira import JiraWebhookDelivery
from models.rooms import Issue
from services.jira.webhooks.apply import process_delivery
from services.jira.webhooks.inbox import store_delivery
from services.jira.webhooks.retries import (
    MAX_ATTEMPTS,
    MAX_DELAY,
    dead_delivery_ids,
    pending_delivery_ids,
    replay_dead_deliveries,
    retry_delay,
)
from tests.services.jira.webhooks.test_inbox import runtime, update, world

FAR_PAST = datetime(2100, 1, 1, tzinfo=UTC)  # `older_than` that admits every row


async def refuse_link_updates(jira_id: str) -> str:
    name = f"refuse_{uuid.uuid4().hex[:10]}"
    await connections.get("default").execute_script(
        f"""
        CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'refused by the test trigger'; END $$;
        CREATE TRIGGER {name} BEFORE UPDATE ON jira_issue_links FOR EACH ROW
        WHEN (NEW.jira_issue_id = '{jira_id}') EXECUTE FUNCTION {name}();
        """
    )
    return name


async def allow_link_updates(name: str) -> None:
    await connections.get("default").execute_script(
        f"DROP TRIGGER IF EXISTS {name} ON jira_issue_links; DROP FUNCTION IF EXISTS {name}();"
    )


@pytest.fixture
async def poisoned() -> AsyncIterator[tuple[int, list[Issue], str]]:
    """A stored title update whose processing fails until the trigger is dropped."""
    site_url, jira_id, issues = await world(1)
    payload = update(site_url, jira_id, "Secret title", "2026-03-01T10:00:00.000Z")
    delivery_id, _ = await store_delivery(uuid.uuid4().hex, payload)
    trigger = await refuse_link_updates(jira_id)
    try:
        yield delivery_id, issues, trigger
    finally:
        await allow_link_updates(trigger)


def test_backoff_doubles_up_to_the_cap() -> None:
    assert [retry_delay(n).total_seconds() for n in (1, 2, 3, 4)] == [60, 120, 240, 480]
    assert retry_delay(MAX_ATTEMPTS) == MAX_DELAY


async def test_sweeps_back_off_then_give_up_once_then_replay(
    poisoned: tuple[int, list[Issue], str], caplog: pytest.LogCaptureFixture
) -> None:
    delivery_id, issues, trigger = poisoned
    rt, bus = runtime()
    ctx = {"runtime": rt}

    # A sweep tries it once; an immediate second sweep leaves it alone (backoff).
    await sweep_jira_webhooks(ctx, grace=timedelta(0))
    row = await JiraWebhookDelivery.get(id=delivery_id)
    assert row.attempts == 1 and "refused by the test trigger" in (row.last_error or "")
    assert row.next_attempt_at is not None
    waited = row.next_attempt_at - datetime.now(UTC)
    assert timedelta(seconds=50) < waited <= retry_delay(1)
    await sweep_jira_webhooks(ctx, grace=timedelta(0))
    assert (await JiraWebhookDelivery.get(id=delivery_id)).attempts == 1

    # Each later attempt becomes due exactly when its backoff ends.
    caplog.set_level(logging.WARNING, logger="services.jira.webhooks")
    for attempt in range(2, MAX_ATTEMPTS + 1):
        due = row.next_attempt_at
        assert due is not None
        before_due = await pending_delivery_ids(FAR_PAST, now=due - timedelta(seconds=1))
        assert delivery_id not in before_due
        assert delivery_id in await pending_delivery_ids(FAR_PAST, now=due)
        started = datetime.now(UTC)
        if attempt < MAX_ATTEMPTS:
            with pytest.raises(Exception, match="refused by the test trigger"):
                await process_delivery(rt, delivery_id)
        else:
            assert await process_delivery(rt, delivery_id) == "dead"
        row = await JiraWebhookDelivery.get(id=delivery_id)
        assert row.attempts == attempt and row.next_attempt_at is not None
        backoff = row.next_attempt_at - retry_delay(attempt)
        assert started <= backoff <= datetime.now(UTC)

    assert row.dead_at is not None and row.processed_at is None
    assert "refused by the test trigger" in (row.last_error or "")
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert [r.getMessage() for r in errors] == [
        f"webhook delivery {delivery_id} (jira:issue_updated) gave up after {MAX_ATTEMPTS}"
        " attempts: RaiseError; replay it once fixed"
    ]
    assert "Secret title" not in caplog.text

    # Dead: never due again, the job and the processor leave it alone, nothing logged again.
    far_future = datetime.now(UTC) + timedelta(days=365)
    assert delivery_id not in await pending_delivery_ids(FAR_PAST, now=far_future)
    assert delivery_id in await dead_delivery_ids()
    assert await process_jira_webhook({**ctx, "job_try": 1}, delivery_id) == "dead"
    assert (await JiraWebhookDelivery.get(id=delivery_id)).attempts == MAX_ATTEMPTS
    assert len([r for r in caplog.records if r.levelno >= logging.ERROR]) == 1

    # The operator fixes the cause and replays: the next sweep applies it.
    await allow_link_updates(trigger)
    assert await replay_dead_deliveries([delivery_id]) == 1
    assert delivery_id in await pending_delivery_ids(FAR_PAST)
    await sweep_jira_webhooks(ctx, grace=timedelta(0))
    row = await JiraWebhookDelivery.get(id=delivery_id)
    assert row.processed_at is not None and row.dead_at is None and row.last_error is None
    await issues[0].refresh_from_db()
    assert issues[0].title == "Secret title"
    # The sweep is database-wide: a delivery an earlier test left pending may be applied too.
    ours = [event["kind"] for _, event in bus.events if event["issueId"] == str(issues[0].id)]
    assert ours == ["ISSUE_UPDATED"]


async def test_the_job_gives_up_instead_of_retrying_on_the_last_attempt(
    poisoned: tuple[int, list[Issue], str],
) -> None:
    delivery_id, _, _ = poisoned
    await JiraWebhookDelivery.filter(id=delivery_id).update(attempts=MAX_ATTEMPTS - 2)
    ctx = {"runtime": runtime()[0], "job_try": 3}
    with pytest.raises(Retry):  # not the last attempt yet
        await process_jira_webhook(ctx, delivery_id)
    assert await process_jira_webhook(ctx, delivery_id) == "dead"
    row = await JiraWebhookDelivery.get(id=delivery_id)
    assert row.attempts == MAX_ATTEMPTS and row.dead_at is not None


def test_deliveries_of_one_window_share_one_job_that_starts_when_it_ends() -> None:
    start = 1_790_000_000.0  # a window boundary (a multiple of 0.02 s)
    first_id, first_wait = window_job(start + 0.001)
    same_id, same_wait = window_job(start + 0.019)
    next_id, _ = window_job(start + 0.021)
    assert first_id == same_id != next_id
    assert first_wait == pytest.approx(0.019, abs=1e-6) and same_wait == pytest.approx(
        0.001, abs=1e-6
    )
    assert window_job(start + 0.001, window_s=1.0)[1] == pytest.approx(0.999, abs=1e-6)
