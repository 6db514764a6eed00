"""Import service: key checks, the mapped site, constant SQL, the webhook watermark."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.errors import ErrorCode, ServiceError
from jira_cloud.types import JiraIssue
from models.jira import JiraIssueLink, JiraSite, RoomJiraMapping
from models.rooms import Issue
from models.users import User
from services.jira import importing as jira_import
from services.jira.connection import select_site
from services.rooms.queries import issues_by_id, jira_links_by_issue
from services.rooms.rooms import MAX_ISSUES_PER_ROOM, create_room
from services.runtime import Runtime
from tests.jira_support import Sandbox, connect_user, make_user, new_account
from tests.resolvers.test_rooms_query_count import counted_queries

pytestmark = pytest.mark.usefixtures("database_url")
ACME = "8f3c2a10-5d1e-4c7b-9a42-3e1f0b6d7c01"
GLOBEX = "2b7e9d44-8a1f-4e3c-b5d2-9c0a7f6e1d02"


def test_keys_are_checked_deduplicated_and_capped() -> None:
    keys, errors = jira_import.checked_keys(["PLAT-1", " PLAT-2 ", "PLAT-1", "p-1", "PLAT-0"])
    assert keys == ["PLAT-1", "PLAT-2"]
    assert [(e.code, e.field) for e in errors] == [
        (ErrorCode.VALIDATION, "issueKeys[3]"),
        (ErrorCode.VALIDATION, "issueKeys[4]"),
    ]
    assert jira_import.checked_keys([f"A1-{n}" for n in range(1, 101)])[1] == []
    with pytest.raises(ServiceError) as refused:
        jira_import.checked_keys([f"A1-{n}" for n in range(1, 102)])
    assert refused.value.field == "issueKeys"


def _issue(issue_id: str, key: str) -> JiraIssue:
    return JiraIssue(issue_id, key, "s", None, None, None, None, f"https://x/browse/{key}")


def test_matching_keeps_the_key_order_and_explains_moved_issues() -> None:
    fetched = [_issue("2", "B-2"), _issue("1", "A-1")]
    ordered, missing = jira_import._match(["A-1", "B-2", "C-3"], fetched)
    assert [i.key for i in ordered] == ["A-1", "B-2"] and missing == ["C-3"]
    moved, missing = jira_import._match(["OLD-1", "B-2"], [_issue("7", "NEW-1"), fetched[0]])
    assert [i.key for i in moved] == ["B-2", "NEW-1"] and missing == []


@pytest.fixture(scope="module")
async def globex_user(runtime: Runtime, jira_sandbox: Sandbox) -> User:
    """Consented to both sites, GLOBEX selected."""
    user, account = await make_user(), await new_account(jira_sandbox, [ACME, GLOBEX])
    await connect_user(runtime, user, account, ACME, sandbox=jira_sandbox)
    await connect_user(runtime, user, account, GLOBEX, sandbox=jira_sandbox)
    await select_site(user, GLOBEX)
    sites = await JiraSite.filter(connection__user_id=user.id).values_list("cloud_id", "selected")
    assert sorted(sites) == sorted([(ACME, False), (GLOBEX, True)])
    return user


async def plat_issues(sandbox: Sandbox, count: int) -> list[str]:
    body = {"projectKey": "PLAT", "count": count, "emitWebhooks": False}
    return list((await sandbox.admin("POST", f"/sites/{ACME}/issues/bulk", json=body))["keys"])


async def test_the_room_mapping_chooses_the_site(
    runtime: Runtime, globex_user: User, jira_sandbox: Sandbox
) -> None:
    keys = await plat_issues(jira_sandbox, 1)
    room = await create_room(globex_user, "mapped")
    unmapped = await jira_import.import_issues(runtime, globex_user, str(room.id), keys, None)
    assert [e.code for e in unmapped.errors] == [ErrorCode.JIRA_NOT_FOUND]  # not on GLOBEX
    await RoomJiraMapping.create(room_id=room.id, cloud_id=ACME, project_key="PLAT")
    mapped = await jira_import.import_issues(runtime, globex_user, str(room.id), keys, None)
    assert mapped.errors == [] and mapped.created == 1
    link = await JiraIssueLink.get(issue_id=mapped.issues[0]["id"])
    assert link.cloud_id == ACME and link.url.startswith("https://acme-demo.atlassian.net/")


async def test_a_malformed_room_id_is_no_room_and_sends_no_query(
    runtime: Runtime, globex_user: User
) -> None:
    with counted_queries() as queries, pytest.raises(ServiceError) as refused:
        await jira_import.import_issues(runtime, globex_user, "not-a-room", ["PLAT-1"], None)
    assert (refused.value.code, refused.value.field) == (ErrorCode.NOT_FOUND, "roomId")
    assert queries == []  # the connection's lookups wait for a room id that can exist


async def test_sql_statements_do_not_grow_with_the_issues(
    runtime: Runtime, globex_user: User, jira_sandbox: Sandbox
) -> None:
    counts: dict[int, list[int]] = {}
    for size in (10, 100):
        keys = await plat_issues(jira_sandbox, size)
        room = await create_room(globex_user, f"count {size}")
        await RoomJiraMapping.create(room_id=room.id, cloud_id=ACME, project_key="PLAT")
        for _ in range(2):  # create, then update
            with counted_queries() as queries:
                result = await jira_import.import_issues(
                    runtime, globex_user, str(room.id), keys, None
                )
            assert result.errors == [] and len(result.issues) == size
            counts.setdefault(size, []).append(len(queries))
    assert counts[10] == counts[100], counts


async def test_a_newer_webhook_state_is_not_overwritten(
    runtime: Runtime, globex_user: User, jira_sandbox: Sandbox
) -> None:
    keys = await plat_issues(jira_sandbox, 1)
    room = await create_room(globex_user, "watermark")
    await RoomJiraMapping.create(room_id=room.id, cloud_id=ACME, project_key="PLAT")
    first = await jira_import.import_issues(runtime, globex_user, str(room.id), keys, None)
    issue_id = first.issues[0]["id"]
    future = datetime.now(UTC) + timedelta(days=1)
    await Issue.filter(id=issue_id).update(title="Newer, from a webhook")
    await JiraIssueLink.filter(issue_id=issue_id).update(jira_updated_at=future)
    again = await jira_import.import_issues(runtime, globex_user, str(room.id), keys, None)
    assert again.updated == 1 and again.issues[0]["title"] == "Newer, from a webhook"
    link = await JiraIssueLink.get(issue_id=issue_id)
    first_synced = first.links[issue_id]["last_synced_at"]
    assert link.jira_updated_at == future and link.last_synced_at > first_synced


async def test_it_answers_with_the_rows_a_room_read_sees(
    runtime: Runtime, globex_user: User, jira_sandbox: Sandbox
) -> None:
    """The rows come from the writes themselves (RETURNING on PostgreSQL): they must be what
    the room's loaders read afterwards, for created, updated and kept (newer webhook) issues."""
    keys = await plat_issues(jira_sandbox, 3)
    room = await create_room(globex_user, "rows")
    await RoomJiraMapping.create(room_id=room.id, cloud_id=ACME, project_key="PLAT")
    first = await jira_import.import_issues(runtime, globex_user, str(room.id), keys, None)
    ids = [row["id"] for row in first.issues]
    assert first.issues == await issues_by_id(ids)
    assert [first.links[i] for i in ids] == await jira_links_by_issue(ids)
    stats = {"average": 3.5, "votes": 4}
    await Issue.filter(id=ids[0]).update(stats=stats, title="Revealed")
    future = datetime.now(UTC) + timedelta(days=1)
    await Issue.filter(id=ids[1]).update(title="Newer, from a webhook")
    await JiraIssueLink.filter(issue_id=ids[1]).update(jira_updated_at=future)
    again = await jira_import.import_issues(runtime, globex_user, str(room.id), keys, None)
    assert [row["id"] for row in again.issues] == ids
    assert again.issues == await issues_by_id(ids)
    assert [again.links[i] for i in ids] == await jira_links_by_issue(ids)
    assert again.issues[0]["stats"] == stats and again.issues[0]["title"] != "Revealed"
    assert again.issues[1]["title"] == "Newer, from a webhook"


