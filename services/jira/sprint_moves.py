"""Sprint moves: whether a room's Jira issues are still in the room's mapped sprint, and
whether that sprint is still open.

- `JiraIssueLink.in_sprint` turns False when Jira moves the issue out of the mapping's sprint
  and back to True when it returns. Two paths see it: a jira:issue_updated delivery whose
  changelog changes the Sprint field (`apply_sprint_move`, a jira_issue_entered hook: Jira is
  asked `sprint = N AND issuekey = K` with reconcileIssues, so late or out-of-order deliveries
  never leave a stale answer), and the auto-import poll (`sync_in_sprint`: one id-only listing of
  `sprint = N` against the room's links). Each flip publishes IssueUpdated (the link is part of
  the Issue a client re-renders).
- `RoomJiraMapping.sprint_state` is the sprint's state as last seen ("future", "active",
  "closed"): set when the mapping is saved, by every poll (a sprint lookup), and by a delivery
  whose Sprint field shows the sprint closed. A closed sprint stops auto-import on both paths,
  with the reason in `auto_import_error`; choosing another sprint starts it again.

"In the sprint" is Jira's `sprint = N`, which keeps matching issues that were in N when it
closed; only an explicit move out (to another sprint or the backlog) makes a link False.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from jira_cloud.client import JiraClient
from models.jira import JiraIssueLink, RoomJiraMapping
from services.jira.clients import client_for_connection
from services.jira.webhooks.payloads import JiraEvent, sprint_changes
from services.rooms.events import RoomEventKind, publish_room_event
from services.runtime import Runtime

log = logging.getLogger(__name__)

CLOSED = "closed"
STATES = ("future", "active", "closed")
ID_PAGE_SIZE = 1000  # id-only search pages may be large (JIRA_CLOUD.md §2.9)
MAX_ID_PAGES = 10


def closed_message(sprint_name: str) -> str:
    return f"{sprint_name} was closed in Jira: choose another sprint."


async def record_sprint_state(
    runtime: Runtime, mapping: RoomJiraMapping, state: str, name: str
) -> bool:
    """Store the sprint's state as seen; a closed sprint stops auto-import and says why.
    True (and a RoomJiraMappingUpdated event) when anything changed."""
    if state not in STATES:
        return False
    values: dict[str, Any] = {"sprint_state": state}
    if state == CLOSED:
        values["auto_import_error"] = closed_message(name or f"Sprint {mapping.sprint_id}")
    if all(getattr(mapping, key) == value for key, value in values.items()):
        return False
    updated = await RoomJiraMapping.filter(id=mapping.id, sprint_id=mapping.sprint_id).update(
        **values
    )
    if not updated:  # the mapping moved to another sprint meanwhile
        return False
    for key, value in values.items():
        setattr(mapping, key, value)
    if state == CLOSED:
        log.info("room %s: mapped sprint %s closed in Jira", mapping.room_id, mapping.sprint_id)  # type: ignore[attr-defined]
    await publish_room_event(runtime.bus, mapping.room_id, RoomEventKind.ROOM_JIRA_MAPPING_UPDATED)  # type: ignore[attr-defined]
    return True


def sprints_in_payload(payload: dict[str, Any]) -> dict[int, dict[str, Any]]:
    """The Sprint field's objects in a delivered issue (closed ones too), by sprint id."""
    fields: dict[str, Any] = (payload.get("issue") or {}).get("fields") or {}
    found: dict[int, dict[str, Any]] = {}
    for value in fields.values():
        if not isinstance(value, list):
            continue
        for item in value:
            if (
                isinstance(item, dict)
                and isinstance(item.get("id"), int)
                and item.get("state") in STATES
                and ("boardId" in item or "originBoardId" in item)
            ):
                found[item["id"]] = item
    return found


def changed_sprint_ids(payload: dict[str, Any]) -> set[int]:
    """Sprint ids on either side of the delivery's Sprint changelog items."""
    ids: set[int] = set()
    for item in sprint_changes(payload):
        for side in ("from", "to"):
            parts = str(item.get(side) or "").split(",")
            ids |= {int(part) for part in parts if part.strip().isdigit()}
    return ids


