"""The import's bulk statements: a fixed number whatever the number of issues.

PostgreSQL writes from arrays (`unnest`): new issues and their links in one statement, updates
one statement per table. The statements return the rows they wrote as plain dicts (the columns
of the room read's ISSUE_FIELDS and JIRA_LINK_FIELDS): what the import answers with, without a
read after the commit or a Tortoise model per row. The embedded SQLite default keeps the ORM's
bulk_create and per-row updates, then reads the rows in the same transaction (in-process: no
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
from services.rooms.queries import ISSUE_FIELDS, JIRA_LINK_FIELDS, Row

# (position, title, description)
IssueRow = tuple[int, str, str | None]
# (Jira issue id, key, url, Jira updated, parent key): a new issue's link
NewLink = tuple[str, str, str, datetime | None, str | None]


def _returning(alias: str, names: tuple[str, ...]) -> str:
    return "RETURNING " + ", ".join(f'{alias}"{name}"' for name in names)


_STATS = Issue._meta.fields_map["stats"]  # JSON, which asyncpg hands over as text

_LINK_PREFIX = "link_"
# Both inserts in one statement (one round trip): each link joins its issue by position, new
# and unique in the room (the import holds the room's lock).
_INSERT_LINKED = f"""
WITH u AS (
  SELECT * FROM unnest($2::int[], $3::varchar[], $4::text[], $5::varchar[], $6::varchar[],
                       $7::varchar[], $8::timestamptz[], $9::varchar[]) WITH ORDINALITY
    AS u(position, title, description, jira_issue_id, key, url, jira_updated_at, parent_key, n)
), issues AS (
  INSERT INTO room_issues (room_id, position, title, description, status, voting_round,
                           created_at, updated_at)
  SELECT $1, u.position, u.title, u.description, $10, 0, $11, $11 FROM u ORDER BY u.n
  {_returning("", ISSUE_FIELDS)}
), links AS (
  INSERT INTO jira_issue_links (issue_id, connection_id, cloud_id, jira_issue_id, "key", url,
                                jira_updated_at, parent_key, last_synced_at, push_status,
                                deleted_in_jira, in_sprint)
  SELECT i.id, $12, $13, u.jira_issue_id, u.key, u.url, u.jira_updated_at, u.parent_key, $11,
         $14, FALSE, TRUE
  FROM u JOIN issues i ON i.position = u.position ORDER BY u.n
  {_returning("", JIRA_LINK_FIELDS)}
)
SELECT {", ".join(f'i."{name}"' for name in ISSUE_FIELDS)},
       {", ".join(f'l."{name}" AS "{_LINK_PREFIX}{name}"' for name in JIRA_LINK_FIELDS)}
FROM issues i JOIN links l ON l.issue_id = i.id"""

_UPDATE_ISSUES = """
UPDATE room_issues AS i SET title = u.title, description = u.description, updated_at = $4
FROM unnest($1::bigint[], $2::varchar[], $3::text[]) AS u(id, title, description)
WHERE i.id = u.id"""
_UPDATE_ISSUES_RETURNING = f"{_UPDATE_ISSUES}\n{_returning('i.', ISSUE_FIELDS)}"
_UPDATE_LINKS = f"""
UPDATE jira_issue_links AS l
SET "key" = u.key, url = u.url, jira_updated_at = u.jira_updated_at, last_synced_at = $6,
    deleted_in_jira = FALSE, parent_key = u.parent_key
FROM unnest($1::bigint[], $2::varchar[], $3::varchar[], $4::timestamptz[], $5::varchar[])
    AS u(id, key, url, jira_updated_at, parent_key)
