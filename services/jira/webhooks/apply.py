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

import contextlib
import logging
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import F, Q
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from core.db import update_rows
from core.tracing import Context, SpanKind
from jira_cloud.filters import JiraIssueRef
from models.jira import JiraIssueLink, JiraSite, JiraWebhookDelivery, RoomJiraMapping
from models.rooms import Issue
from services.jira.import_rows import update_issues
from services.jira.subtasks import parent_key, webhook_parent, with_parent
from services.jira.webhooks.inbox import trace_subject
from services.jira.webhooks.payloads import (
    JiraEvent,
    changelog_items,
    description_text,
    happened_at,
    issue_fields,
    jira_issue_id,
    same_value,
    sprint_changes,
)
from services.jira.webhooks.retries import pending_delivery_ids, record_failure
from services.rooms.events import RoomEventKind, publish_room_event
from services.runtime import Runtime, run_hooks

log = logging.getLogger(__name__)

BATCH_SIZE = 200
TITLE_MAX = 255
UPDATED, DELETED, CREATED = "jira:issue_updated", "jira:issue_deleted", "jira:issue_created"

Change = tuple[int, RoomEventKind, int]  # (room id, kind, issue id), published after commit

_UPDATE_LINKS = """
UPDATE jira_issue_links AS l
SET jira_updated_at = u.jira_updated_at, parent_key = u.parent_key,
    deleted_in_jira = u.deleted_in_jira, last_synced_at = $5
FROM unnest($1::bigint[], $2::timestamptz[], $3::varchar[], $4::boolean[])
    AS u(id, jira_updated_at, parent_key, deleted_in_jira)
WHERE l.id = u.id"""
_UPDATE_LINK_SQLITE = """
UPDATE jira_issue_links
SET jira_updated_at = ?2, parent_key = ?3, deleted_in_jira = ?4, last_synced_at = ?5
WHERE id = ?1"""


@dataclass
class Applied:
    """What one transaction did: each delivery's outcome, the room events to publish (each
    with the last delivery that caused it), the hooks' events and the Jira timestamps (ms) of
    the deliveries applied now."""

    outcomes: dict[int, str] = field(default_factory=dict)
    changes: dict[Change, int] = field(default_factory=dict)
    events: list[JiraEvent] = field(default_factory=list)
    happened_ms: list[int] = field(default_factory=list)


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


