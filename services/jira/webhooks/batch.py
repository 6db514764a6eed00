"""One batch of Jira webhook deliveries applied in memory: the rows it touches read once (links
locked in id order), each delivery applied in turn to them, then each issue and link written
once. services/jira/webhooks/apply.py runs batches in their transactions."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from core.db import update_rows
from jira_cloud.filters import JiraIssueRef
from models.jira import JiraIssueLink, JiraSite, JiraWebhookDelivery, RoomJiraMapping
from models.rooms import Issue
from services.jira.import_rows import update_issues
from services.jira.subtasks import parent_key, webhook_parent, with_parent
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
from services.rooms.events import RoomEventKind

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
