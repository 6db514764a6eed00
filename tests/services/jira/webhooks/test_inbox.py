"""The webhook inbox and its processing, on the run's PostgreSQL database."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from tortoise.exceptions import DBConnectionError, IntegrityError, OperationalError

from core.settings import Settings
from models.jira import JiraConnection, JiraIssueLink, JiraSite, JiraWebhookDelivery
from models.rooms import Issue
from models.users import User
from services.jira.webhooks import apply as jira_webhooks
from services.jira.webhooks.apply import process_delivery
from services.jira.webhooks.inbox import (
    is_row_failure,
    prepare_delivery,
    site_url_of,
    store_deliveries,
    store_delivery,
)
from services.jira.webhooks.payloads import JiraEvent, description_text, parse_jira_datetime
from services.rooms import rooms
from services.runtime import Runtime


class RecordingBus:
    def __init__(self) -> None:
        self.events: list[tuple[str, dict[str, Any]]] = []

    async def publish(self, room_id: str, event: dict[str, Any]) -> None:
        self.events.append((room_id, event))


def runtime() -> tuple[Runtime, RecordingBus]:
    bus = RecordingBus()
    return Runtime(settings=Settings(agilekit_env="development"), bus=bus), bus  # type: ignore[arg-type]


async def world(rooms_count: int = 2) -> tuple[str, str, list[Issue]]:
    """A site (unique URL), a Jira issue id, and that issue linked into `rooms_count` rooms."""
    now = datetime.now(UTC)
    tag = uuid.uuid4().hex[:10]
    user = await User.create(subject=f"wh|{tag}", email=f"wh-{tag}@example.com")
    conn = await JiraConnection.create(
        user=user,
        access_expires_at=now,
        refresh_issued_at=now,
        refresh_family_started_at=now,
        connected_at=now,
        last_refreshed_at=now,
    )
    site_url = f"https://{tag}.atlassian.net"
    cloud_id = f"cloud-{tag}"
    await JiraSite.create(connection=conn, cloud_id=cloud_id, url=site_url, name=tag)
    jira_id = str(10_000 + int(tag[:4], 16))
    issues = []
    for n in range(rooms_count):
        room = await rooms.create_room(user, f"Room {n}", ["1", "2", "3"])
        issue = await rooms.add_issue(user, str(room.id), "Old title", None, None)
        await JiraIssueLink.create(
            issue=issue,
            connection=conn,
            cloud_id=cloud_id,
            jira_issue_id=jira_id,
            key="PLAT-1",
            url=f"{site_url}/browse/PLAT-1",
            last_synced_at=now,
        )
        issues.append(issue)
    return site_url, jira_id, issues


def update(site_url: str, jira_id: str, summary: str, updated: str, **extra: Any) -> dict:
    return {
        "timestamp": 1_790_000_000_000,
        "webhookEvent": "jira:issue_updated",
        "matchedWebhookIds": [7],
        "issue": {
            "id": jira_id,
            "self": f"{site_url}/rest/api/2/issue/{jira_id}",
            "key": "PLAT-1",
            "fields": {"summary": summary, "description": "h1. wiki *text*", "updated": updated},
        },
        "changelog": {"items": [{"field": "summary", "fieldId": "summary", "toString": summary}]},
        **extra,
    }


async def test_store_is_deduplicated_by_identifier(database_url: str) -> None:
    payload = update("https://x.atlassian.net", "1", "t", "2026-01-01T00:00:00.000+0000")
    ident = uuid.uuid4().hex
    first = await store_delivery(ident, payload)
    second = await store_delivery(ident, payload)
    assert first[1] is True and second == (first[0], False)
    assert await JiraWebhookDelivery.filter(identifier=ident).count() == 1
    row = await JiraWebhookDelivery.get(id=first[0])
    assert row.site_url == "https://x.atlassian.net" and row.matched_webhook_ids == [7]
    assert row.timestamp_ms == 1_790_000_000_000 and row.processed_at is None
    # The same identifier from another site is another delivery.
    other = await store_delivery(ident, {**payload, "issue": {"self": "https://y.net/rest/x"}})
    assert other[1] is True


async def test_many_stored_in_one_statement_keep_their_order_and_dedupe(
    database_url: str,
) -> None:
    payload = update("https://x.atlassian.net", "1", "t", "2026-01-01T00:00:00.000+0000")
    before, new, also_new = (uuid.uuid4().hex for _ in range(3))
    [stored_before] = await store_deliveries([prepare_delivery(before, payload)])
    rows = [prepare_delivery(ident, payload) for ident in (new, before, also_new, new)]
    results = await store_deliveries(rows)
    assert results[1] == (stored_before[0], False)  # stored earlier: its id, not again
    assert results[0][1] is True and results[2][1] is True
    assert results[3] == (results[0][0], False)  # repeated within the group
    assert stored_before[0] < results[0][0] < results[2][0]  # ids in the order given
    idents = [before, new, also_new]
    assert await JiraWebhookDelivery.filter(identifier__in=idents).count() == 3


def test_only_failures_a_row_may_cause_are_retried_row_by_row() -> None:
    assert is_row_failure(OperationalError("invalid input syntax for type json"))
    assert is_row_failure(IntegrityError("duplicate key"))
    assert not is_row_failure(DBConnectionError("connection refused"))
    assert not is_row_failure(ConnectionRefusedError())
    assert not is_row_failure(TimeoutError())


async def test_update_reaches_every_linked_issue_once_and_in_order(database_url: str) -> None:
    site_url, jira_id, issues = await world()
    rt, bus = runtime()
    newer, _ = await store_delivery(
        uuid.uuid4().hex, update(site_url, jira_id, "New", "2026-03-01T10:00:00.000+0100")
    )
    older, _ = await store_delivery(
        uuid.uuid4().hex, update(site_url, jira_id, "Stale", "2026-03-01T09:30:00.000+0100")
    )
    assert await process_delivery(rt, newer) == "jira:issue_updated:2"
    assert await process_delivery(rt, newer) == "already-processed"
    assert await process_delivery(rt, older) == "jira:issue_updated:0"
    for issue in issues:
        await issue.refresh_from_db()
        assert issue.title == "New" and issue.description == "h1. wiki *text*"
    link = await JiraIssueLink.get(issue_id=issues[0].id)
    assert link.jira_updated_at == datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    kinds = sorted((room, event["kind"]) for room, event in bus.events)
    assert kinds == sorted((str(i.room_id), "ISSUE_UPDATED") for i in issues)
    row = await JiraWebhookDelivery.get(id=older)
    assert row.processed_at is not None and row.attempts == 1


async def test_echo_of_pushed_estimate_is_a_noop(database_url: str) -> None:
    site_url, jira_id, issues = await world(1)
    await JiraIssueLink.filter(issue_id=issues[0].id).update(pushed_estimate="5")
    payload = update(site_url, jira_id, "Changed?", "2026-03-01T10:00:00.000+0000")
    payload["changelog"] = {"items": [{"fieldId": "customfield_10026", "toString": "5.0"}]}
    rt, bus = runtime()
    delivery_id, _ = await store_delivery(uuid.uuid4().hex, payload)
    await process_delivery(rt, delivery_id)
    await issues[0].refresh_from_db()
    assert issues[0].title == "Old title" and bus.events == []


@pytest.mark.parametrize(("pushed", "jira_says", "echo"), [("M", "M", True), ("M", "L", False)])
async def test_echo_of_a_pushed_select_option(
    database_url: str, pushed: str, jira_says: str, echo: bool
) -> None:
    site_url, jira_id, issues = await world(1)
    await JiraIssueLink.filter(issue_id=issues[0].id).update(pushed_estimate=pushed)
    payload = update(site_url, jira_id, "Renamed", "2026-03-01T10:00:00.000+0000")
    payload["changelog"] = {"items": [{"fieldId": "customfield_10026", "toString": jira_says}]}
    rt, bus = runtime()
    delivery_id, _ = await store_delivery(uuid.uuid4().hex, payload)
    await process_delivery(rt, delivery_id)
    await issues[0].refresh_from_db()
    assert (issues[0].title == "Old title") is echo and (bus.events == []) is echo


async def test_delete_marks_links_and_emits_issue_removed(database_url: str) -> None:
    site_url, jira_id, issues = await world(1)
    payload = update(site_url, jira_id, "x", "2026-03-01T10:00:00.000+0000")
    payload["webhookEvent"] = "jira:issue_deleted"
    rt, bus = runtime()
    delivery_id, _ = await store_delivery(uuid.uuid4().hex, payload)
    await process_delivery(rt, delivery_id)
    assert (await JiraIssueLink.get(issue_id=issues[0].id)).deleted_in_jira is True
    assert await Issue.filter(id=issues[0].id).exists()  # history kept
    assert [e["kind"] for _, e in bus.events] == ["ISSUE_REMOVED"]


async def test_unknown_site_touches_nothing(database_url: str) -> None:
    _, jira_id, issues = await world(1)
    payload = update("https://unknown.example", jira_id, "Hijack", "2026-03-01T10:00:00.000Z")
    delivery_id, _ = await store_delivery(uuid.uuid4().hex, payload)
    await process_delivery(runtime()[0], delivery_id)
    await issues[0].refresh_from_db()
    assert issues[0].title == "Old title"


async def test_created_hooks_receive_the_event(database_url: str) -> None:
    site_url, jira_id, _ = await world(1)
    seen: list[JiraEvent] = []

    async def hook(rt: Runtime, event: JiraEvent) -> None:
        seen.append(event)

    rt, _ = runtime()
    rt.hooks.jira_issue_entered.append(hook)
    payload = update(site_url, jira_id, "x", "2026-03-01T10:00:00.000Z")
    payload["webhookEvent"] = "jira:issue_created"
    delivery_id, _ = await store_delivery(uuid.uuid4().hex, payload)
    await process_delivery(rt, delivery_id)
    assert [(e.event, e.site_url, len(e.cloud_ids)) for e in seen] == [
        ("jira:issue_created", site_url, 1)
    ]


async def test_processing_failure_is_recorded_and_retried(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    site_url, jira_id, issues = await world(1)
    delivery_id, _ = await store_delivery(
        uuid.uuid4().hex, update(site_url, jira_id, "Later", "2026-03-01T10:00:00.000Z")
    )

    def broken(*args: Any) -> Any:
        raise RuntimeError("database hiccup")

    monkeypatch.setattr(jira_webhooks.Batch, "_update", broken)
    with pytest.raises(RuntimeError):
        await process_delivery(runtime()[0], delivery_id)
    monkeypatch.undo()
    row = await JiraWebhookDelivery.get(id=delivery_id)
    assert row.processed_at is None and row.attempts == 1 and "hiccup" in (row.last_error or "")
    await process_delivery(runtime()[0], delivery_id)
    await issues[0].refresh_from_db()
    assert issues[0].title == "Later"
    assert (await JiraWebhookDelivery.get(id=delivery_id)).attempts == 2


def test_helpers() -> None:
    assert site_url_of({"issue": {"self": "https://a.net/rest/api/2/issue/1"}}) == "https://a.net"
    assert site_url_of({}) == ""
    assert description_text({"type": "doc", "version": 1, "content": []}) is None
    assert description_text("plain") == "plain"
    assert parse_jira_datetime("2026-02-04T14:30:00.000-0300") == datetime(
        2026, 2, 4, 17, 30, tzinfo=UTC
    )
