"""Auto-import end to end: a real server (in-process jobs), the sandbox delivering webhooks."""

from __future__ import annotations

import pytest

from models.jira import JiraWebhookDelivery
from tests.jira_support import (
    ACME_CLOUD_ID,
    SET_MAPPING,
    SandboxProcess,
    connect_via_graphql,
    eventually,
    new_sprint_issues,
    plat_board_id,
)
from tests.resolvers.room_helpers import create_room
from tests.support import GraphQLClient, ServerProcess

ACME = ACME_CLOUD_ID
REMOVE = "mutation($r:ID!){ removeRoomJiraMapping(roomId:$r) { errors { code } } }"
ROOM = """query($r:ID!){ room(id:$r) { issues { title jiraLink { key } }
  jiraMapping { autoImport autoImportedAt autoImportError webhookStatus } } }"""

pytestmark = pytest.mark.usefixtures("database_url")


async def test_sprint_issues_arrive_by_poll_and_by_webhook(
    gql: GraphQLClient, jira_server: ServerProcess, jira_sandbox: SandboxProcess
) -> None:
    owner = await gql.sign_in("auto-import-owner@example.com", "PREMIUM")
    await connect_via_graphql(gql, jira_server, jira_sandbox, owner)
    room = await create_room(gql, owner, "Auto-imported")
    sprint, keys = await new_sprint_issues(jira_sandbox, 2)
    given = {
        "projectKey": "PLAT",
        "boardId": await plat_board_id(jira_sandbox),
        "sprintId": sprint,
        "autoImport": True,
    }
    payload = (await gql.data(SET_MAPPING, {"r": room, "i": given}, owner))["setRoomJiraMapping"]
    assert payload["errors"] == [] and payload["mapping"]["webhookStatus"] == "ACTIVE"
    try:
        await imports_by_poll_and_webhook(gql, jira_sandbox, owner, room, sprint, keys)
    finally:  # its PLAT webhook would otherwise reach this server from other modules' tests
        await gql.data(REMOVE, {"r": room}, owner)


async def imports_by_poll_and_webhook(
    gql: GraphQLClient,
    jira_sandbox: SandboxProcess,
    owner: str,
    room: str,
    sprint: int,
    keys: list[str],
) -> None:

    async def room_keys() -> set[str]:
        data = await gql.data(ROOM, {"r": room}, owner)
        return {i["jiraLink"]["key"] for i in data["room"]["issues"]}

    async def has(expected: set[str]) -> bool:
        return await room_keys() == expected

    await eventually(lambda: has(set(keys)))  # the first poll takes the sprint as it is

    def create(summary: str, sprint_id: int | None = None) -> dict:
        body = {"projectKey": "PLAT", "summary": summary, "sprintId": sprint_id}
        return {k: v for k, v in body.items() if v is not None}

    path = f"/sites/{ACME}/issues"
    backlog = await jira_sandbox.admin("POST", path, json=create("Stays in the backlog"))
    born = await jira_sandbox.admin("POST", path, json=create("Created in the sprint", sprint))
    moved = await jira_sandbox.admin("POST", path, json=create("Pulled into the sprint"))
    await jira_sandbox.admin("PATCH", f"{path}/{moved['key']}", json={"sprintId": sprint})

    await eventually(lambda: has({*keys, born["key"], moved["key"]}))

    async def backlog_delivery_processed() -> bool:
        rows = await JiraWebhookDelivery.filter(event="jira:issue_created").order_by("-id")
        mine = [r for r in rows if str(r.payload["issue"]["id"]) == str(backlog["id"])]
        return bool(mine) and all(r.processed_at is not None for r in mine)

    await eventually(backlog_delivery_processed)
    assert backlog["key"] not in await room_keys()
    mapping = (await gql.data(ROOM, {"r": room}, owner))["room"]["jiraMapping"]
    assert mapping["autoImportedAt"] and mapping["autoImportError"] is None
