"""Browse service over a real connection to the sandbox: cursors, sources, estimation field."""

from __future__ import annotations

from typing import Any

import pytest

from core.errors import ErrorCode, ServiceError
from jira_cloud.client import JiraClient
from jira_cloud.fields import SOURCE_BOARD, SOURCE_EDITMETA
from models.jira import JiraConnection, JiraConnectionStatus
from models.users import User
from services.jira import browse
from services.jira.browse import IssueSource
from services.jira.clients import client_for
from services.runtime import Runtime
from tests.jira_support import Sandbox, connect_user, make_user, new_account

pytestmark = pytest.mark.usefixtures("database_url")
ACME = "8f3c2a10-5d1e-4c7b-9a42-3e1f0b6d7c01"
GLOBEX = "2b7e9d44-8a1f-4e3c-b5d2-9c0a7f6e1d02"


@pytest.fixture(scope="module")
async def connected(runtime: Runtime, jira_sandbox: Sandbox) -> User:
    user = await make_user()
    account = await new_account(jira_sandbox, [ACME, GLOBEX])
    await connect_user(runtime, user, account, site=ACME, sandbox=jira_sandbox)
    return user


@pytest.fixture
async def client(runtime: Runtime, connected: User) -> JiraClient:
    return await client_for(runtime, connected)


@pytest.fixture(scope="module")
async def world(jira_sandbox: Sandbox) -> dict[str, Any]:
    state = await jira_sandbox.admin("GET", "/state")
    site = next(s for s in state["sites"] if s["cloudId"] == ACME)
    return {"boards": {b["name"]: b["id"] for b in site["boards"]}}


@pytest.fixture(scope="module")
async def big_sprint(jira_sandbox: Sandbox, world: dict[str, Any]) -> tuple[int, set[str]]:
    """A PLAT sprint holding 250 issues."""
    sprint = await jira_sandbox.admin(
        "POST", f"/sites/{ACME}/sprints", json={"boardId": world["boards"]["PLAT board"]}
    )
    body = {"projectKey": "PLAT", "count": 250, "sprintId": sprint["id"], "storyPoints": 5}
    created = await jira_sandbox.admin("POST", f"/sites/{ACME}/issues/bulk", json=body)
    return int(sprint["id"]), set(created["keys"])


async def walk(
    runtime: Runtime, client: JiraClient, source: IssueSource, first: int, after: str | None = None
) -> tuple[list[str], int]:
    """Follow endCursor to the end: (keys in order, pages)."""
    keys: list[str] = []
    pages = 0
    while True:
        page = await browse.issues(runtime, client, source, first, after)
        pages += 1
        keys += [issue.key for _, issue in page.edges]
        if not page.has_next_page:
            return keys, pages
        after = page.end_cursor


def code_of(raised: pytest.ExceptionInfo[ServiceError]) -> ErrorCode:
    return raised.value.code


async def test_client_for_targets_the_selected_site_and_refuses_others(
    runtime: Runtime, connected: User
) -> None:
    client = await client_for(runtime, connected)
    assert client.cloud_id == ACME and client.site_url == "https://acme-demo.atlassian.net"
    assert (await client_for(runtime, connected, ACME)).cloud_id == ACME
    with pytest.raises(ServiceError) as malformed:
        await client_for(runtime, connected, "x" * 500)
    assert code_of(malformed) == ErrorCode.VALIDATION
    with pytest.raises(ServiceError) as foreign:
        await client_for(runtime, connected, GLOBEX)  # consented on Acme only
    assert code_of(foreign) == ErrorCode.NOT_FOUND
    with pytest.raises(ServiceError) as missing:
        await client_for(runtime, await make_user())
    assert code_of(missing) == ErrorCode.NOT_CONNECTED


async def test_needs_reauth_connection_gives_no_client(
    runtime: Runtime, jira_sandbox: Sandbox
) -> None:
    user = await make_user()
    await connect_user(runtime, user, await new_account(jira_sandbox, [ACME]), sandbox=jira_sandbox)
    await JiraConnection.filter(user_id=user.id).update(status=JiraConnectionStatus.NEEDS_REAUTH)
    with pytest.raises(ServiceError) as raised:
        await client_for(runtime, user)
    assert code_of(raised) == ErrorCode.NEEDS_REAUTH


async def test_250_sprint_issues_each_exactly_once_in_three_requests(
    runtime: Runtime,
    client: JiraClient,
    big_sprint: tuple[int, set[str]],
    jira_sandbox: Sandbox,
) -> None:
    sprint_id, expected = big_sprint
    await browse.story_points_fields(runtime, client)  # warm the per-site field cache
    seq = (await jira_sandbox.admin("GET", "/requests", params={"path": "-"}))["lastSeq"]
    keys, pages = await walk(runtime, client, IssueSource(sprint_id=sprint_id), 100)
    assert pages == 3 and len(keys) == 250 and set(keys) == expected
    log = (await jira_sandbox.admin("GET", "/requests", params={"since": seq}))["requests"]
    assert [r["path"].rsplit("/", 2)[-2:] for r in log] == [[str(sprint_id), "issue"]] * 3


async def test_first_is_capped_and_mid_page_cursors_resume_exactly(
    runtime: Runtime, client: JiraClient, big_sprint: tuple[int, set[str]]
) -> None:
    sprint_id, expected = big_sprint
    source = IssueSource(sprint_id=sprint_id)
    capped = await browse.issues(runtime, client, source, 500, None)
    # token-paged (RFC-127): Jira gives no total
    assert len(capped.edges) == 100 and capped.total_count is None
    after_37 = capped.edges[36][0]
    rest, _ = await walk(runtime, client, source, 70, after_37)
    assert rest == [issue.key for _, issue in capped.edges[37:]] + rest[63:]
    assert len(rest) == 250 - 37 and set(rest) | {i.key for _, i in capped.edges[:37]} == expected
    with pytest.raises(ServiceError) as zero:
        await browse.issues(runtime, client, source, 0, None)
    assert zero.value.code == ErrorCode.VALIDATION and zero.value.field == "first"


