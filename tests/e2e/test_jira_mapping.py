"""Room mappings over GraphQL on a real server + the sandbox; the mapping survives a restart."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.jira_support import MAPPING_FIELDS, SandboxProcess
from tests.jira_support import READ_MAPPING as READ
from tests.jira_support import SET_MAPPING as SET
from tests.jira_support import connect_via_graphql as connect
from tests.resolvers.room_helpers import EVENT_SELECTION, RoomSubscriber
from tests.support import GraphQLClient, ServerProcess

CREATE = "mutation($n:String!){ createRoom(input:{name:$n}) { room { id } errors { code } } }"
JOIN = "mutation($r:ID!){ joinRoom(roomId:$r) { room { id } errors { code } } }"
REMOVE = """mutation($r:ID!){ removeRoomJiraMapping(roomId:$r) {
  mapping { projectKey } errors { code field message } } }"""

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


MAPPING_EVENTS = f"""subscription($r: ID!) {{ roomEvents(roomId: $r) {{ {EVENT_SELECTION}
  ... on RoomJiraMappingUpdated {{ mapping {{ {MAPPING_FIELDS} }} }} }} }}"""


async def test_room_subscribers_receive_the_mapping_when_it_changes(
    jira_server: ServerProcess, jira_sandbox: SandboxProcess
) -> None:
    gql = GraphQLClient(jira_server.url)
    owner = await sign_in(gql, "live-owner")
    await connect(gql, jira_server, jira_sandbox, owner)
    room = (await gql.data(CREATE, {"n": "Live"}, token=owner))["createRoom"]["room"]["id"]
    member = await sign_in(gql, "live-member")
    await gql.data(JOIN, {"r": room}, token=member)
    subscriber = await RoomSubscriber(jira_server.ws_url, member).connect()
    try:
        payload = {"query": MAPPING_EVENTS, "variables": {"r": room}}
        await subscriber.send({"id": "1", "type": "subscribe", "payload": payload})
        await subscriber.wait_ready(gql, owner, room)

        given = {"projectKey": "PLAT", "boardId": 1, "autoPushEstimates": True}
        answer = (await gql.data(SET, {"r": room, "i": given}, owner))["setRoomJiraMapping"]
        assert answer["errors"] == [] and answer["mapping"]["webhookStatus"] == "ACTIVE"
        event = await subscriber.next_event()
        assert (event["__typename"], event["roomId"]) == ("RoomJiraMappingUpdated", room)
        assert event["mapping"] == answer["mapping"] and event["at"]

        await gql.data(REMOVE, {"r": room}, owner)
        event = await subscriber.next_event()
        assert (event["__typename"], event["roomId"], event["mapping"]) == (
            "RoomJiraMappingUpdated",
            room,
            None,
        )
    finally:
        await subscriber.close()
        await gql.aclose()
