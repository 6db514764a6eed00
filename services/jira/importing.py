"""Importing Jira issues into a room: one bulk fetch, one transaction, then room events.

Issues are keyed by Jira's issue id within the room (keys change when issues move), so a
re-import updates the room issue and its link instead of adding a duplicate. The SQL is a fixed
number of bulk statements whatever the number of issues.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from core.bus import RoomBus
from core.db import fetch_models, fetch_rows, is_sqlite, placeholders
from core.errors import ErrorCode, ServiceError, invalid
from core.text import storable
from jira_cloud.adf import adf_to_text
from jira_cloud.client import JiraClient
from jira_cloud.filters import parent_of
from jira_cloud.types import JiraIssue
from models.jira import (
    JiraConnection,
    JiraIssueLink,
    RoomJiraMapping,
)
from models.rooms import Room
from models.users import User
from services.jira.browse import jira_call
from services.jira.clients import client_for_active
from services.jira.connection import require_connection
from services.jira.import_rows import (
    insert_linked_issues,
    issue_rows,
    update_issues_returning,
    update_links,
)
from services.jira.subtasks import parent_key, with_parent
from services.rooms.access import parse_room_id
from services.rooms.events import RoomEventKind, publish_room_event
from services.rooms.queries import Row
from services.rooms.rooms import MAX_TITLE, lock_room, require_issue_room, require_member
from services.runtime import Runtime

MAX_KEYS = 100
IMPORT_FIELDS = ("summary", "description", "status", "issuetype", "updated", "parent")
_ISSUE_KEY = re.compile(r"^[A-Z][A-Z0-9_]+-[1-9][0-9]*$")
_MAPPING_OF_ROOM = "SELECT * FROM room_jira_mappings WHERE room_id = $1 LIMIT 1"
_KNOWN_LINK_COLUMNS = "id, issue_id, jira_issue_id, jira_updated_at, parent_key"
# The room's links first (by the unique issue_id index: at most a room's issues), then those of
# these Jira issues. Written as one filter, the planner of a table that grew since it was last
# analyzed (a fresh database; autovacuum catches up within a minute) took every link of the
# site from the (cloud_id, jira_issue_id) index and filtered them: 3.3 ms for 8,500 links
# against 0.25 ms. Before, written as a join, it looped over every room's links to these Jira
# issues per room issue: 9 ms for 15 rooms, growing with each room that imports the same sprint.
_ROOM_LINKS = f"""WITH room_links AS MATERIALIZED (
  SELECT {_KNOWN_LINK_COLUMNS}, cloud_id FROM jira_issue_links
  WHERE issue_id = ANY(ARRAY(SELECT id FROM room_issues WHERE room_id = $1))
)
SELECT {_KNOWN_LINK_COLUMNS} FROM room_links WHERE cloud_id = $2 AND jira_issue_id IN ({{}})"""
_ROOM_LINKS_SQLITE = f"""SELECT {_KNOWN_LINK_COLUMNS} FROM jira_issue_links
WHERE issue_id IN (SELECT id FROM room_issues WHERE room_id = $1)
  AND cloud_id = $2 AND jira_issue_id IN ({{}})"""
_JIRA_UPDATED_AT = JiraIssueLink._meta.fields_map["jira_updated_at"]


@dataclass
class ImportResult:
    """Rows as the room's reads have them (services/rooms/queries: ISSUE_FIELDS and
    JIRA_LINK_FIELDS), as written in the import's transaction."""

    issues: list[Row] = field(default_factory=list)  # in the order of the requested keys
    links: dict[int, Row] = field(default_factory=dict)  # by room issue id
    room_ids: dict[str, int] = field(default_factory=dict)  # Jira issue id -> room issue id
    created: int = 0
    updated: int = 0
    errors: list[ServiceError] = field(default_factory=list)


@dataclass(frozen=True)
class ImportTarget:
    """Where the import reads from: a client for the site, and who owns the link."""

    client: JiraClient
    connection_id: int


def checked_keys(issue_keys: list[str]) -> tuple[list[str], list[ServiceError]]:
    """Distinct valid keys in their first order, and a VALIDATION error per invalid one."""
    if len(issue_keys) > MAX_KEYS:
        raise ServiceError(
            ErrorCode.VALIDATION, f"Import at most {MAX_KEYS} issues at a time.", "issueKeys"
        )
    keys: dict[str, None] = {}
    errors: list[ServiceError] = []
    for index, raw in enumerate(issue_keys):
        key = raw.strip()
        if _ISSUE_KEY.match(key):
            keys.setdefault(key)
        else:
            message = f"{raw[:40]!r} is not a Jira issue key (like PROJ-123)."
            errors.append(invalid(message, f"issueKeys[{index}]"))
    return list(keys), errors