WHERE l.id = u.id
{_returning("l.", JIRA_LINK_FIELDS)}"""
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


async def insert_linked_issues(
    connection: BaseDBAsyncClient,
    room_id: uuid.UUID,
    issues: Sequence[IssueRow],
    links: Sequence[NewLink],
    connection_id: int,
    cloud_id: str,
    now: datetime,
) -> tuple[list[Row], list[Row]]:
    """New room issues (pending, round 0), each with its link (in `links`' same order: not
    pushed, in the sprint, synced `now`); the rows of both, the issues' in `issues`' order."""
    if not issues:
        return [], []
    if is_sqlite(connection):
        stored = await _insert_issues_sqlite(connection, room_id, issues, now)
        link_models = [
            JiraIssueLink(
                issue_id=issue["id"],
                connection_id=connection_id,
                cloud_id=cloud_id,
                jira_issue_id=jira_issue_id,
                key=key,
                url=url,
                last_synced_at=now,
                jira_updated_at=jira_updated_at,
                parent_key=parent_key,
            )
            for issue, (jira_issue_id, key, url, jira_updated_at, parent_key) in zip(
                stored, links, strict=True
            )
        ]
        await JiraIssueLink.bulk_create(link_models, using_db=connection)
        return stored, await link_rows(connection, [issue["id"] for issue in stored])
    values = [
        room_id,
        *_columns(issues, 3),
        *_columns(links, 5),
        IssueStatus.PENDING.value,
        now,
        connection_id,
        cloud_id,
        EstimatePushStatus.NOT_PUSHED.value,
    ]
    written = await connection.execute_query_dict(_INSERT_LINKED, values)
    at: dict[int, Row] = {}
    new_links: list[Row] = []
    for joined in written:
        issue = {name: joined[name] for name in ISSUE_FIELDS}
        at[issue["position"]] = issue
        new_links.append({name: joined[_LINK_PREFIX + name] for name in JIRA_LINK_FIELDS})
    return _decoded([at[position] for position, _, _ in issues]), new_links


async def _insert_issues_sqlite(
    connection: BaseDBAsyncClient, room_id: uuid.UUID, issues: Sequence[IssueRow], now: datetime
) -> list[Row]:
    """The ORM's bulk_create, then the rows read back, in `issues`' order."""
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
            for position, title, description in issues
        ],
        using_db=connection,
    )
    positions = [row[0] for row in issues]
    query = Issue.filter(room_id=room_id, position__in=positions).using_db(connection)
    at = {row["position"]: row for row in await query.values(*ISSUE_FIELDS)}
    return [at[position] for position, _, _ in issues]


async def update_issues(
    connection: BaseDBAsyncClient, rows: Sequence[tuple[int, str, str | None]], now: datetime
) -> None:
    """(room issue id, title, description) rows."""
    await update_rows(connection, rows, [now], postgres=_UPDATE_ISSUES, sqlite=_UPDATE_ISSUE_SQLITE)


async def update_issues_returning(
    connection: BaseDBAsyncClient, rows: Sequence[tuple[int, str, str | None]], now: datetime
) -> list[Row]:
    """update_issues, returning the updated issues' rows (in no particular order)."""
    if not rows:
        return []
    if is_sqlite(connection):
        await update_issues(connection, rows, now)
        return await issue_rows(connection, [row[0] for row in rows])
    values = [*_columns(rows, 3), now]
    return _decoded(await connection.execute_query_dict(_UPDATE_ISSUES_RETURNING, values))


async def update_links(
    connection: BaseDBAsyncClient,
    rows: Sequence[tuple[int, str, str, datetime | None, str | None]],
    now: datetime,
) -> list[Row]:
    """(link id, key, url, Jira updated, parent key) rows; synced `now`, not deleted. Returns
    the links' rows (in no particular order)."""
    if not rows:
        return []
    if not is_sqlite(connection):
        return await connection.execute_query_dict(_UPDATE_LINKS, [*_columns(rows, 5), now])
    await connection.execute_many(_UPDATE_LINK_SQLITE, [[*row, now] for row in rows])
    found = JiraIssueLink.filter(id__in=[row[0] for row in rows]).using_db(connection)
    return await found.values(*JIRA_LINK_FIELDS)


async def issue_rows(connection: BaseDBAsyncClient, ids: Sequence[int]) -> list[Row]:
    return await Issue.filter(id__in=ids).using_db(connection).values(*ISSUE_FIELDS)


async def link_rows(connection: BaseDBAsyncClient, issue_ids: Sequence[int]) -> list[Row]:
    found = JiraIssueLink.filter(issue_id__in=issue_ids).using_db(connection)
    return await found.values(*JIRA_LINK_FIELDS)


def _decoded(rows: list[Row]) -> list[Row]:
    """Issue rows as the ORM reads them: `stats` parsed from its JSON text."""
    for row in rows:
        row["stats"] = _STATS.to_python_value(row["stats"])
    return rows