async def note_closed_sprints(
    runtime: Runtime, mappings: Iterable[RoomJiraMapping], payload: dict[str, Any]
) -> list[RoomJiraMapping]:
    """Record the closed sprints a delivery shows; the mappings whose sprint is still open."""
    sprints = sprints_in_payload(payload)
    open_ones = []
    for mapping in mappings:
        seen = sprints.get(mapping.sprint_id or -1)
        if mapping.sprint_state == CLOSED:
            continue
        if seen is not None and seen.get("state") == CLOSED:
            await record_sprint_state(runtime, mapping, CLOSED, str(seen.get("name") or ""))
            continue
        open_ones.append(mapping)
    return open_ones


# ---- the webhook path --------------------------------------------------------------------------


async def apply_sprint_move(runtime: Runtime, event: JiraEvent) -> None:
    """jira_issue_entered hook: a Sprint change touching a room's mapped sprint re-reads, for
    each room holding the issue, whether it is still in that sprint."""
    if event.event != "jira:issue_updated" or not event.cloud_ids:
        return
    issue = event.payload.get("issue") or {}
    issue_id, key = str(issue.get("id") or ""), str(issue.get("key") or "")
    sprint_ids = changed_sprint_ids(event.payload)
    if not issue_id.isdigit() or not key or not sprint_ids:
        return
    links = await JiraIssueLink.filter(
        cloud_id__in=event.cloud_ids, jira_issue_id=issue_id, deleted_in_jira=False
    ).prefetch_related("issue")
    for link in links:
        mapping = await RoomJiraMapping.get_or_none(
            room_id=link.issue.room_id,  # type: ignore[attr-defined]
            cloud_id=link.cloud_id,
            sprint_id__in=list(sprint_ids),
        )
        if mapping is None or mapping.connection_id is None:  # type: ignore[attr-defined]
            continue
        client = await client_for_connection(runtime, mapping.connection_id, mapping.cloud_id)  # type: ignore[attr-defined]
        if client is None:
            continue
        jql = f"sprint = {mapping.sprint_id} AND issuekey = {key}"
        page = await client.search_jql(
            jql, None, 1, fields=("id",), reconcile_issues=[int(issue_id)]
        )
        await _set_in_sprint(runtime, [link], in_sprint=any(i.id == issue_id for i in page.items))


# ---- the poll path -----------------------------------------------------------------------------


async def check_sprint_state(
    runtime: Runtime, client: JiraClient, mapping: RoomJiraMapping
) -> bool:
    """Look the mapped sprint up; False when it is closed (recorded: the poll stops)."""
    if mapping.sprint_id is None:
        return False
    sprint = await client.get_sprint(mapping.sprint_id)
    await record_sprint_state(runtime, mapping, sprint.state, sprint.name)
    return sprint.state != CLOSED


async def sync_in_sprint(runtime: Runtime, client: JiraClient, mapping: RoomJiraMapping) -> int:
    """Compare the room's links on the site with Jira's `sprint = N` (ids only); flip the ones
    that left or returned. The number of links flipped. Skipped (0) when the listing is larger
    than MAX_ID_PAGES pages, rather than flag issues that were only not listed."""
    links = await JiraIssueLink.filter(
        issue__room_id=mapping.room_id,  # type: ignore[attr-defined]
        cloud_id=mapping.cloud_id,
        deleted_in_jira=False,
    ).prefetch_related("issue")
    if not links:
        return 0
    in_jira: set[str] = set()
    token: str | None = None
    for _ in range(MAX_ID_PAGES):
        page = await client.search_jql(
            f"sprint = {mapping.sprint_id} ORDER BY id", token, ID_PAGE_SIZE, fields=("id",)
        )
        in_jira |= {issue.id for issue in page.items}
        if page.is_last or not page.next_page_token:
            break
        token = page.next_page_token
    else:
        return 0
    left = [link for link in links if link.in_sprint and link.jira_issue_id not in in_jira]
    back = [link for link in links if not link.in_sprint and link.jira_issue_id in in_jira]
    await _set_in_sprint(runtime, left, in_sprint=False)
    await _set_in_sprint(runtime, back, in_sprint=True)
    return len(left) + len(back)


async def _set_in_sprint(runtime: Runtime, links: list[JiraIssueLink], in_sprint: bool) -> None:
    for link in links:
        if link.in_sprint == in_sprint:
            continue
        if not await JiraIssueLink.filter(id=link.id).update(in_sprint=in_sprint):
            continue
        link.in_sprint = in_sprint
        room_id = link.issue.room_id  # type: ignore[attr-defined]
        await publish_room_event(runtime.bus, room_id, RoomEventKind.ISSUE_UPDATED, link.issue_id)  # type: ignore[attr-defined]
