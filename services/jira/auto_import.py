"""Auto-import: issues that enter a room's mapped sprint join the room (mappings with autoImport).

Two paths feed it:
- Webhooks: jira:issue_created with the issue in the sprint, and jira:issue_updated whose
  changelog moves it into the sprint (services.jira.webhooks.inbox hands both over). Routed by
  site and `matchedWebhookIds` (webhook ids are only unique within a site). Jira is asked once more
  (`sprint = N AND issuekey = K`, read-after-write via reconcileIssues) so a late delivery never
  imports an issue that has left the sprint since.
- A poll every 5 minutes per mapping (`sprint = N AND updated >= "-Xm"`) catches what webhooks
  missed: an expired registration, a delivery Jira gave up on. The first poll of a sprint takes
  the whole sprint, so turning autoImport on fills the room at once. Relative dates keep the
  query independent of the Jira user's time zone.

Jira is read with the room owner's connection; rooms whose owner is no longer PREMIUM are skipped.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from core.errors import ServiceError
from models.jira import JiraConnection, JiraIssueLink, RoomJiraMapping
from models.rooms import Room
from models.users import Plan
from services.jira import sprint_moves
from services.jira.browse import jira_errors
from services.jira.importing import IMPORT_FIELDS, store_issues, target_for
from services.jira.webhooks.payloads import JiraEvent, sprint_changes
from services.runtime import Runtime

log = logging.getLogger(__name__)

POLL_INTERVAL = timedelta(minutes=5)
# JQL dates are minute-granular and search is eventually consistent: poll a little further back.
POLL_OVERLAP_MINUTES = 2
PAGE_SIZE = 100
MAX_PAGES = 50  # a sprint of more than 5,000 issues is imported in part, and says so
ERROR_MAX = 1024


@dataclass(frozen=True)
class AutoImportResult:
    created: int = 0
    updated: int = 0
    complete: bool = True  # False: more pages than MAX_PAGES matched
    stopped: bool = False  # the mapped sprint is closed (the reason is on the mapping)


# ---- webhook path ------------------------------------------------------------------------------


def sprint_ids_in(payload: dict[str, Any]) -> set[int]:
    """Sprints the delivered issue is in: the sprint field's objects and the changelog's `to`."""
    fields: dict[str, Any] = (payload.get("issue") or {}).get("fields") or {}
    ids = {
        item["id"]
        for value in fields.values()
        if isinstance(value, list)
        for item in value
        if _is_sprint(item) and item.get("state") != "closed"
    }
    for item in sprint_changes(payload):
        parts = str(item.get("to") or "").split(",")
        ids |= {int(part) for part in parts if part.strip().isdigit()}
    return ids


def _is_sprint(item: Any) -> bool:
    """A Sprint field value (`boardId`, no `self`), or an agile-API sprint (`self`) as well."""
    if not isinstance(item, dict) or not isinstance(item.get("id"), int) or "state" not in item:
        return False
    return "boardId" in item or "originBoardId" in item or "/sprint/" in str(item.get("self"))


async def import_entered_issue(runtime: Runtime, event: JiraEvent) -> None:
    """The jira_issue_entered hook: import the issue into every routed mapping's room."""
    if event.event == "jira:issue_updated" and not sprint_changes(event.payload):
        return
    if event.event not in {"jira:issue_created", "jira:issue_updated"}:
        return
    issue = event.payload.get("issue") or {}
    issue_id, key = str(issue.get("id") or ""), str(issue.get("key") or "")
    # Closed sprints too: a mapping on one is told (and stops), as the poll's lookup does.
    sprint_ids = sprint_ids_in(event.payload) | set(sprint_moves.sprints_in_payload(event.payload))
    if not issue_id.isdigit() or not key or not sprint_ids:
        return
    routed = await routed_mappings(event, sprint_ids)
    for mapping in await sprint_moves.note_closed_sprints(runtime, routed, event.payload):
        if await _linked(mapping, issue_id):
            continue
        jql = f"sprint = {mapping.sprint_id} AND issuekey = {key}"
        await _run(runtime, mapping, jql, reconcile=[int(issue_id)])


async def routed_mappings(event: JiraEvent, sprint_ids: Iterable[int]) -> list[RoomJiraMapping]:
    """Auto-import mappings on the delivery's site and sprints whose webhook matched it."""
    if not event.cloud_ids:
        return []
    mappings = await RoomJiraMapping.filter(
        auto_import=True, cloud_id__in=event.cloud_ids, sprint_id__in=list(sprint_ids)
    )
    matched = {int(i) for i in event.payload.get("matchedWebhookIds") or [] if str(i).isdigit()}
    if not matched:  # e.g. an admin-registered webhook: site and sprint are enough
        return mappings
    return [m for m in mappings if matched & {int(i) for i in m.webhook_ids or []}]


async def _linked(mapping: RoomJiraMapping, jira_issue_id: str) -> bool:
    return await JiraIssueLink.filter(
        issue__room_id=mapping.room_id,  # type: ignore[attr-defined]
        cloud_id=mapping.cloud_id,
        jira_issue_id=jira_issue_id,
        deleted_in_jira=False,
    ).exists()


# ---- poll path ---------------------------------------------------------------------------------


async def due_mapping_ids(now: datetime | None = None) -> list[int]:
    """Mappings whose poll is due (never polled, sprint changed, or older than the interval);
    not those whose sprint was seen closed (choosing another sprint resets that)."""
    now = now or datetime.now(UTC)
    mappings = await RoomJiraMapping.filter(auto_import=True, sprint_id__not_isnull=True)
    due = [m for m in mappings if m.sprint_state != sprint_moves.CLOSED]
    return [m.id for m in due if _poll_jql(m, now) is not None]


