"""The epic's acceptance criteria, end to end, in the production shape: a uvicorn server with
REDIS_URL and a real `agilekit worker` (tests/e2e/stack.py), PostgreSQL, Redis and the Jira
sandbox process, which delivers real signed webhooks to the server.

The tests share one stack, one connected PREMIUM owner, one mapped room and one import; each
test uses issues of its own, so any of them also runs alone."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt
import pytest
from tortoise import connections

from core.crypto import DecryptionError, keyring_from
from models.jira import JiraConnection, JiraWebhookDelivery
from services.jira.token_store import ACCESS_FIELD, REFRESH_FIELD, keyring_for, unseal
from tests.e2e.stack import (
    PROJECT,
    ROOM_ISSUES,
    SITE,
    STORY_POINTS,
    Imported,
    Owner,
    Stack,
    gql,
    imported,
    jira_get,
    owner,
    rename_in_jira,
    room,
    room_issue,
    stack,
)
from tests.jira_support import ACME_CLOUD_ID as ACME
from tests.jira_support import (
    READ_MAPPING,
    SET_MAPPING,
    connect_via_graphql,
    eventually,
    new_sprint_issues,
    scrum_board_id,
    successful,
    token_calls,
)
from tests.resolvers.room_helpers import (
    CAST,
    COMPLETE,
    REVEAL,
    START,
    RoomSubscriber,
    create_room,
    unique_email,
    voting,
)
from tests.support import GraphQLClient

__all__ = ["gql", "imported", "owner", "room", "stack"]  # fixtures

CONNECTION = "{ jiraConnection { id status accountEmail scopes site { cloudId url } } }"
PROJECTS = "{ jiraProjects(first: 5) { edges { node { key } } } }"

pytestmark = pytest.mark.usefixtures("database_url")


async def next_event_about(subscriber: RoomSubscriber, issue_id: str) -> dict[str, Any]:
    while True:  # the room's other issues may still be echoing earlier Jira writes
        event = await subscriber.next_event(10)
        if event.get("issue", {}).get("id") == issue_id:
            return event


def text_of(adf: Any) -> str:
    if isinstance(adf, dict):
        return str(adf.get("text", "")) + "".join(text_of(n) for n in adf.get("content", []))
    return ""


async def test_connect_through_oauth(gql: GraphQLClient, stack: Stack) -> None:
    token = await gql.sign_in(unique_email("connect"), "PREMIUM")
    assert (await gql.data(CONNECTION, token=token))["jiraConnection"] is None
    await connect_via_graphql(gql, stack.server, stack.sandbox, token)
    connection = (await gql.data(CONNECTION, token=token))["jiraConnection"]
    assert connection["status"] == "ACTIVE" and connection["site"]["cloudId"] == ACME
    assert "offline_access" in connection["scopes"]
    assert (await gql.data(PROJECTS, token=token))["jiraProjects"]["edges"]


async def test_tokens_encrypted_at_rest(stack: Stack, owner: Owner) -> None:
    rows = await connections.get("default").execute_query_dict(
        "SELECT * FROM jira_connections WHERE id = $1", [owner.connection_id]
    )
    stored = json.dumps(rows[0], default=str)
    assert rows[0]["access_token_enc"].startswith("v1.")
    assert rows[0]["refresh_token_enc"].startswith("v1.")
    row = await JiraConnection.get(id=owner.connection_id)
    access = unseal(keyring_for(stack.settings), row, ACCESS_FIELD)
    refresh = unseal(keyring_for(stack.settings), row, REFRESH_FIELD)
    async with httpx.AsyncClient(timeout=10) as http:  # the real token, as the sandbox knows it
        me = await http.get(
            f"{stack.sandbox.url}/api/me", headers={"authorization": f"Bearer {access}"}
        )
    assert me.status_code == 200 and me.json()["account_id"] == owner.account_id
    assert access not in stored and refresh not in stored
    assert access.split(".")[1] not in stored  # not even the JWT's readable claims
    other_key = keyring_from(f"other:{uuid.uuid4().hex}{uuid.uuid4().hex}")
    with pytest.raises(DecryptionError):
        unseal(other_key, row, ACCESS_FIELD)


async def test_tokens_refreshed_before_expiry_by_the_worker(
    gql: GraphQLClient, stack: Stack, owner: Owner
) -> None:
    # The cron keeps connections in use fresh: this one is, from now.
    assert (await gql.data(PROJECTS, token=owner.token))["jiraProjects"]["edges"]
    before = await JiraConnection.get(id=owner.connection_id)
    # Atlassian's side: the old access token no longer works. Ours: it expires in 10 minutes.
    await stack.sandbox.admin("POST", "/tokens/expire", json={"accountId": owner.account_id})
    await JiraConnection.filter(id=before.id).update(
        access_expires_at=datetime.now(UTC) + timedelta(minutes=10)
    )
    grants = (await token_calls(stack.sandbox)).get("refresh_token:ok", 0)

    refreshed_count = await stack.run_job("refresh_expiring_tokens")

    after = await JiraConnection.get(id=before.id)
    assert (
        after.version == before.version + 1 and after.last_refreshed_at > before.last_refreshed_at
    )
    assert after.access_expires_at > datetime.now(UTC) + timedelta(minutes=55)
    # One grant per refreshed connection (ours, and any other of this run that was due).
    assert refreshed_count >= 1
    assert (await token_calls(stack.sandbox)).get("refresh_token:ok", 0) == grants + refreshed_count
    grants_after_job = (await token_calls(stack.sandbox))["refresh_token"]

    assert (await gql.data(PROJECTS, token=owner.token))["jiraProjects"]["edges"]
    assert (await token_calls(stack.sandbox))["refresh_token"] == grants_after_job
    secrets = [unseal(keyring_for(stack.settings), r, f) for r in (before, after)
               for f in (ACCESS_FIELD, REFRESH_FIELD)]  # fmt: skip
    logs = stack.worker.logs() + stack.server.logs()
    assert "refresh_expiring_tokens" in stack.worker.logs()
    assert not any(secret in logs for secret in secrets)


async def test_import_from_a_sprint(imported: Imported) -> None:
    assert sorted(node["key"] for node in imported.listed) == sorted(imported.sprint_keys)
    payload = imported.payload
    assert payload["errors"] == [] and (payload["created"], payload["updated"]) == (5, 0)
    assert imported.bulk_requests == 1  # fetched in bulk, not one request per issue
    titles = {node["key"]: node["summary"] for node in imported.listed}
    assert {i["jiraLink"]["key"]: i["title"] for i in payload["issues"]} == titles


async def test_imported_issues_carry_their_jira_link(
    gql: GraphQLClient, owner: Owner, room: str, imported: Imported
) -> None:
    site = (await gql.data(CONNECTION, token=owner.token))["jiraConnection"]["site"]
    assert site["cloudId"] == SITE and site["url"].startswith("https://")
    issues = (await gql.data(ROOM_ISSUES, {"r": room}, owner.token))["room"]["issues"]
    links = {issue["jiraLink"]["key"]: issue["jiraLink"] for issue in issues}
    for node in imported.listed:
        link = links[node["key"]]
        assert link["url"] == f"{site['url']}/browse/{node['key']}"
        assert link["jiraIssueId"] == node["id"] and link["pushStatus"] == "NOT_PUSHED"


async def test_estimate_pushed_on_consensus_by_the_worker(
    gql: GraphQLClient, stack: Stack, owner: Owner, room: str, imported: Imported
) -> None:
    issue_id, key = imported.room_issue_id(0), imported.jira_key(0)
    await voting(gql, owner.token, START, {"i": issue_id})
    await voting(gql, owner.token, CAST, {"i": issue_id, "v": "8"})
    await voting(gql, owner.token, REVEAL, {"i": issue_id})
    await voting(gql, owner.token, COMPLETE, {"i": issue_id, "e": "8"})

    async def pushed() -> bool:
        link = (await room_issue(gql, owner, room, issue_id))["jiraLink"]
        return link["pushStatus"] not in ("NOT_PUSHED", "PENDING")

    await eventually(pushed)
    link = (await room_issue(gql, owner, room, issue_id))["jiraLink"]
    assert (link["pushStatus"], link["pushedEstimate"], link["pushError"]) == ("PUSHED", "8", None)
    issue = await jira_get(stack, owner, f"issue/{key}?fields=comment,{STORY_POINTS}")
    assert issue["fields"][STORY_POINTS] == 8
    comments = [text_of(c["body"]) for c in issue["fields"]["comment"]["comments"]]
    assert len(comments) == 1 and comments[0].startswith("Estimated at 8 points via AgileKit")
    assert await successful(stack.sandbox, "POST", f"/issue/{imported.jira_id(0)}/comment") == 1
    assert ":push_estimate(" in stack.worker.logs()  # the worker ran it, not the server


async def test_title_changed_in_jira_reaches_a_room_subscriber(
    gql: GraphQLClient, stack: Stack, owner: Owner, room: str, imported: Imported
) -> None:
    issue_id, key = imported.room_issue_id(1), imported.jira_key(1)
    subscriber = await RoomSubscriber(stack.server.ws_url, owner.token).connect()
    try:
        await subscriber.subscribe(room)
        await subscriber.wait_ready(gql, owner.token, room)
        await rename_in_jira(stack, key, "Renamed in Jira")
        event = await next_event_about(subscriber, issue_id)
    finally:
        await subscriber.close()
    assert event["__typename"] == "IssueUpdated", event
    assert (event["issue"]["id"], event["issue"]["title"]) == (issue_id, "Renamed in Jira")
    assert (await room_issue(gql, owner, room, issue_id))["title"] == "Renamed in Jira"
    assert ":apply_jira_webhooks(" in stack.worker.logs()


async def test_mapping_survives_a_server_restart(
    gql: GraphQLClient, stack: Stack, owner: Owner, room: str, imported: Imported
) -> None:
    mapping = (await gql.data(READ_MAPPING, {"r": room}, owner.token))["room"]["jiraMapping"]
    assert mapping["webhookStatus"] == "ACTIVE"
    stack.restart_server()
    again = (await gql.data(READ_MAPPING, {"r": room}, owner.token))["room"]["jiraMapping"]
    assert again == mapping

    issue_id, key = imported.room_issue_id(2), imported.jira_key(2)
    await rename_in_jira(stack, key, "After the restart")

    async def renamed() -> bool:
        return (await room_issue(gql, owner, room, issue_id))["title"] == "After the restart"

    await eventually(renamed)


async def test_duplicate_and_out_of_order_deliveries_applied_once_in_order(
    gql: GraphQLClient, stack: Stack, owner: Owner, room: str, imported: Imported
) -> None:
    issue_id, key = imported.room_issue_id(3), imported.jira_key(3)
    subscriber = await RoomSubscriber(stack.server.ws_url, owner.token).connect()
    try:
        await subscriber.subscribe(room)
        await subscriber.wait_ready(gql, owner.token, room)
        switches = {"duplicate": True, "out_of_order": True}
        await stack.sandbox.admin("POST", "/webhooks/switches", json=switches)
        try:
            for n in range(1, 4):
                await rename_in_jira(stack, key, f"Title {n}")
                await asyncio.sleep(0.01)  # distinct `updated` stamps
            await stack.sandbox.admin("POST", "/webhooks/drain?timeout=10")  # newest first
        finally:
            off = {"duplicate": False, "out_of_order": False}
            await stack.sandbox.admin("POST", "/webhooks/switches", json=off)
        attempts = [
            a
            for a in (await stack.sandbox.admin("GET", "/webhooks/deliveries"))["attempts"]
            if a.get("issueKey") == key and a["url"] == stack.webhook_url
        ]
        assert len(attempts) == 6 and all(a["status"] == 200 for a in attempts)
        identifiers = {a["identifier"] for a in attempts}

        async def processed_once() -> bool:
            rows = await JiraWebhookDelivery.filter(identifier__in=identifiers).values_list(
                "processed_at", flat=True
            )
            return len(rows) == 3 and all(rows)

        await eventually(processed_once)
        titles = await titles_heard(subscriber, issue_id)
    finally:
        await subscriber.close()
    # Never an older state after a newer one, the newest last. Events are hints each receiver
    # reads fresh, so under load two may both show the newest state: repeats are collapsed.
    states = [title for n, title in enumerate(titles) if n == 0 or title != titles[n - 1]]
    assert titles and titles[-1] == "Title 3" and states == sorted(set(states)), titles
    assert (await room_issue(gql, owner, room, issue_id))["title"] == "Title 3"


async def titles_heard(subscriber: RoomSubscriber, issue_id: str) -> list[str]:
    """The titles of the IssueUpdated events about `issue_id` until the stream goes quiet."""
    titles: list[str] = []
    while True:
        try:
            event = await subscriber.next_event(1.0)
        except TimeoutError:
            return titles
        if event["__typename"] == "IssueUpdated" and event["issue"]["id"] == issue_id:
            titles.append(event["issue"]["title"])


async def test_forged_delivery_is_refused(
    gql: GraphQLClient, stack: Stack, owner: Owner, room: str, imported: Imported
) -> None:
    issue_id, jira_id = imported.room_issue_id(4), imported.jira_id(4)
    site = (await gql.data(CONNECTION, token=owner.token))["jiraConnection"]["site"]["url"]
    now = int(time.time())
    body = {  # what Jira sends for this issue
        "webhookEvent": "jira:issue_updated",
        "timestamp": now * 1000,
        "issue": {
            "id": jira_id,
            "self": f"{site}/rest/api/2/issue/{jira_id}",
            "fields": {"summary": "Changed by a webhook"},
        },
    }
    secret = stack.settings.jira_client_secret
    forgeries = {
        "wrong secret": jwt.encode({"exp": now + 60}, "not-the-client-secret" * 3, "HS256"),
        "expired": jwt.encode({"exp": now - 600}, secret, "HS256"),
        "unsigned": jwt.encode({"exp": now + 60}, None, "none"),
    }
    forged = [await deliver(stack, body, token) for token in forgeries.values()]
    assert [status for status, _ in forged] == [401] * len(forgeries)
    identifiers = [identifier for _, identifier in forged]
    assert not await JiraWebhookDelivery.filter(identifier__in=identifiers).exists()

    # The control: the same body signed with the client secret is stored and applied.
    status, _ = await deliver(stack, body, jwt.encode({"exp": now + 60}, secret, "HS256"))
    assert status == 200

    async def applied() -> bool:
        return (await room_issue(gql, owner, room, issue_id))["title"] == "Changed by a webhook"

    await eventually(applied)


async def deliver(stack: Stack, body: dict[str, Any], token: str) -> tuple[int, str]:
    """POST a delivery to the server as Jira would; returns the status and its identifier."""
    identifier = f"acceptance-{uuid.uuid4().hex}"
    headers = {"authorization": f"Bearer {token}", "x-atlassian-webhook-identifier": identifier}
    async with httpx.AsyncClient(timeout=10) as http:
        answer = await http.post(stack.webhook_url, json=body, headers=headers)
    return answer.status_code, identifier


async def test_sprint_issues_auto_imported_by_the_worker(
    gql: GraphQLClient, stack: Stack, owner: Owner
) -> None:
    """autoImport: the worker's first poll takes the sprint, then the webhook brings the
    issue created in it."""
    sprint, keys = await new_sprint_issues(stack.sandbox, 2, SITE, PROJECT)
    room_id = await create_room(gql, owner.token, "Auto-imported")
    board = await scrum_board_id(stack.sandbox, SITE, PROJECT)
    given = {"cloudId": SITE, "projectKey": PROJECT, "boardId": board, "sprintId": sprint}
    payload = await gql.data(
        SET_MAPPING, {"r": room_id, "i": {**given, "autoImport": True}}, owner.token
    )
    assert payload["setRoomJiraMapping"]["errors"] == [], payload

    async def keys_in_room() -> set[str]:
        issues = (await gql.data(ROOM_ISSUES, {"r": room_id}, owner.token))["room"]["issues"]
        return {issue["jiraLink"]["key"] for issue in issues}

    async def has(expected: set[str]) -> bool:
        return await keys_in_room() == expected

    await eventually(lambda: has(set(keys)), within=20)
    body = {"projectKey": PROJECT, "summary": "Born in the sprint", "sprintId": sprint}
    born = await stack.sandbox.admin("POST", f"/sites/{SITE}/issues", json=body)
    await eventually(lambda: has({*keys, born["key"]}), within=20)
    assert "auto_import_sprint" in stack.worker.logs()  # the poll ran on the worker