async def test_jql_pages_by_token_each_exactly_once(
    runtime: Runtime, client: JiraClient, big_sprint: tuple[int, set[str]]
) -> None:
    sprint_id, expected = big_sprint
    source = IssueSource(jql=f"sprint = {sprint_id} ORDER BY key")
    keys, pages = await walk(runtime, client, source, 100)
    assert pages == 3 and len(keys) == 250 and set(keys) == expected
    uneven, _ = await walk(runtime, client, source, 60)
    assert uneven == keys
    first_page = await browse.issues(runtime, client, source, 100, None)
    assert first_page.total_count is None
    resumed, _ = await walk(runtime, client, source, 100, first_page.edges[41][0])
    assert resumed == keys[42:]


async def test_backlog_source_and_offset_cursor_mismatch(
    runtime: Runtime, client: JiraClient, world: dict[str, Any]
) -> None:
    board = world["boards"]["PLAT board"]
    page = await browse.issues(runtime, client, IssueSource(backlog_board_id=board), 5, None)
    assert page.edges and page.total_count is None  # token-paged, like JQL
    jql_cursor = (
        await browse.issues(runtime, client, IssueSource(jql="project = PLAT"), 1, None)
    ).end_cursor
    with pytest.raises(ServiceError) as wrong:
        await browse.issues(runtime, client, IssueSource(backlog_board_id=board), 5, jql_cursor)
    assert (wrong.value.code, wrong.value.field) == (ErrorCode.VALIDATION, "after")
    with pytest.raises(ServiceError):
        await browse.issues(runtime, client, IssueSource(backlog_board_id=board), 5, "garbage!")


@pytest.mark.parametrize(
    ("source", "field"),
    [
        (IssueSource(), "source"),
        (IssueSource(sprint_id=1, jql="project = PLAT"), "source"),
        (IssueSource(jql="   "), "source.jql"),
        (IssueSource(jql="ORDER BY created DESC"), "source.jql"),
        (IssueSource(jql="project = = PLAT"), "source.jql"),
    ],
)
async def test_bad_sources_are_user_input_errors(
    runtime: Runtime, client: JiraClient, source: IssueSource, field: str
) -> None:
    with pytest.raises(ServiceError) as raised:
        await browse.issues(runtime, client, source, 10, None)
    assert (raised.value.code, raised.value.field) == (ErrorCode.VALIDATION, field)


async def test_jira_failures_become_service_errors(runtime: Runtime, client: JiraClient) -> None:
    with pytest.raises(ServiceError) as raised:
        await browse.issues(runtime, client, IssueSource(sprint_id=987654), 10, None)
    assert raised.value.code == ErrorCode.JIRA_NOT_FOUND


async def test_projects_boards_and_sprints(client: JiraClient, world: dict[str, Any]) -> None:
    first = await browse.projects(client, None, 1, None)
    assert [p.key for _, p in first.edges] == ["APP"] and first.has_next_page
    second = await browse.projects(client, None, 1, first.end_cursor)
    assert [p.key for _, p in second.edges] == ["PLAT"] and not second.has_next_page
    assert [p.key for _, p in (await browse.projects(client, "plat", None, None)).edges] == ["PLAT"]
    boards = await browse.boards(client, "plat", None, None)
    assert {b.name for _, b in boards.edges} == {"PLAT board", "PLAT kanban"}
    with pytest.raises(ServiceError):
        await browse.boards(client, "no spaces allowed", None, None)
    app_board = world["boards"]["APP board"]
    sprints = await browse.sprints(client, app_board, ["ACTIVE", "FUTURE"])
    assert {s.state for s in sprints} == {"active", "future"}
    assert all(s.origin_board_id == app_board for s in sprints)
    assert await browse.sprints(client, world["boards"]["PLAT kanban"], ["ACTIVE"]) == []


async def test_estimation_field_company_managed_board_then_off_screen(
    client: JiraClient, world: dict[str, Any], jira_sandbox: Sandbox
) -> None:
    board = world["boards"]["PLAT board"]
    choice = await browse.estimation_field(client, "PLAT", board)
    assert (choice.field_id, choice.field_name, choice.source) == (
        "customfield_10026",
        "Story Points",
        SOURCE_BOARD,
    )
    assert choice.editable is True and choice.hint is None
    screens = f"/sites/{ACME}/projects/PLAT/screens"
    await jira_sandbox.admin(
        "POST", screens, json={"issueType": "Story", "remove": ["customfield_10026"]}
    )
    try:
        off = await browse.estimation_field(client, "PLAT", None)
    finally:
        await jira_sandbox.admin(
            "POST", screens, json={"issueType": "Story", "add": ["customfield_10026"]}
        )
    assert (off.field_id, off.editable) == ("customfield_10026", False)
    assert "company-managed" in (off.hint or "") and "edit screen" in (off.hint or "")


async def test_estimation_field_team_managed_from_editmeta(client: JiraClient) -> None:
    choice = await browse.estimation_field(client, "APP", None)
    assert (choice.field_id, choice.field_name, choice.source) == (
        "customfield_10016",
        "Story point estimate",
        SOURCE_EDITMETA,
    )
    assert choice.editable is True
    with pytest.raises(ServiceError) as missing:
        await browse.estimation_field(client, "NOPE", None)
    assert missing.value.code == ErrorCode.JIRA_NOT_FOUND
