"""The README's `make run` on the embedded default, driven the way GraphiQL would drive it.

`agilekit migrate` then `agilekit serve` on a fresh SQLite file, with no Redis (in-process bus
and jobs), no Atlassian URLs (the sandbox mounted at /sandbox, delivering its webhooks back to
this same process) and the demo data seeded. The printed bearer token is the demo user's.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import sqlite3
import tempfile
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.embedded import ServeCommand, serve_embedded
from tests.jira_support import ACME_CLOUD_ID, DANA, consent, finish_connect
from tests.resolvers.room_helpers import CAST, COMPLETE, REVEAL, START, RoomSubscriber, voting
from tests.support import GraphQLClient, ServerProcess

VIEWER = "{ viewer { email plan } myRooms { id name } }"
CONNECTION = "{ jiraConnection { status site { cloudId name } } }"
SPRINT_ISSUES = """query($s: Int!) { jiraIssues(source: {sprintId: $s}, first: 20) {
  edges { node { key summary } } } }"""
STORY_POINTS = """query($jql: String!) { jiraIssues(source: {jql: $jql}) {
  edges { node { key storyPoints } } } }"""
MAP = """mutation($r: ID!) { setRoomJiraMapping(roomId: $r, input: {projectKey: "PLAT",
  boardId: 1, sprintId: 2, autoPushEstimates: true, commentOnPush: true}) {
  mapping { storyPointsFieldId webhookStatus } errors { code message } } }"""
IMPORT = """mutation($r: ID!, $k: [String!]!) { importJiraIssues(roomId: $r, issueKeys: $k) {
  created updated issues { id title status position jiraLink { key url jiraIssueId
  lastSyncedAt pushStatus inSprint deletedInJira } }
  errors { code field message } } }"""
ROOM = "query($r: ID!) { room(id: $r) { issues { id title jiraLink { key pushStatus } } } }"


@pytest.fixture(scope="module")
def database_file() -> Iterator[Path]:
    directory = Path(tempfile.mkdtemp(prefix="agilekit_embedded_"))
    yield directory / "agilekit.sqlite3"
    shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture(scope="module")
def embedded(database_file: Path) -> Iterator[ServeCommand]:
    server = serve_embedded(database_file)
    yield server
    server.stop()


@pytest.fixture
async def gql(embedded: ServeCommand) -> AsyncIterator[GraphQLClient]:
    client = GraphQLClient(embedded.url, token=embedded.printed_token())
    yield client
    await client.aclose()


async def admin(server: ServerProcess, method: str, path: str, **kwargs: Any) -> Any:
    """The mounted sandbox's admin API."""
    async with httpx.AsyncClient(base_url=f"{server.url}/sandbox/_sandbox", timeout=10) as http:
        response = await http.request(method, path, **kwargs)
    assert response.status_code < 300, (path, response.status_code, response.text)
    return response.json() if response.content else None


async def rename(server: ServerProcess, key: str, summary: str) -> None:
    """Edit the summary Jira-side (the sandbox then sends jira:issue_updated)."""
    await admin(server, "PATCH", f"/sites/{ACME_CLOUD_ID}/issues/{key}", json={"summary": summary})


async def connect_jira(gql: GraphQLClient, server: ServeCommand) -> None:
    """startJiraConnect, accept on the mounted sandbox's consent page, follow to our callback."""
    started = await gql.data("mutation { startJiraConnect { authorizeUrl errors { code } } }")
    url = started["startJiraConnect"]["authorizeUrl"]
    assert url.startswith(f"{server.url}/sandbox/auth/authorize?"), url
    answer = await consent(url, DANA, site=ACME_CLOUD_ID)
    done = await finish_connect(gql, server, answer, gql.token or "")
    assert done["connection"]["status"] == "ACTIVE"


async def import_keys(gql: GraphQLClient, room_id: str, keys: list[str]) -> dict[str, Any]:
    payload = (await gql.data(IMPORT, {"r": room_id, "k": keys}))["importJiraIssues"]
    assert payload["errors"] == [], payload
    return dict(payload)


