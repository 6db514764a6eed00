"""importJiraIssues over GraphQL: a real server process + the Jira sandbox."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.jira_support import ACME_CLOUD_ID as ACME
from tests.jira_support import (
    IMPORT,
    ISSUES,
    SandboxProcess,
    connect_via_graphql,
    new_sprint_issues,
)
from tests.resolvers.room_helpers import RoomSubscriber, create_room, join_room
from tests.support import GraphQLClient, ServerProcess

ROOM_ISSUES = "query($r: ID!) { room(id: $r) { issues { id title jiraLink { key } } } }"

pytestmark = pytest.mark.usefixtures("database_url")


async def sign_in(gql: GraphQLClient, plan: str = "PREMIUM") -> str:
    return await gql.sign_in(f"import-{uuid.uuid4().hex[:10]}@example.com", plan)


@pytest.fixture(scope="module")
async def connected(jira_server: ServerProcess, jira_sandbox: SandboxProcess) -> str:
    """A PREMIUM user whose Jira (Acme) is connected through consent and our callback."""
    client = GraphQLClient(jira_server.url)
    try:
        token = await sign_in(client)
        await connect_via_graphql(client, jira_server, jira_sandbox, token)
    finally:
        await client.aclose()
    return token


async def import_keys(gql: GraphQLClient, token: str, room: str, keys: list[str]) -> Any:
    return (await gql.data(IMPORT, {"r": room, "k": keys}, token=token))["importJiraIssues"]


async def bulkfetch_count_since(sandbox: SandboxProcess, seq: int) -> tuple[int, int]:
    log = await sandbox.admin("GET", "/requests", params={"since": seq, "path": "/ex/jira/"})
    paths = [entry["path"] for entry in log["requests"]]
    return len(paths), sum("/issue/bulkfetch" in path for path in paths)


async def test_import_from_a_sprint_carries_the_jira_link(
    gql: GraphQLClient, connected: str, jira_sandbox: SandboxProcess
) -> None:
    sprint, _ = await new_sprint_issues(jira_sandbox, 3)
    described = await jira_sandbox.admin(
        "POST",
        f"/sites/{ACME}/issues",
        json={"projectKey": "PLAT", "summary": "With text", "sprintId": sprint,
              "description": "Line one of the description"},
    )  # fmt: skip
    listed = await gql.data(ISSUES, {"source": {"sprintId": sprint}}, token=connected)
    nodes = [edge["node"] for edge in listed["jiraIssues"]["edges"]]
    assert described["key"] in {node["key"] for node in nodes} and len(nodes) == 4
    keys = [node["key"] for node in reversed(nodes)]
    room = await create_room(gql, connected, "import sprint")

    seq = int((await jira_sandbox.admin("GET", "/requests", params={"path": "-"}))["lastSeq"])
    payload = await import_keys(gql, connected, room, keys)
    assert await bulkfetch_count_since(jira_sandbox, seq) == (1, 1)  # one request for all

    assert payload["errors"] == [] and (payload["created"], payload["updated"]) == (4, 0)
    assert [issue["jiraLink"]["key"] for issue in payload["issues"]] == keys
    ids = {node["key"]: node["id"] for node in nodes}
    for issue in payload["issues"]:
        link = issue["jiraLink"]
        assert link["url"] == f"https://acme-demo.atlassian.net/browse/{link['key']}"
        assert link["jiraIssueId"] == ids[link["key"]] and link["lastSyncedAt"]
        assert (link["pushStatus"], link["deletedInJira"], issue["status"]) == (
            "NOT_PUSHED",
            False,
            "PENDING",
        )
    text = next(i for i in payload["issues"] if i["jiraLink"]["key"] == described["key"])
    assert (text["title"], text["description"]) == ("With text", "Line one of the description")
    in_room = (await gql.data(ROOM_ISSUES, {"r": room}, token=connected))["room"]["issues"]
    assert [issue["jiraLink"]["key"] for issue in in_room] == keys


async def test_reimport_updates_and_never_duplicates(
    gql: GraphQLClient, connected: str, jira_sandbox: SandboxProcess
) -> None:
    _, keys = await new_sprint_issues(jira_sandbox, 3)
    room = await create_room(gql, connected, "reimport")
    first = await import_keys(gql, connected, room, keys)
    assert (first["created"], first["updated"]) == (3, 0)
    await jira_sandbox.admin(
        "PATCH", f"/sites/{ACME}/issues/{keys[1]}", json={"summary": "Renamed in Jira"}
    )
    again = await import_keys(gql, connected, room, [*keys, keys[0]])
    assert again["errors"] == [] and (again["created"], again["updated"]) == (0, 3)
    assert [i["id"] for i in again["issues"]] == [i["id"] for i in first["issues"]]
    assert again["issues"][1]["title"] == "Renamed in Jira"
    in_room = (await gql.data(ROOM_ISSUES, {"r": room}, token=connected))["room"]["issues"]
    assert [issue["title"] for issue in in_room][1] == "Renamed in Jira" and len(in_room) == 3


async def test_invalid_and_unknown_keys_are_per_key_errors(
    gql: GraphQLClient, connected: str, jira_sandbox: SandboxProcess
) -> None:
    _, keys = await new_sprint_issues(jira_sandbox, 1)
    room = await create_room(gql, connected, "bad keys")
    payload = await import_keys(gql, connected, room, ["plat-1", keys[0], "PLAT-987654", keys[0]])
    assert (payload["created"], payload["updated"]) == (1, 0)
    assert [(e["code"], e["field"]) for e in payload["errors"]] == [
        ("VALIDATION", "issueKeys[0]"),
        ("JIRA_NOT_FOUND", "issueKeys[2]"),
    ]
    assert "not found or no permission" in payload["errors"][1]["message"]
    assert [issue["jiraLink"]["key"] for issue in payload["issues"]] == keys


async def test_more_than_100_keys_are_refused_and_nothing_changes(
    gql: GraphQLClient, connected: str
) -> None:
    room = await create_room(gql, connected, "too many")
    payload = await import_keys(gql, connected, room, [f"PLAT-{n}" for n in range(1, 102)])
    assert [(e["code"], e["field"]) for e in payload["errors"]] == [("VALIDATION", "issueKeys")]
    assert (payload["issues"], payload["created"]) == ([], 0)
    in_room = (await gql.data(ROOM_ISSUES, {"r": room}, token=connected))["room"]["issues"]
    assert in_room == []


async def test_plan_membership_and_connection_are_required(
    gql: GraphQLClient, connected: str
) -> None:
    room = await create_room(gql, connected, "guarded")
    outsider = await sign_in(gql)
    body = await gql.execute(IMPORT, {"r": room, "k": ["PLAT-1"]}, token=outsider)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    free = await sign_in(gql, "FREE")
    body = await gql.execute(IMPORT, {"r": room, "k": ["PLAT-1"]}, token=free)
    assert body["errors"][0]["extensions"]["code"] == "PREMIUM_REQUIRED"
    await join_room(gql, outsider, room)  # a member, but without a Jira connection
    payload = await import_keys(gql, outsider, room, ["PLAT-1"])
    assert [e["code"] for e in payload["errors"]] == ["NOT_CONNECTED"]


async def test_a_subscriber_receives_issue_added(
    gql: GraphQLClient, connected: str, jira_sandbox: SandboxProcess, jira_server: ServerProcess
) -> None:
    _, keys = await new_sprint_issues(jira_sandbox, 2)
    room = await create_room(gql, connected, "live import")
    subscriber = await RoomSubscriber(jira_server.ws_url, connected).connect()
    try:
        await subscriber.subscribe(room)
        await subscriber.wait_ready(gql, connected, room)
        payload = await import_keys(gql, connected, room, keys)
        imported = {issue["id"] for issue in payload["issues"]}
        seen: set[str] = set()
        while seen != imported:
            event = await subscriber.next_event(10)
            assert event["__typename"] == "IssueAdded", event
            seen.add(event["issue"]["id"])
    finally:
        await subscriber.close()
