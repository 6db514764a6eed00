"""The import dialog's browse queries over GraphQL: a real server process + the Jira sandbox."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from tests.jira_support import ACME_CLOUD_ID as ACME
from tests.jira_support import SandboxProcess
from tests.jira_support import connect_via_graphql as connect
from tests.support import GraphQLClient, ServerProcess

PROJECTS = """query($first:Int,$after:String){ jiraProjects(first:$first, after:$after) {
  edges { cursor node { key name teamManaged } } pageInfo { hasNextPage endCursor } } }"""
BOARDS = """query($key:String!){ jiraBoards(projectKey:$key) {
  edges { node { id name type projectKey } } pageInfo { hasNextPage } } }"""
SPRINTS = """query($board:Int!,$states:[JiraSprintState!]){
  jiraSprints(boardId:$board, states:$states) { id name state originBoardId } }"""
ISSUES = """query($source:JiraIssueSourceInput!,$first:Int,$after:String){
  jiraIssues(source:$source, first:$first, after:$after) {
    edges { cursor node { key id summary status issueType storyPoints url } }
    pageInfo { hasNextPage endCursor } totalCount } }"""
ESTIMATION = """query($key:String!,$board:Int){
  jiraEstimationField(projectKey:$key, boardId:$board) {
    fieldId fieldName source editable hint } }"""

pytestmark = pytest.mark.usefixtures("database_url")


async def sign_in(gql: GraphQLClient, plan: str = "PREMIUM") -> str:
    return await gql.sign_in(f"browse-{datetime.now(UTC).timestamp()}@example.com", plan)


@pytest.fixture(scope="module")
async def connected(jira_server: ServerProcess, jira_sandbox: SandboxProcess) -> str:
    client = GraphQLClient(jira_server.url)
    try:
        token = await sign_in(client)
        await connect(client, jira_server, jira_sandbox, token)
    finally:
        await client.aclose()
    return token


@pytest.fixture(scope="module")
async def boards(jira_sandbox: SandboxProcess) -> dict[str, int]:
    state = await jira_sandbox.admin("GET", "/state")
    site = next(s for s in state["sites"] if s["cloudId"] == ACME)
    return {b["name"]: b["id"] for b in site["boards"]}


def error_code(body: dict[str, Any]) -> str:
    assert body.get("errors"), body
    return str(body["errors"][0]["extensions"]["code"])


async def test_plan_and_connection_are_required(gql: GraphQLClient) -> None:
    free = await sign_in(gql, "FREE")
    assert error_code(await gql.execute(PROJECTS, token=free)) == "PREMIUM_REQUIRED"
    unconnected = await sign_in(gql)
    body = await gql.execute(ISSUES, {"source": {"sprintId": 1}}, token=unconnected)
    assert error_code(body) == "NOT_CONNECTED" and body["data"] is None


async def test_projects_boards_sprints(
    gql: GraphQLClient, connected: str, boards: dict[str, int]
) -> None:
    first = (await gql.data(PROJECTS, {"first": 1}, token=connected))["jiraProjects"]
    assert [e["node"]["key"] for e in first["edges"]] == ["APP"]
    assert first["pageInfo"]["hasNextPage"] is True
    after = first["pageInfo"]["endCursor"]
    second = await gql.data(PROJECTS, {"first": 5, "after": after}, token=connected)
    assert [e["node"] for e in second["jiraProjects"]["edges"]] == [
        {"key": "PLAT", "name": "Platform", "teamManaged": False}
    ]
    listed = (await gql.data(BOARDS, {"key": "PLAT"}, token=connected))["jiraBoards"]["edges"]
    assert {(e["node"]["name"], e["node"]["type"]) for e in listed} == {
        ("PLAT board", "scrum"),
        ("PLAT kanban", "kanban"),
    }
    app_board = boards["APP board"]
    sprints = (await gql.data(SPRINTS, {"board": app_board}, token=connected))["jiraSprints"]
    assert {s["state"] for s in sprints} == {"ACTIVE", "FUTURE"}
    assert {s["originBoardId"] for s in sprints} == {app_board}
    closed = await gql.data(SPRINTS, {"board": app_board, "states": ["CLOSED"]}, token=connected)
    assert [s["state"] for s in closed["jiraSprints"]] == ["CLOSED"]
    kanban = await gql.data(SPRINTS, {"board": boards["PLAT kanban"]}, token=connected)
    assert kanban["jiraSprints"] == []


async def test_paging_250_sprint_issues_yields_each_once(
    gql: GraphQLClient, connected: str, boards: dict[str, int], jira_sandbox: SandboxProcess
) -> None:
    sprint = await jira_sandbox.admin(
        "POST", f"/sites/{ACME}/sprints", json={"boardId": boards["PLAT board"]}
    )
    body = {"projectKey": "PLAT", "count": 250, "sprintId": sprint["id"], "storyPoints": 2}
    created = await jira_sandbox.admin("POST", f"/sites/{ACME}/issues/bulk", json=body)
    for source in ({"sprintId": sprint["id"]}, {"jql": f"sprint = {sprint['id']}"}):
        seen: list[dict[str, Any]] = []
        after = None
        while True:
            variables = {"source": source, "first": 100, "after": after}
            page = (await gql.data(ISSUES, variables, token=connected))["jiraIssues"]
            seen += [edge["node"] for edge in page["edges"]]
            if not page["pageInfo"]["hasNextPage"]:
                break
            after = page["pageInfo"]["endCursor"]
        assert sorted(n["key"] for n in seen) == sorted(created["keys"]), source
        assert {n["storyPoints"] for n in seen} == {2.0}
        assert seen[0]["url"] == f"https://acme-demo.atlassian.net/browse/{seen[0]['key']}"


async def test_user_input_and_jira_failures_are_top_level_codes(
    gql: GraphQLClient, connected: str, jira_sandbox: SandboxProcess
) -> None:
    unbounded = await gql.execute(ISSUES, {"source": {"jql": "order by created"}}, token=connected)
    assert error_code(unbounded) == "BAD_USER_INPUT"
    assert unbounded["errors"][0]["extensions"]["field"] == "source.jql"
    both = await gql.execute(
        ISSUES, {"source": {"sprintId": 1, "backlogBoardId": 1}}, token=connected
    )
    assert error_code(both) == "BAD_USER_INPUT"
    missing = await gql.execute(ISSUES, {"source": {"sprintId": 987654}}, token=connected)
    assert error_code(missing) == "JIRA_NOT_FOUND"
    fault = {
        "kind": "rate_limit",
        "path_contains": "/agile/1.0/board",
        "remaining": 1,
        "retry_after": 90,
    }
    await jira_sandbox.admin("POST", "/faults", json=fault)
    try:
        limited = await gql.execute(BOARDS, {"key": "PLAT"}, token=connected)
    finally:
        await jira_sandbox.admin("DELETE", "/faults")
    assert error_code(limited) == "JIRA_RATE_LIMITED"
    assert limited["errors"][0]["extensions"]["retryAfter"] == 90


async def test_estimation_field(gql: GraphQLClient, connected: str, boards: dict[str, int]) -> None:
    company = await gql.data(
        ESTIMATION, {"key": "PLAT", "board": boards["PLAT board"]}, token=connected
    )
    assert company["jiraEstimationField"] == {
        "fieldId": "customfield_10026",
        "fieldName": "Story Points",
        "source": "BOARD_CONFIGURATION",
        "editable": True,
        "hint": None,
    }
    team = await gql.data(ESTIMATION, {"key": "APP"}, token=connected)
    assert team["jiraEstimationField"]["fieldName"] == "Story point estimate"


async def test_revoked_grant_gives_needs_reauth(
    gql: GraphQLClient, jira_server: ServerProcess, jira_sandbox: SandboxProcess
) -> None:
    token = await sign_in(gql)
    account = await connect(gql, jira_server, jira_sandbox, token)
    assert (await gql.data(PROJECTS, {"first": 1}, token=token))["jiraProjects"]["edges"]
    await jira_sandbox.admin("POST", "/tokens/revoke", json={"accountId": account})
    assert error_code(await gql.execute(PROJECTS, {"first": 1}, token=token)) == "NEEDS_REAUTH"
    assert error_code(await gql.execute(PROJECTS, {"first": 1}, token=token)) == "NEEDS_REAUTH"
