"""The import's bulk statements: a fixed number whatever the number of issues.

PostgreSQL inserts and updates from arrays (`unnest`) in one statement per table, the inserts
returning the new ids (no Tortoise model objects are built for rows we only write). The
embedded SQLite default keeps the ORM's bulk_create and per-row updates (in-process: no
round trips to save).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from tortoise.backends.base.client import BaseDBAsyncClient

from core.db import is_sqlite, update_rows
from models.jira import EstimatePushStatus, JiraIssueLink
from models.rooms import Issue, IssueStatus

# (position, title, description)
IssueRow = tuple[int, str, str | None]
# (room issue id, connection id, cloud id, Jira issue id, key, url, Jira updated, parent key)
LinkRow = tuple[int, int, str, str, str, str, datetime | None, str | None]

_INSERT_ISSUES = """
INSERT INTO room_issues (room_id, position, title, description, status, voting_round,
                         created_at, updated_at)
SELECT $1, u.position, u.title, u.description, $5, 0, $6, $6
FROM unnest($2::int[], $3::varchar[], $4::text[]) WITH ORDINALITY AS u(position, title,
                                                                       description, n)
ORDER BY u.n
RETURNING id, position"""
_INSERT_LINKS = """
INSERT INTO jira_issue_links (issue_id, connection_id, cloud_id, jira_issue_id, "key", url,
                              jira_updated_at, parent_key, last_synced_at, push_status,
                              deleted_in_jira, in_sprint)
SELECT u.issue_id, u.connection_id, u.cloud_id, u.jira_issue_id, u.key, u.url,
       u.jira_updated_at, u.parent_key, $9, $10, FALSE, TRUE
FROM unnest($1::bigint[], $2::bigint[], $3::varchar[], $4::varchar[], $5::varchar[],
            $6::varchar[], $7::timestamptz[], $8::varchar[]) WITH ORDINALITY
    AS u(issue_id, connection_id, cloud_id, jira_issue_id, key, url, jira_updated_at,
         parent_key, n)
ORDER BY u.n"""

_UPDATE_ISSUES = """
UPDATE room_issues AS i SET title = u.title, description = u.description, updated_at = $4
FROM unnest($1::bigint[], $2::varchar[], $3::text[]) AS u(id, title, description)
WHERE i.id = u.id"""
_UPDATE_LINKS = """
UPDATE jira_issue_links AS l
SET "key" = u.key, url = u.url, jira_updated_at = u.jira_updated_at, last_synced_at = $6,
    deleted_in_jira = FALSE, parent_key = u.parent_key
FROM unnest($1::bigint[], $2::varchar[], $3::varchar[], $4::timestamptz[], $5::varchar[])
    AS u(id, key, url, jira_updated_at, parent_key)
WHERE l.id = u.id"""
# The embedded SQLite twins: the same parameters, one row at a time.
_UPDATE_ISSUE_SQLITE = """
UPDATE room_issues SET title = ?2, description = ?3, updated_at = ?4 WHERE id = ?1"""
_UPDATE_LINK_SQLITE = """
UPDATE jira_issue_links
SET "key" = ?2, url = ?3, jira_updated_at = ?4, parent_key = ?5, last_synced_at = ?6,
    deleted_in_jira = 0
WHERE id = ?1"""


def _columns(rows: Sequence[tuple[object, ...]], width: int) -> list[list[object]]:
    return [list(column) for column in zip(*rows, strict=True)] if rows else [[]] * width


async def insert_issues(
    connection: BaseDBAsyncClient, room_id: uuid.UUID, rows: Sequence[IssueRow], now: datetime
) -> list[int]:
    """New room issues (status pending, round 0); their ids in the order of `rows`."""
    if not rows:
        return []
    positions = [row[0] for row in rows]
    if is_sqlite(connection):
        await Issue.bulk_create(
            [
                Issue(
                    room_id=room_id,
                    position=position,
                    title=title,
                    description=description,
                    created_at=now,
                    updated_at=now,
                )
                for position, title, description in rows
            ],
            using_db=connection,
        )
        found = await (
            Issue.filter(room_id=room_id, position__in=positions)
            .using_db(connection)
            .values_list("position", "id")
        )
    else:
        values = [room_id, *_columns(rows, 3), IssueStatus.PENDING.value, now]
        records = await connection.execute_query_dict(_INSERT_ISSUES, values)
        found = [(record["position"], record["id"]) for record in records]
    id_at = {int(position): int(issue_id) for position, issue_id in found}  # type: ignore[call-overload]
    return [id_at[position] for position in positions]


async def insert_links(
    connection: BaseDBAsyncClient, rows: Sequence[LinkRow], now: datetime
) -> None:
    """New links (not pushed, in the sprint, not deleted in Jira), synced `now`."""
    if not rows:
        return
    if is_sqlite(connection):
        await JiraIssueLink.bulk_create(
            [
                JiraIssueLink(
                    issue_id=issue_id,
                    connection_id=connection_id,
                    cloud_id=cloud_id,
                    jira_issue_id=jira_issue_id,
                    key=key,
                    url=url,
                    last_synced_at=now,
                    jira_updated_at=jira_updated_at,
                    parent_key=parent_key,
                )
                for (
                    issue_id,
                    connection_id,
                    cloud_id,
                    jira_issue_id,
                    key,
                    url,
                    jira_updated_at,
                    parent_key,
                ) in rows
            ],
            using_db=connection,
        )
        return
    values = [*_columns(rows, 8), now, EstimatePushStatus.NOT_PUSHED.value]
    await connection.execute_query(_INSERT_LINKS, values)


async def update_issues(
    connection: BaseDBAsyncClient, rows: Sequence[tuple[int, str, str | None]], now: datetime
) -> None:
    """(room issue id, title, description) rows."""
    await update_rows(connection, rows, [now], postgres=_UPDATE_ISSUES, sqlite=_UPDATE_ISSUE_SQLITE)


async def update_links(
    connection: BaseDBAsyncClient,
    rows: Sequence[tuple[int, str, str, datetime | None, str | None]],
    now: datetime,
) -> None:
    """(link id, key, url, Jira updated, parent key) rows; synced `now`, not deleted."""
    await update_rows(connection, rows, [now], postgres=_UPDATE_LINKS, sqlite=_UPDATE_LINK_SQLITE)