async def poll_mapping(
    runtime: Runtime, mapping_id: int, now: datetime | None = None
) -> AutoImportResult:
    """One poll of one mapping; records when it began (the next poll's lower bound) on success."""
    now = now or datetime.now(UTC)
    mapping = await RoomJiraMapping.get_or_none(id=mapping_id, auto_import=True)
    jql = _poll_jql(mapping, now) if mapping else None
    if mapping is None or jql is None:
        return AutoImportResult()
    result = await _run(runtime, mapping, jql, poll=True)
    if result is not None:
        await RoomJiraMapping.filter(id=mapping.id).update(
            auto_imported_at=now, auto_import_sprint_id=mapping.sprint_id
        )
    return result or AutoImportResult()


def _poll_jql(mapping: RoomJiraMapping, now: datetime) -> str | None:
    if mapping.sprint_id is None:
        return None
    base = f"sprint = {mapping.sprint_id}"
    last = mapping.auto_imported_at
    if last is None or mapping.auto_import_sprint_id != mapping.sprint_id:
        return f"{base} ORDER BY rank"
    if now - last < POLL_INTERVAL - timedelta(seconds=30):  # cron jitter: a poll per interval
        return None
    minutes = math.ceil((now - last).total_seconds() / 60) + POLL_OVERLAP_MINUTES
    return f'{base} AND updated >= "-{minutes}m" ORDER BY rank'


async def mapping_saved(
    runtime: Runtime, previous: RoomJiraMapping | None, mapping: RoomJiraMapping
) -> None:
    """After setRoomJiraMapping: a newly enabled auto-import, or a new sprint, starts with a
    whole-sprint poll, queued at once so the room fills without waiting for the cron."""
    if not mapping.auto_import or mapping.sprint_id is None:
        return
    if previous is None or not previous.auto_import or previous.sprint_id != mapping.sprint_id:
        await RoomJiraMapping.filter(id=mapping.id).update(auto_imported_at=None)
    try:
        await enqueue_poll(runtime, mapping.id)
    except Exception as exc:  # Redis down: the mapping is saved; the 5-minute cron polls it
        log.warning("auto-import of mapping %s not queued: %s", mapping.id, type(exc).__name__)


async def enqueue_poll(runtime: Runtime, mapping_id: int) -> bool:
    """Queue a poll now (one per mapping per minute: the job id carries the minute)."""
    if runtime.scheduler is None:
        return False
    minute = datetime.now(UTC).strftime("%Y%m%d%H%M")
    return await runtime.scheduler.auto_import_sprint(
        mapping_id, f"auto-import:{mapping_id}:{minute}"
    )


# ---- shared ------------------------------------------------------------------------------------


async def _run(
    runtime: Runtime,
    mapping: RoomJiraMapping,
    jql: str,
    reconcile: list[int] | None = None,
    poll: bool = False,
) -> AutoImportResult | None:
    """Search and import; None (and the reason on the mapping) when Jira could not be read."""
    connection_id = mapping.connection_id  # type: ignore[attr-defined]
    connection = await JiraConnection.filter(id=connection_id).prefetch_related("user").first()
    if connection is None or connection.user.plan != Plan.PREMIUM:
        return None
    try:
        async with jira_errors():
            result = await _import_pages(runtime, mapping, connection, jql, reconcile or [], poll)
    except ServiceError as error:
        await _record_error(mapping, error.message)
        return None
    if result.stopped:
        return result
    if not result.complete:
        limit = f"{MAX_PAGES * PAGE_SIZE:,}"
        await _record_error(mapping, f"Only the first {limit} matching issues were imported.")
    elif mapping.auto_import_error:
        await RoomJiraMapping.filter(id=mapping.id).update(auto_import_error=None)
    if result.created:
        log.info("auto-import: room %s got %d new issue(s)", mapping.room_id, result.created)  # type: ignore[attr-defined]
    return result


async def _import_pages(
    runtime: Runtime,
    mapping: RoomJiraMapping,
    connection: JiraConnection,
    jql: str,
    reconcile: list[int],
    poll: bool = False,
) -> AutoImportResult:
    """The poll first looks the sprint up (closed: stop) and afterwards re-reads which of the
    room's issues are still in the sprint (services/jira/sprint_moves.py)."""
    target = await target_for(runtime, connection, mapping.cloud_id)
    if poll and not await sprint_moves.check_sprint_state(runtime, target.client, mapping):
        return AutoImportResult(stopped=True)
    room = await Room.get(id=mapping.room_id)  # type: ignore[attr-defined]
    created = updated = 0
    token: str | None = None
    for _ in range(MAX_PAGES):
        page = await target.client.search_jql(
            jql, token, PAGE_SIZE, fields=IMPORT_FIELDS, reconcile_issues=reconcile
        )
        if page.items:
            stored = await store_issues(room, target, page.items, runtime.bus)
            created, updated = created + stored.created, updated + stored.updated
        if page.is_last or not page.next_page_token:
            if poll:
                await sprint_moves.sync_in_sprint(runtime, target.client, mapping)
            return AutoImportResult(created, updated)
        token = page.next_page_token
    return AutoImportResult(created, updated, complete=False)


async def _record_error(mapping: RoomJiraMapping, message: str) -> None:
    log.warning("auto-import for room %s failed: %s", mapping.room_id, message)  # type: ignore[attr-defined]
    await RoomJiraMapping.filter(id=mapping.id).update(auto_import_error=message[:ERROR_MAX])