async def import_issues(
    runtime: Runtime, user: User, room_id: str, issue_keys: list[str], bus: RoomBus | None
) -> ImportResult:
    """Import (or refresh) these issues into the room. Expected failures come back in the
    result's errors; RoomAccessDenied is raised for non-members."""
    room, target = await _room_and_target(runtime, user, room_id)
    keys, errors = checked_keys(issue_keys)
    result = ImportResult(errors=errors)
    if not keys:
        return result
    try:
        if isinstance(target, ServiceError):
            raise target
        fetched = await jira_call(target.client.bulkfetch(keys, fields=IMPORT_FIELDS))
    except ServiceError as error:
        result.errors.append(error)
        return result
    ordered, missing = _match(keys, fetched.issues)
    result.errors += [_not_found(key, issue_keys) for key in missing]
    if not ordered:
        return result
    stored = await store_issues(room, target, ordered, bus)
    stored.errors = result.errors
    return stored


async def store_issues(
    room: Room, target: ImportTarget, ordered: list[JiraIssue], bus: RoomBus | None
) -> ImportResult:
    """Upsert fetched issues into the room (one transaction), then publish their events; the
    result counts them, maps each Jira issue id to its room issue id and has their rows."""
    created, updated = await _upsert(room, target, ordered)
    result = ImportResult(room_ids={**created.ids, **updated.ids})
    result.created, result.updated = len(created.ids), len(updated.ids)
    issues = {**created.issues, **updated.issues}
    result.issues = [issues[result.room_ids[issue.id]] for issue in ordered]
    result.links = {**created.links, **updated.links}
    events = [(RoomEventKind.ISSUE_ADDED, i) for i in created.ids.values()]
    events += [(RoomEventKind.ISSUE_UPDATED, i) for i in updated.ids.values()]
    # Published together, in order: the Redis bus sends them in one round trip.
    await asyncio.gather(*(publish_room_event(bus, room.id, k, i) for k, i in events))
    return result


async def _room_and_target(
    runtime: Runtime, user: User, room_id: str
) -> tuple[Room, ImportTarget | ServiceError]:
    """The room (RoomAccessDenied unless a member) and the import's target or why there is
    none, looked up side by side: the membership check does not wait for the connection's
    lookups, nor they for it (nothing of them reaches Jira)."""
    if parse_room_id(room_id) is None:
        await require_member(user.id, room_id)  # raises: no such room (and no query with it)
    room, target = await asyncio.gather(
        require_member(user.id, room_id), _target(runtime, user, room_id), return_exceptions=True
    )
    if isinstance(room, BaseException):
        raise room
    if isinstance(target, BaseException) and not isinstance(target, ServiceError):
        raise target
    return room, target


async def _target(runtime: Runtime, user: User, room_id: str) -> ImportTarget:
    """The mapped site of the room if it has a mapping, else the connection's selected site."""
    connection, mappings = await asyncio.gather(
        require_connection(user),
        fetch_models(RoomJiraMapping, _MAPPING_OF_ROOM, room_id),
        return_exceptions=True,
    )
    if isinstance(connection, BaseException):  # its failure first, as when run in sequence
        raise connection
    if isinstance(mappings, BaseException):
        raise mappings
    return await target_for(runtime, connection, mappings[0].cloud_id if mappings else None)


async def target_for(
    runtime: Runtime, connection: JiraConnection, cloud_id: str | None
) -> ImportTarget:
    """A client for the connection's site `cloud_id` (its selected site when None)."""
    return ImportTarget(await client_for_active(runtime, connection, cloud_id), connection.id)


def _match(keys: list[str], issues: list[JiraIssue]) -> tuple[list[JiraIssue], list[str]]:
    """Fetched issues in the order of the keys, and the keys Jira did not return.

    A moved issue comes back under its new key; such issues are appended (still imported),
    and only as many requested keys as remain unexplained are reported missing."""
    by_key = {issue.key: issue for issue in issues}
    ordered = [by_key[key] for key in keys if key in by_key]
    unmatched_keys = [key for key in keys if key not in by_key]
    requested = set(keys)
    moved = [issue for issue in issues if issue.key not in requested]
    ordered += list({issue.id: issue for issue in moved}.values())
    missing = unmatched_keys if len(moved) < len(unmatched_keys) else []
    return ordered, missing


def _not_found(key: str, issue_keys: list[str]) -> ServiceError:
    index = next(i for i, raw in enumerate(issue_keys) if raw.strip() == key)
    return ServiceError(
        ErrorCode.JIRA_NOT_FOUND,
        f"{key}: not found or no permission to see it.",
        f"issueKeys[{index}]",
    )