async def test_imports_follow_the_room_and_re_imports_add_nothing(
    runtime: Runtime, globex_user: User, jira_sandbox: Sandbox
) -> None:
    keys = await plat_issues(jira_sandbox, 3)
    room = await create_room(globex_user, "positions")
    await RoomJiraMapping.create(room_id=room.id, cloud_id=ACME, project_key="PLAT")
    await Issue.create(room_id=room.id, position=1, title="typed in")
    await Issue.create(room_id=room.id, position=4, title="after a removal")
    first = await jira_import.import_issues(runtime, globex_user, str(room.id), keys, None)
    assert (first.created, first.updated) == (3, 0)
    assert [issue["position"] for issue in first.issues] == [5, 6, 7]  # after the last, key order
    links = await JiraIssueLink.filter(issue__room_id=room.id).order_by("issue_id")
    assert [link.key for link in links] == keys
    assert all(
        (link.push_status, link.deleted_in_jira, link.in_sprint, link.pushed_estimate)
        == ("NOT_PUSHED", False, True, None)
        for link in links
    )
    assert [link.issue_id for link in links] == [issue["id"] for issue in first.issues]
    again = await jira_import.import_issues(runtime, globex_user, str(room.id), keys, None)
    assert (again.created, again.updated) == (0, 3)
    assert [issue["id"] for issue in again.issues] == [issue["id"] for issue in first.issues]
    assert await Issue.filter(room_id=room.id).count() == 5
    assert await JiraIssueLink.filter(issue__room_id=room.id).count() == 3


async def test_an_import_that_does_not_fit_the_room_writes_nothing(
    runtime: Runtime, globex_user: User, jira_sandbox: Sandbox
) -> None:
    keys = await plat_issues(jira_sandbox, 2)
    room = await create_room(globex_user, "almost full")
    await RoomJiraMapping.create(room_id=room.id, cloud_id=ACME, project_key="PLAT")
    await Issue.bulk_create(
        [Issue(room_id=room.id, position=n, title=f"{n}") for n in range(1, MAX_ISSUES_PER_ROOM)]
    )
    with pytest.raises(ServiceError) as full:
        await jira_import.import_issues(runtime, globex_user, str(room.id), keys, None)
    assert full.value.code == ErrorCode.NOT_ALLOWED
    assert await Issue.filter(room_id=room.id).count() == MAX_ISSUES_PER_ROOM - 1
    assert not await JiraIssueLink.filter(issue__room_id=room.id).exists()
