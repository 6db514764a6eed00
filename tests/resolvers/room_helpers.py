"""Room operations over real HTTP and a graphql-transport-ws subscriber over a real websocket."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

from tests.support import GraphQLClient

ISSUE_FIELDS = "id title status finalEstimate position votes { hasVoted value user { email } }"
EVENT_SELECTION = f"""
  __typename
  ... on IssueAdded {{ at issue {{ {ISSUE_FIELDS} }} }}
  ... on IssueUpdated {{ at issue {{ {ISSUE_FIELDS} }} }}
  ... on VotingUpdated {{ at issue {{ {ISSUE_FIELDS} }} }}
  ... on EstimatePushUpdated {{ at issue {{ {ISSUE_FIELDS} }} }}
  ... on IssueRemoved {{ at issueId }}
  ... on RoomJiraMappingUpdated {{ at roomId }}
"""
SUBSCRIBE = f"subscription($r: ID!) {{ roomEvents(roomId: $r) {{ {EVENT_SELECTION} }} }}"

CREATE_ROOM = """mutation($n: String!, $d: [String!]) {
  createRoom(input: {name: $n, deck: $d}) { room { id name deck owner { email } }
  errors { code field message } } }"""
JOIN_ROOM = "mutation($r: ID!) { joinRoom(roomId: $r) { room { id } errors { code field } } }"
ADD_ISSUE = """mutation($r: ID!, $t: String!, $d: String) {
  addIssue(input: {roomId: $r, title: $t, description: $d}) {
  issue { id title status position } errors { code field message } } }"""
VOTING_FIELDS = f"issue {{ {ISSUE_FIELDS} }} errors {{ code field message }}"
START = f"mutation($i: ID!) {{ startVoting(issueId: $i) {{ {VOTING_FIELDS} }} }}"
CAST = (
    f"mutation($i: ID!, $v: String!) {{ castVote(issueId: $i, value: $v) {{ {VOTING_FIELDS} }} }}"
)
REVEAL = f"mutation($i: ID!) {{ revealVotes(issueId: $i) {{ {VOTING_FIELDS} }} }}"
COMPLETE = (
    f"mutation($i: ID!, $e: String!) {{ completeIssueVoting(issueId: $i, finalEstimate: $e)"
    f" {{ {VOTING_FIELDS} }} }}"
)


def unique_email(label: str) -> str:
    return f"{label}-{uuid.uuid4().hex[:10]}@example.com"


async def create_room(gql: GraphQLClient, token: str, name: str = "Sprint planning") -> str:
    data = await gql.data(CREATE_ROOM, {"n": name}, token=token)
    assert data["createRoom"]["errors"] == [], data
    return str(data["createRoom"]["room"]["id"])


async def join_room(gql: GraphQLClient, token: str, room_id: str) -> None:
    data = await gql.data(JOIN_ROOM, {"r": room_id}, token=token)
    assert data["joinRoom"]["errors"] == [], data


async def add_issue(gql: GraphQLClient, token: str, room_id: str, title: str) -> str:
    data = await gql.data(ADD_ISSUE, {"r": room_id, "t": title}, token=token)
    assert data["addIssue"]["errors"] == [], data
    return str(data["addIssue"]["issue"]["id"])


async def voting(
    gql: GraphQLClient, token: str, mutation: str, variables: dict[str, Any]
) -> dict[str, Any]:
    """Run a voting mutation and return its payload (issue + errors)."""
    data = await gql.data(mutation, variables, token=token)
    return next(iter(data.values()))


class RoomSubscriber:
    """One websocket, graphql-transport-ws, subscribed to one room's events."""

    def __init__(self, ws_url: str, token: str) -> None:
        self.ws_url, self.token = ws_url, token
        self.ws: ClientConnection | None = None

    async def connect(self) -> RoomSubscriber:
        self.ws = await connect(self.ws_url, subprotocols=["graphql-transport-ws"])  # type: ignore[list-item]
        await self.send(
            {"type": "connection_init", "payload": {"authorization": f"Bearer {self.token}"}}
        )
        ack = await self.receive(10)
        assert ack["type"] == "connection_ack", ack
        return self

    async def subscribe(self, room_id: str, op_id: str = "1") -> None:
        await self.send(
            {
                "id": op_id,
                "type": "subscribe",
                "payload": {"query": SUBSCRIBE, "variables": {"r": room_id}},
            }
        )

    async def send(self, message: dict[str, Any]) -> None:
        assert self.ws is not None
        await self.ws.send(json.dumps(message))

    async def receive(self, within: float) -> dict[str, Any]:
        """The next protocol message other than ping/pong (pings are answered)."""
        assert self.ws is not None
        while True:
            message = json.loads(await asyncio.wait_for(self.ws.recv(), within))
            if message["type"] == "ping":
                await self.send({"type": "pong"})
            elif message["type"] != "pong":
                return message

    async def next_event(self, within: float = 10) -> dict[str, Any]:
        message = await self.receive(within)
        assert message["type"] == "next" and not message["payload"].get("errors"), message
        return message["payload"]["data"]["roomEvents"]

    async def next_change(self, within: float = 10) -> dict[str, Any]:
        """The next event other than a MemberUpdated: presence announcements (someone's
        subscription opening or closing, on any process) may arrive at any point."""
        while (event := await self.next_event(within))["__typename"] == "MemberUpdated":
            pass
        return event

    async def read_until(self, issue_id: str, within: float) -> bool:
        """Read events until one about `issue_id`; False if none came in time."""
        deadline = asyncio.get_running_loop().time() + within
        while (remaining := deadline - asyncio.get_running_loop().time()) > 0:
            try:
                event = await self.next_event(remaining)
            except TimeoutError:
                return False
            if event.get("issue", {}).get("id") == issue_id:
                return True
        return False

    async def wait_ready(self, gql: GraphQLClient, token: str, room_id: str) -> None:
        await sync_subscribers(gql, token, room_id, [self])

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()


async def sync_subscribers(
    gql: GraphQLClient, token: str, room_id: str, subscribers: list[RoomSubscriber]
) -> None:
    """Nothing tells a client that the server registered its subscription (or that a bus
    reconnected): add a probe issue per round until every subscriber receives that round's
    probe; each stream is then read up to it, so what follows starts clean."""
    for attempt in range(60):
        probe = await add_issue(gql, token, room_id, f"probe {attempt}")
        received = [await subscriber.read_until(probe, 0.5) for subscriber in subscribers]
        if all(received):
            return
    raise AssertionError("some subscriptions never delivered a probe event")