def _parse_updated(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _title(issue: JiraIssue) -> str:
    return storable(issue.summary.strip() or issue.key)[:MAX_TITLE]


def _description(issue: JiraIssue) -> str | None:
    """Jira's description as text; a sub-task's opens with its parent (services/jira/subtasks)."""
    return with_parent(adf_to_text(issue.description), parent_of(issue))


@dataclass(frozen=True, slots=True)
class _KnownLink:
    """What a re-import needs of an existing link (a plain row: on 100 links the ORM's models
    cost more than the query)."""

    id: int
    issue_id: int
    jira_updated_at: datetime | None
    parent_key: str | None

    @classmethod
    def of(cls, row: Row) -> _KnownLink:
        updated_at = _JIRA_UPDATED_AT.to_python_value(row["jira_updated_at"])
        return cls(row["id"], row["issue_id"], updated_at, row["parent_key"])


@dataclass
class _Written:
    """What one side of an upsert wrote: room issue ids by Jira issue id, and the rows of
    the issues and of their links, by room issue id."""

    ids: dict[str, int] = field(default_factory=dict)
    issues: dict[int, Row] = field(default_factory=dict)
    links: dict[int, Row] = field(default_factory=dict)

    @classmethod
    def of(cls, ids: dict[str, int], issues: list[Row], links: list[Row]) -> _Written:
        by_id = {row["id"]: row for row in issues}
        return cls(ids, by_id, {row["issue_id"]: row for row in links})


async def _upsert(
    room: Room, target: ImportTarget, ordered: list[JiraIssue]
) -> tuple[_Written, _Written]:
    """Issues and links in one transaction: (created, updated)."""
    cloud_id, now = target.client.cloud_id, datetime.now(UTC)
    async with in_transaction() as connection:
        # The room lock serialises imports (positions, and one link per Jira issue per room).
        await lock_room(connection, room.id)
        jira_ids = [issue.id for issue in ordered]
        room_links = _ROOM_LINKS_SQLITE if is_sqlite(connection) else _ROOM_LINKS
        sql = room_links.format(placeholders(len(jira_ids), first=3))
        links = await fetch_rows(connection, sql, str(room.id), cloud_id, *jira_ids)
        existing = {row["jira_issue_id"]: _KnownLink.of(row) for row in links}
        fresh = [issue for issue in ordered if issue.id not in existing]
        known = [issue for issue in ordered if issue.id in existing]
        # Re-imports add nothing: no capacity to check (every addition is checked by it).
        last = await require_issue_room(room.id, len(fresh)) if fresh else 0
        updated = await _update(connection, existing, known, now)
        created = await _create(connection, room, target, fresh, now, last)
    return created, updated


async def _update(
    connection: BaseDBAsyncClient,
    existing: dict[str, _KnownLink],
    issues: list[JiraIssue],
    now: datetime,
) -> _Written:
    if not issues:
        return _Written()
    fresh: list[tuple[int, str, str | None]] = []
    link_rows: list[tuple[int, str, str, datetime | None, str | None]] = []
    for jira_issue in issues:
        link = existing[jira_issue.id]
        watermark = link.jira_updated_at
        jira_updated = _parse_updated(jira_issue.updated)
        parent = link.parent_key
        # A webhook may have applied a newer state since our fetch: keep it.
        if not (watermark and jira_updated and jira_updated < watermark):
            fresh.append((link.issue_id, _title(jira_issue), _description(jira_issue)))
            watermark = jira_updated or watermark
            parent = parent_key(parent_of(jira_issue))
        link_rows.append((link.id, jira_issue.key, jira_issue.url, watermark, parent))
    ids: dict[str, int] = {issue.id: existing[issue.id].issue_id for issue in issues}
    rows = await update_issues_returning(connection, fresh, now)
    kept = set(ids.values()) - {row["id"] for row in rows}  # a newer webhook state stays
    if kept:
        rows += await issue_rows(connection, list(kept))
    return _Written.of(ids, rows, await update_links(connection, link_rows, now))


async def _create(
    connection: BaseDBAsyncClient,
    room: Room,
    target: ImportTarget,
    issues: list[JiraIssue],
    now: datetime,
    last_position: int,
) -> _Written:
    """New issues after the room's last position, and their links."""
    if not issues:
        return _Written()
    rows = [
        (position, _title(issue), _description(issue))
        for position, issue in enumerate(issues, start=last_position + 1)
    ]
    links = [
        (
            issue.id,
            issue.key,
            issue.url,
            _parse_updated(issue.updated),
            parent_key(parent_of(issue)),
        )
        for issue in issues
    ]
    written, link_rows = await insert_linked_issues(
        connection, room.id, rows, links, target.connection_id, target.client.cloud_id, now
    )
    created = {issue.id: row["id"] for row, issue in zip(written, issues, strict=True)}
    return _Written.of(created, written, link_rows)
