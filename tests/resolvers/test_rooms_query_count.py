"""`room { issues { votes { user { name } } } }` costs the same SQL for 10 and 200 issues.

Counting needs the queries of one request, so this test runs the schema in this process
(against the run's PostgreSQL) and counts what Tortoise's client sends.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from core.settings import Settings
from models.jira import JiraIssueLink
from models.rooms import Issue, IssueStatus, RoomMember, Vote
from models.users import User
from schema.composition import build_schema
from schema.context import Context
from services.rooms.rooms import create_room
from services.runtime import Runtime

QUERY = """query($r: ID!) { room(id: $r) { issues { title votes { value user { name } }
  jiraLink { key url pushStatus deletedInJira } } } }"""


@contextmanager
def counted_queries() -> Iterator[list[str]]:
    queries: list[str] = []

    class Counter(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.args:  # query logs are "%s: %s" % (sql, values); pool logs differ
                queries.append(str(record.args[0]))

    logger = logging.getLogger("tortoise.db_client")
    handler, level = Counter(level=logging.DEBUG), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield queries
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


async def make_room(issues: int, voters: list[User]) -> str:
    room = await create_room(voters[0], f"count {issues}")
    await RoomMember.bulk_create(
        [RoomMember(room_id=room.id, user_id=u.id) for u in voters[1:]], ignore_conflicts=True
    )
    await Issue.bulk_create(
        [
            Issue(room_id=room.id, position=n, title=f"issue {n}", status=IssueStatus.REVEALED)
            for n in range(1, issues + 1)
        ]
    )
    ids = await Issue.filter(room_id=room.id).values_list("id", flat=True)
    await Vote.bulk_create([Vote(issue_id=i, user_id=u.id, value="3") for i in ids for u in voters])
    await JiraIssueLink.bulk_create(  # every other issue came from Jira
        [
            JiraIssueLink(
                issue_id=i,
                cloud_id="cloud",
                jira_issue_id=str(10_000 + i),
                key=f"AK-{i}",
                url=f"https://example.atlassian.net/browse/AK-{i}",
                last_synced_at=datetime.now(UTC),
            )
            for i in ids[::2]
        ]
    )
    return str(room.id)


async def run(schema: Any, room_id: str, viewer: User) -> tuple[int, dict[str, Any]]:
    context = Context(runtime=Runtime(settings=Settings()), request=None, request_id="t")  # type: ignore[arg-type]
    context.user = viewer
    with counted_queries() as queries:
        result = await schema.execute(QUERY, {"r": room_id}, context_value=context)
    assert result.errors is None, result.errors
    return len(queries), result.data or {}


async def test_same_query_count_for_10_and_200_issues(database_url: str) -> None:
    voters = [
        await User.create(subject=f"count|{uuid.uuid4()}", email=f"v{n}@example.com", name=f"V{n}")
        for n in range(3)
    ]
    small, large = await make_room(10, voters), await make_room(200, voters)
    # The whole room with every vote is over the cost limit (its worst case is 500 issues x
    # 100 votes); the N+1 guard below is about the SQL, so lift the limit here.
    schema = build_schema(Settings(graphql_max_cost=10**7))

    small_count, small_data = await run(schema, small, voters[0])
    large_count, large_data = await run(schema, large, voters[0])

    assert len(small_data["room"]["issues"]) == 10 and len(large_data["room"]["issues"]) == 200
    assert large_data["room"]["issues"][199]["votes"][2]["user"]["name"] == "V2"
    links = [issue["jiraLink"] for issue in large_data["room"]["issues"]]
    assert links[1] is None and links[0]["pushStatus"] == "NOT_PUSHED"
    assert sum(link is not None for link in links) == 100
    assert small_count == large_count, (small_count, large_count)
    assert 4 <= small_count <= 6, small_count  # room+membership, issues, votes, links, users
