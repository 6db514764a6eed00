"""Bad input to the Jira queries and mutations, and Jira answering in the wrong shape (finding
2): typed errors naming the field, never INTERNAL_SERVER_ERROR."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest

from tests.jira_support import SandboxProcess, connect_via_graphql
from tests.support import GraphQLClient, ServerProcess

LONG_CLOUD_ID = "c" * 100
QUERIES = {
    "jiraProjects": "query($c: String) { jiraProjects(cloudId: $c) { totalCount } }",
    "jiraBoards": (
        'query($c: String) { jiraBoards(projectKey: "PLAT", cloudId: $c) { totalCount } }'
    ),
    "jiraSprints": "query($c: String) { jiraSprints(boardId: 1, cloudId: $c) { id } }",
    "jiraIssues": (
        "query($c: String) { jiraIssues(source: {sprintId: 1, cloudId: $c}) { totalCount } }"
    ),
    "jiraEstimationField": (
        'query($c: String) { jiraEstimationField(projectKey: "PLAT", cloudId: $c) { fieldId } }'
    ),
}
PROJECTS = "query($q: String) { jiraProjects(query: $q, first: 5) { edges { node { key } } } }"

pytestmark = pytest.mark.usefixtures("database_url")


@pytest.fixture(scope="module")
async def connected(
    jira_server: ServerProcess, jira_sandbox: SandboxProcess
) -> AsyncIterator[tuple[GraphQLClient, str]]:
    gql = GraphQLClient(jira_server.url)
    token = await gql.sign_in(f"hard-{uuid.uuid4().hex[:8]}@example.com", "PREMIUM")
    await connect_via_graphql(gql, jira_server, jira_sandbox, token)
    yield gql, token
    await gql.aclose()


def codes(body: dict) -> list[tuple[str, str | None]]:
    return [
        (error["extensions"]["code"], error["extensions"].get("field"))
        for error in body.get("errors") or []
    ]


@pytest.mark.parametrize("name", sorted(QUERIES))
async def test_an_over_long_cloud_id_is_bad_user_input_naming_it(
    connected: tuple[GraphQLClient, str], name: str
) -> None:
    gql, token = connected
    body = await gql.execute(QUERIES[name], {"c": LONG_CLOUD_ID}, token=token)
    assert codes(body) == [("BAD_USER_INPUT", "cloudId")], body


async def test_mutations_refuse_an_over_long_cloud_id_with_a_validation_error(
    connected: tuple[GraphQLClient, str],
) -> None:
    gql, token = connected
    select = "mutation($c: String!) { selectJiraSite(cloudId: $c) { errors { code field } } }"
    payload = (await gql.data(select, {"c": LONG_CLOUD_ID}, token=token))["selectJiraSite"]
    assert payload["errors"] == [{"code": "VALIDATION", "field": "cloudId"}]
    room = await gql.data(
        'mutation { createRoom(input: {name: "map"}) { room { id } } }', token=token
    )
    mapping = """mutation($r: ID!, $c: String) { setRoomJiraMapping(roomId: $r,
      input: {projectKey: "PLAT", cloudId: $c}) { mapping { cloudId } errors { code field } } }"""
    variables = {"r": room["createRoom"]["room"]["id"], "c": LONG_CLOUD_ID}
    refused = (await gql.data(mapping, variables, token=token))["setRoomJiraMapping"]
    assert refused == {"mapping": None, "errors": [{"code": "VALIDATION", "field": "cloudId"}]}


async def test_an_over_long_project_search_is_bad_user_input(
    connected: tuple[GraphQLClient, str],
) -> None:
    """It reached httpx as a 64 KB URL (InvalidURL)."""
    gql, token = connected
    body = await gql.execute(PROJECTS, {"q": "x" * 70_000}, token=token)
    assert codes(body) == [("BAD_USER_INPUT", "query")], body
    assert (await gql.data(PROJECTS, {"q": "PL"}, token=token))["jiraProjects"]["edges"]


@pytest.mark.parametrize(
    "fault",
    [
        {"raw": "<html><body>Bad gateway, but 200</body></html>"},
        {"body": {"values": 5, "total": "many"}},
        {"body": ["not", "an", "object"]},
    ],
    ids=["html", "wrong-types", "a-list"],
)
async def test_jira_answering_200_in_the_wrong_shape_is_a_typed_jira_error(
    connected: tuple[GraphQLClient, str], jira_sandbox: SandboxProcess, fault: dict
) -> None:
    gql, token = connected
    rule = {"kind": "error", "status": 200, "path_contains": "project/search", **fault}
    await jira_sandbox.admin("POST", "/faults", json=rule)
    try:
        body = await gql.execute(PROJECTS, {"q": None}, token=token)
    finally:
        await jira_sandbox.admin("DELETE", "/faults")
    assert codes(body) == [("JIRA_UNAVAILABLE", None)], body
    assert "unexpected form" in body["errors"][0]["message"]
