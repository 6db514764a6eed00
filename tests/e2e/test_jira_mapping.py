"""Room mappings over GraphQL on a real server + the sandbox; the mapping survives a restart."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.jira_support import SandboxProcess
from tests.jira_support import connect_via_graphql as connect
from tests.support import GraphQLClient, ServerProcess

CREATE = "mutation($n:String!){ createRoom(input:{name:$n}) { room { id } errors { code } } }"
JOIN = "mutation($r:ID!){ joinRoom(roomId:$r) { room { id } errors { code } } }"
FIELDS = """cloudId projectKey boardId sprintId storyPointsFieldId storyPointsFieldSource
  autoImport autoPushEstimates commentOnPush webhookStatus webhookExpiresAt webhookError"""
SET = f"""mutation($r:ID!,$i:RoomJiraMappingInput!){{ setRoomJiraMapping(roomId:$r, input:$i) {{
  mapping {{ {FIELDS} }} errors {{ code field message }} }} }}"""
REMOVE = """mutation($r:ID!){ removeRoomJiraMapping(roomId:$r) {
  mapping { projectKey } errors { code field message } } }"""
READ = f"query($r:ID!){{ room(id:$r) {{ jiraMapping {{ {FIELDS} }} }} }}"

pytestmark = pytest.mark.usefixtures("database_url")


async def sign_in(gql: GraphQLClient, who: str, plan: str = "PREMIUM") -> str:
    return await gql.sign_in(f"mapping-{who}-{datetime.now(UTC).timestamp()}@example.com", plan)


async def webhooks_of(sandbox: SandboxProcess, account: str) -> list[dict[str, Any]]:
    found = (await sandbox.admin("GET", "/webhooks"))["webhooks"]
    return [w for w in found if w["accountId"] == account]


async def test_mapping_over_graphql_survives_a_restart(
    start_server: Callable[..., ServerProcess], jira_sandbox: SandboxProcess
) -> None:
    server = start_server(
        ATLASSIAN_AUTH_URL=f"{jira_sandbox.url}/auth", ATLASSIAN_API_URL=f"{jira_sandbox.url}/api"
    )
    gql = GraphQLClient(server.url)
    try:
        owner = await sign_in(gql, "owner")
        account = await connect(gql, server, jira_sandbox, owner)
        room = (await gql.data(CREATE, {"n": "Mapped"}, token=owner))["createRoom"]["room"]["id"]
        member = await sign_in(gql, "member")
        await gql.data(JOIN, {"r": room}, token=member)
        stranger = await sign_in(gql, "stranger")
        free = await sign_in(gql, "free", plan="FREE")

        bad = await gql.data(SET, {"r": room, "i": {"projectKey": "PLAT", "boardId": 3}}, owner)
        assert bad["setRoomJiraMapping"]["errors"][0]["field"] == "input.boardId"
        assert (await gql.data(READ, {"r": room}, owner))["room"]["jiraMapping"] is None

        given = {"projectKey": "PLAT", "boardId": 1, "sprintId": 2, "commentOnPush": True}
        payload = (await gql.data(SET, {"r": room, "i": given}, owner))["setRoomJiraMapping"]
        assert payload["errors"] == []
        mapping = payload["mapping"]
        assert mapping["webhookStatus"] == "ACTIVE" and mapping["webhookExpiresAt"]
        assert mapping["storyPointsFieldId"] == "customfield_10026" and mapping["commentOnPush"]
        assert len(await webhooks_of(jira_sandbox, account)) == 1

        denied = await gql.data(SET, {"r": room, "i": {"projectKey": "APP"}}, member)
        assert denied["setRoomJiraMapping"]["errors"][0]["code"] == "NOT_ALLOWED"
        body = await gql.execute(REMOVE, {"r": room}, stranger)
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        body = await gql.execute(REMOVE, {"r": room}, free)
        assert body["errors"][0]["extensions"]["code"] == "PREMIUM_REQUIRED"

        server.stop()
        server.start()
        read = await gql.data(READ, {"r": room}, member)  # members read it
        assert read["room"]["jiraMapping"] == mapping

        removed = await gql.data(REMOVE, {"r": room}, owner)
        assert removed["removeRoomJiraMapping"]["mapping"]["projectKey"] == "PLAT"
        assert (await gql.data(READ, {"r": room}, owner))["room"]["jiraMapping"] is None
        assert await webhooks_of(jira_sandbox, account) == []
    finally:
        await gql.aclose()
