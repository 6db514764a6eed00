"""Estimate push over GraphQL: a real server process (in-process jobs) + the Jira sandbox."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from models.jira import JiraConnection, JiraIssueLink, RoomJiraMapping
from models.users import User
from tests.jira_support import SandboxProcess, consent, finish_connect, new_account, successful
from tests.resolvers.room_helpers import (
    CAST,
    COMPLETE,
    REVEAL,
    START,
    RoomSubscriber,
    add_issue,
    create_room,
    voting,
)
from tests.support import GraphQLClient, ServerProcess

ACME = "8f3c2a10-5d1e-4c7b-9a42-3e1f0b6d7c01"
PLAT_SP = "customfield_10026"
CONNECT = "mutation { startJiraConnect { authorizeUrl errors { code } } }"
PUSH = """mutation($i: ID!) { pushEstimateToJira(issueId: $i) {
  jiraLink { key pushStatus pushedEstimate pushError } errors { code message } } }"""
LINKS = "query($r: ID!) { room(id: $r) { issues { id jiraLink { pushStatus pushedEstimate } } } }"
JIRA_ISSUE = """query($jql: String!) { jiraIssues(source: {jql: $jql}) {
  edges { node { key storyPoints } } } }"""

pytestmark = pytest.mark.usefixtures("database_url")


async def connected_user(
    gql: GraphQLClient, server: ServerProcess, sandbox: SandboxProcess
) -> tuple[str, str]:
    email = f"push-{uuid.uuid4().hex[:10]}@example.com"
    token = await gql.sign_in(email, "PREMIUM")
    url = (await gql.data(CONNECT, token=token))["startJiraConnect"]["authorizeUrl"]
    answer = await consent(url, await new_account(sandbox, [ACME]))
    await finish_connect(gql, server, answer, token)
    return email, token


async def link_issue(sandbox: SandboxProcess, email: str, room_id: str, issue_id: str) -> Any:
    """Map the room to PLAT (auto push + comment) and link the issue to a new sandbox issue."""
    created = await sandbox.admin(
        "POST", f"/sites/{ACME}/issues", json={"projectKey": "PLAT", "summary": "push e2e"}
    )
    connection = await JiraConnection.get(user__email=email)
    await RoomJiraMapping.create(
        room_id=room_id,
        connection=connection,
        cloud_id=ACME,
        project_key="PLAT",
        board_id=1,
        story_points_field_id=PLAT_SP,
        auto_push_estimates=True,
        comment_on_push=True,
    )
    await JiraIssueLink.create(
        issue_id=int(issue_id),
        connection=connection,
        cloud_id=ACME,
        jira_issue_id=str(created["id"]),
        key=created["key"],
        url=f"https://acme-demo.example/browse/{created['key']}",
        last_synced_at=datetime.now(UTC),
    )
    return created


async def push_status(gql: GraphQLClient, token: str, room_id: str, issue_id: str) -> Any:
    issues = (await gql.data(LINKS, {"r": room_id}, token=token))["room"]["issues"]
    return next(i["jiraLink"] for i in issues if i["id"] == issue_id)


async def wait_pushed(gql: GraphQLClient, token: str, room_id: str, issue_id: str) -> Any:
    for _ in range(100):
        link = await push_status(gql, token, room_id, issue_id)
        if link["pushStatus"] != "PENDING":
            return link
        await asyncio.sleep(0.1)
    raise AssertionError("the push never finished")


async def test_consensus_pushes_once_and_subscriber_hears_it(
    gql: GraphQLClient, jira_server: ServerProcess, jira_sandbox: SandboxProcess
) -> None:
    email, token = await connected_user(gql, jira_server, jira_sandbox)
    await User.filter(email=email).update(name="Alice")
    room_id = await create_room(gql, token)
    issue_id = await add_issue(gql, token, room_id, "Pushed on consensus")
    created = await link_issue(jira_sandbox, email, room_id, issue_id)
    subscriber = await RoomSubscriber(jira_server.ws_url, token).connect()
    try:
        await subscriber.subscribe(room_id)
        await subscriber.wait_ready(gql, token, room_id)
        await voting(gql, token, START, {"i": issue_id})
        await voting(gql, token, CAST, {"i": issue_id, "v": "5"})
        await voting(gql, token, REVEAL, {"i": issue_id})
        await voting(gql, token, COMPLETE, {"i": issue_id, "e": "5"})
        kinds: list[str] = []
        while kinds.count("EstimatePushUpdated") < 2:  # PENDING, then PUSHED
            event = await subscriber.next_event(10)
            if event.get("issue", {}).get("id") == issue_id:
                kinds.append(event["__typename"])
    finally:
        await subscriber.close()
    link = await wait_pushed(gql, token, room_id, issue_id)
    assert link == {"pushStatus": "PUSHED", "pushedEstimate": "5"}
    jql = {"jql": f"key = {created['key']}"}
    found = (await gql.data(JIRA_ISSUE, jql, token=token))["jiraIssues"]["edges"]
    assert found[0]["node"]["storyPoints"] == 5
    issue_path = f"/issue/{created['id']}"
    comments = await jira_sandbox.admin(
        "GET", "/requests", params={"method": "POST", "path": f"{issue_path}/comment"}
    )
    assert len(comments["requests"]) == 1

    # On demand, the same estimate again: PENDING now, and Jira is neither written nor
    # commented a second time.
    pushed = (await gql.data(PUSH, {"i": issue_id}, token=token))["pushEstimateToJira"]
    assert pushed["errors"] == [] and pushed["jiraLink"]["pushStatus"] == "PENDING"
    assert (await wait_pushed(gql, token, room_id, issue_id))["pushStatus"] == "PUSHED"
    assert await successful(jira_sandbox, "PUT", issue_path) == 1
    assert await successful(jira_sandbox, "POST", f"{issue_path}/comment") == 1


async def test_push_errors_and_permissions(gql: GraphQLClient) -> None:
    token = await gql.sign_in(f"push-{uuid.uuid4().hex[:10]}@example.com", "PREMIUM")
    room_id = await create_room(gql, token)
    issue_id = await add_issue(gql, token, room_id, "Not linked")
    payload = (await gql.data(PUSH, {"i": issue_id}, token=token))["pushEstimateToJira"]
    assert payload["jiraLink"] is None and payload["errors"][0]["code"] == "NOT_LINKED"

    free = await gql.sign_in(f"push-free-{uuid.uuid4().hex[:8]}@example.com", "FREE")
    body = await gql.execute(PUSH, {"i": issue_id}, token=free)
    assert body["errors"][0]["extensions"]["code"] == "PREMIUM_REQUIRED"
    stranger = await gql.sign_in(f"push-x-{uuid.uuid4().hex[:8]}@example.com", "PREMIUM")
    body = await gql.execute(PUSH, {"i": issue_id}, token=stranger)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