class Batch:
    """The rows a batch of deliveries touches, read once (links locked), written once."""

    def __init__(
        self,
        cloud_ids: dict[str, set[str]],
        links: list[JiraIssueLink],
        echo_fields: dict[int, str | None],
    ) -> None:
        self.cloud_ids = cloud_ids  # site URL -> cloud ids
        self.links: dict[str, list[JiraIssueLink]] = {}
        for link in links:
            self.links.setdefault(link.jira_issue_id, []).append(link)
        self.echo_fields = echo_fields  # room id -> its mapping's story-points field
        self.issues: dict[int, Issue] = {}
        self.touched: dict[int, JiraIssueLink] = {}
        self.now = datetime.now(UTC)

    @classmethod
    async def load(cls, deliveries: list[JiraWebhookDelivery]) -> Batch:
        sites = {d.site_url for d in deliveries if d.site_url}
        urls = [*sites, *(f"{site}/" for site in sites)]
        cloud_ids: dict[str, set[str]] = {}
        for url, cloud_id in await JiraSite.filter(url__in=urls).values_list("url", "cloud_id"):
            cloud_ids.setdefault(str(url).rstrip("/"), set()).add(str(cloud_id))
        wanted = {jira_issue_id(d.payload) for d in deliveries if d.event in (UPDATED, DELETED)}
        wanted.discard("")
        clouds = set().union(*cloud_ids.values())
        links: list[JiraIssueLink] = []
        if wanted and clouds:
            links = (
                await JiraIssueLink.filter(cloud_id__in=clouds, jira_issue_id__in=wanted)
                .order_by("id")
                .select_for_update()
                .prefetch_related("issue")
            )
        rooms = {link.issue.room_id for link in links if link.pushed_estimate is not None}  # type: ignore[attr-defined]
        echo_fields: dict[int, str | None] = {}
        if rooms:
            query = RoomJiraMapping.filter(room_id__in=rooms)
            echo_fields = dict(await query.values_list("room_id", "story_points_field_id"))
        return cls(cloud_ids, links, echo_fields)

    def apply(self, delivery: JiraWebhookDelivery, applied: Applied) -> str:
        """Apply one delivery to the batch's rows in memory; its outcome."""
        payload: dict[str, Any] = delivery.payload
        cloud_ids = self.cloud_ids.get(delivery.site_url, set())
        links = [
            link
            for link in self.links.get(jira_issue_id(payload), [])
            if link.cloud_id in cloud_ids
        ]
        changes: list[Change] = []
        entered = False
        if delivery.event == UPDATED:
            changes = self._update(payload, links, delivery.timestamp_ms)
            entered = bool(sprint_changes(payload))  # may bring the issue into a mapped sprint
        elif delivery.event == DELETED:
            changes = self._delete(links)
        else:
            entered = delivery.event == CREATED or delivery.event.startswith("sprint_")
        if entered:
            sites = sorted(cloud_ids)
            applied.events.append(JiraEvent(delivery.event, delivery.site_url, sites, payload))
        for change in changes:
            applied.changes[change] = delivery.id
        if delivery.timestamp_ms is not None:
            applied.happened_ms.append(delivery.timestamp_ms)
        return f"{delivery.event}:{len(changes)}"

    def _update(
        self, payload: dict[str, Any], links: list[JiraIssueLink], timestamp_ms: int | None
    ) -> list[Change]:
        fields, items = issue_fields(payload), changelog_items(payload)
        when = happened_at(payload, timestamp_ms)
        changes: list[Change] = []
        for link in links:
            if link.jira_updated_at and when and when < link.jira_updated_at:
                continue  # an older state arriving late: the newer one is already applied
            if self._is_echo(items, link):
                continue
            issue: Issue = link.issue
            knows_parent, parent = webhook_parent(fields, items)
            if not knows_parent and link.parent_key:  # a body without the field: keep it
                parent = JiraIssueRef(id="", key=link.parent_key, summary=None)
            changed = apply_text(issue, fields, parent)
            if knows_parent and link.parent_key != parent_key(parent):  # re-parented in Jira
                link.parent_key, changed = parent_key(parent), True
            if changed:
                self.issues[issue.id] = issue
                changes.append((issue.room_id, RoomEventKind.ISSUE_UPDATED, issue.id))  # type: ignore[attr-defined]
            link.jira_updated_at = when or link.jira_updated_at
            self._touch(link)
        return changes

    def _delete(self, links: list[JiraIssueLink]) -> list[Change]:
        changes: list[Change] = []
        for link in links:
            if link.deleted_in_jira:
                continue
            link.deleted_in_jira = True
            self._touch(link)
            issue: Issue = link.issue
            changes.append((issue.room_id, RoomEventKind.ISSUE_REMOVED, issue.id))  # type: ignore[attr-defined]
        return changes

    def _is_echo(self, items: list[Any], link: JiraIssueLink) -> bool:
        """Only the story-points field changed, to the value we pushed: our own write back."""
        if not items or link.pushed_estimate is None:
            return False
        field_id = self.echo_fields.get(link.issue.room_id)  # type: ignore[attr-defined]
        return all(
            isinstance(item, dict)
            and (field_id is None or item.get("fieldId") == field_id)
            and same_value(item.get("toString"), link.pushed_estimate)
            for item in items
        )

    def _touch(self, link: JiraIssueLink) -> None:
        link.last_synced_at = self.now
        self.touched[link.id] = link

    async def save(self, connection: BaseDBAsyncClient) -> None:
        """One statement per table on PostgreSQL, whatever the batch's size."""
        issues = [(i.id, i.title, i.description) for i in self.issues.values()]
        await update_issues(connection, issues, self.now)
        links = [
            (link.id, link.jira_updated_at, link.parent_key, link.deleted_in_jira)
            for link in self.touched.values()
        ]
        await update_rows(
            connection, links, [self.now], postgres=_UPDATE_LINKS, sqlite=_UPDATE_LINK_SQLITE
        )


def apply_text(issue: Issue, fields: dict[str, Any], parent: JiraIssueRef | None = None) -> bool:
    """Title and description from the body; a sub-task's description keeps its parent line."""
    before = (issue.title, issue.description)
    if isinstance(fields.get("summary"), str) and fields["summary"].strip():
        issue.title = fields["summary"].strip()[:TITLE_MAX]
    if "description" in fields:
        issue.description = with_parent(description_text(fields["description"]), parent)
    return (issue.title, issue.description) != before


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
    for delivery_id, changes in by_delivery.items():
        with _delivery_span(runtime, delivery_id, applied.outcomes[delivery_id], parents):
            for room_id, kind, issue_id in changes:
                await publish_room_event(runtime.bus, room_id, kind, issue_id, tracer=tracer)
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