async def settled_push_status(gql: GraphQLClient, room_id: str, issue_id: str) -> str:
    """The link's push status once the in-process push job has left PENDING."""
    for _ in range(150):
        issues = (await gql.data(ROOM, {"r": room_id}))["room"]["issues"]
        status = str(next(i["jiraLink"]["pushStatus"] for i in issues if i["id"] == issue_id))
        if status != "PENDING":
            return status
        await asyncio.sleep(0.1)
    raise AssertionError("the estimate push never finished")


def delivery_rows(database_file: Path, identifier: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(database_file) as db:
        return db.execute(
            "SELECT event, processed_at FROM jira_webhook_deliveries WHERE identifier = ?",
            [identifier],
        ).fetchall()


async def test_make_run_walkthrough_against_the_mounted_sandbox(
    gql: GraphQLClient, embedded: ServeCommand, database_file: Path
) -> None:
    # 1. The printed token is the seeded PREMIUM demo user's, with "Demo room".
    data = await gql.data(VIEWER)
    assert data["viewer"] == {"email": "demo@agilekit.dev", "plan": "PREMIUM"}
    (room,) = [r for r in data["myRooms"] if r["name"] == "Demo room"]
    room_id = room["id"]
    seeded = len((await gql.data(ROOM, {"r": room_id}))["room"]["issues"])

    # 4. Connect Jira through the mounted sandbox's OAuth.
    await connect_jira(gql, embedded)
    connection = (await gql.data(CONNECTION))["jiraConnection"]
    assert connection["status"] == "ACTIVE" and connection["site"]["cloudId"] == ACME_CLOUD_ID

    # 5. Map the room (its webhook registered at the sandbox), import, vote, push.
    mapping = (await gql.data(MAP, {"r": room_id}))["setRoomJiraMapping"]
    assert mapping["errors"] == [], mapping
    assert mapping["mapping"]["webhookStatus"] == "ACTIVE"
    imported = await import_twice(gql, embedded, room_id)
    issues = (await gql.data(ROOM, {"r": room_id}))["room"]["issues"]
    assert len(issues) == seeded + 2
    issue, key = imported[0], imported[0]["jiraLink"]["key"]
    await edit_reaches_subscriber(gql, embedded, database_file, room_id, issue["id"], key)
    await consensus_is_pushed(gql, embedded, room_id, issue)


async def import_twice(
    gql: GraphQLClient, server: ServeCommand, room_id: str
) -> list[dict[str, Any]]:
    """Two issues of the active sprint; importing them again (after one was renamed in Jira
    while its webhook is held back) updates the same room issues and adds none."""
    sprint = (await gql.data(SPRINT_ISSUES, {"s": 2}))["jiraIssues"]["edges"]
    keys = [edge["node"]["key"] for edge in sprint if edge["node"]["key"].startswith("PLAT-")][:2]
    assert len(keys) == 2, sprint
    first = await import_keys(gql, room_id, keys)
    assert (first["created"], first["updated"]) == (2, 0)
    assert [issue["jiraLink"]["key"] for issue in first["issues"]] == keys
    links = [issue["jiraLink"] for issue in first["issues"]]
    assert all(datetime.fromisoformat(link["lastSyncedAt"]).tzinfo for link in links)
    assert {(link["pushStatus"], link["inSprint"], link["deletedInJira"]) for link in links} == {
        ("NOT_PUSHED", True, False)
    }

    await admin(server, "POST", "/webhooks/switches", json={"paused": True})
    await rename(server, keys[1], "Renamed in Jira")
    again = await import_keys(gql, room_id, keys)
    assert (again["created"], again["updated"]) == (0, 2)
    assert [i["id"] for i in again["issues"]] == [i["id"] for i in first["issues"]]
    assert again["issues"][1]["title"] == "Renamed in Jira"
    return list(first["issues"])


async def edit_reaches_subscriber(
    gql: GraphQLClient,
    server: ServeCommand,
    database_file: Path,
    room_id: str,
    issue_id: str,
    key: str,
) -> None:
    """A summary edited in Jira reaches a room subscriber through the webhook: stored in the
    SQLite inbox once (Jira delivers it twice here), applied by an in-process job."""
    await admin(server, "POST", "/webhooks/switches", json={"paused": False, "duplicate": True})
    subscriber = await RoomSubscriber(server.ws_url, server.printed_token()).connect()
    try:
        await subscriber.subscribe(room_id)
        await subscriber.wait_ready(gql, server.printed_token(), room_id)
        await rename(server, key, "Edited")
        event = await subscriber.next_event(15)
        while not (event["__typename"] == "IssueUpdated" and event["issue"]["id"] == issue_id):
            event = await subscriber.next_event(15)
        assert event["issue"]["title"] == "Edited"
    finally:
        await subscriber.close()
    await admin(server, "POST", "/webhooks/drain", params={"timeout": 10})
    attempts = (await admin(server, "GET", "/webhooks/deliveries"))["attempts"]
    assert {a["status"] for a in attempts} == {200}, attempts
    edits = [a for a in attempts if a["issueKey"] == key]
    assert len(edits) == 2 and len({a["identifier"] for a in edits}) == 1, edits
    (stored,) = delivery_rows(database_file, edits[0]["identifier"])
    assert stored[0] == "jira:issue_updated" and stored[1] is not None  # processed


async def consensus_is_pushed(
    gql: GraphQLClient, server: ServeCommand, room_id: str, issue: dict[str, Any]
) -> None:
    """Voting to consensus with autoPushEstimates: PUSHED, the value in Jira, one comment."""
    token = server.printed_token()
    for mutation, variables in (
        (START, {"i": issue["id"]}),
        (CAST, {"i": issue["id"], "v": "5"}),
        (REVEAL, {"i": issue["id"]}),
        (COMPLETE, {"i": issue["id"], "e": "5"}),
    ):
        payload = await voting(gql, token, mutation, variables)
        assert payload["errors"] == [], payload
    assert await settled_push_status(gql, room_id, issue["id"]) == "PUSHED"
    jql = {"jql": f"key = {issue['jiraLink']['key']}"}
    found = (await gql.data(STORY_POINTS, jql))["jiraIssues"]["edges"]
    assert found[0]["node"]["storyPoints"] == 5
    comment = {"method": "POST", "path": f"/issue/{issue['jiraLink']['jiraIssueId']}/comment"}
    assert len((await admin(server, "GET", "/requests", params=comment))["requests"]) == 1


MAPPING = "query($r: ID!) { room(id: $r) { jiraMapping { webhookStatus webhookError } } }"


async def test_a_restarted_make_run_keeps_jira_and_restores_a_lost_webhook(
    tmp_path: Path,
) -> None:
    """The sandbox's state file keeps the connection across a restart; the start-up check
    re-registers a webhook Jira lost meanwhile (an administrator deleted it)."""
    server = serve_embedded(tmp_path / "agilekit.sqlite3")
    try:
        async with contextlib.AsyncExitStack() as stack:
            gql = GraphQLClient(server.url, token=server.printed_token())
            stack.push_async_callback(gql.aclose)
            room_id = next(
                r["id"] for r in (await gql.data(VIEWER))["myRooms"] if r["name"] == "Demo room"
            )
            await connect_jira(gql, server)
            mapped = (await gql.data(MAP, {"r": room_id}))["setRoomJiraMapping"]
            assert mapped["mapping"]["webhookStatus"] == "ACTIVE", mapped
            (webhook,) = (await admin(server, "GET", "/webhooks"))["webhooks"]
            await admin(
                server, "DELETE", f"/webhooks/{webhook['id']}", params={"cloudId": ACME_CLOUD_ID}
            )
        server.stop()
        assert (tmp_path / "agilekit.sandbox.json").is_file()
        server.start()
        gql = GraphQLClient(server.url, token=server.printed_token())
        try:
            connection = (await gql.data(CONNECTION))["jiraConnection"]
            assert connection["status"] == "ACTIVE"  # tokens survived in the sandbox's file
            for _ in range(100):
                listed = (await admin(server, "GET", "/webhooks"))["webhooks"]
                if listed:
                    break
                await asyncio.sleep(0.1)
            assert [w["id"] for w in listed] != [webhook["id"]] and len(listed) == 1, listed
            mapping = (await gql.data(MAPPING, {"r": room_id}))["room"]["jiraMapping"]
            assert mapping["webhookStatus"] == "ACTIVE", mapping
        finally:
            await gql.aclose()
    finally:
        server.stop()
