"""Subscriptions of one viewer with the same operation share one execution per event
(schema/broadcast.py), over real websockets against a real uvicorn process: each still gets
every event as its viewer may see it, one leaving does not end the others, and a removal ends
them all."""

from __future__ import annotations

from typing import Any

from tests.resolvers.room_helpers import (
    CAST,
    START,
    RoomSubscriber,
    add_issue,
    create_room,
    join_room,
    sync_subscribers,
    unique_email,
    voting,
)
from tests.support import GraphQLClient, ServerProcess

VIEWER = "query { viewer { id } }"
REMOVE_MEMBER = """mutation($r: ID!, $u: ID!) { removeMember(roomId: $r, userId: $u) {
  errors { code } } }"""


def votes_of(event: dict[str, Any]) -> dict[str, str | None]:
    return {vote["user"]["email"]: vote["value"] for vote in event["issue"]["votes"]}


async def ended(subscriber: RoomSubscriber, op_id: str = "1") -> dict[str, Any]:
    """The message that ends the operation (events before it are skipped)."""
    while True:
        message = await subscriber.receive(10)
        if message.get("id") == op_id and message["type"] in ("complete", "error"):
            return message
        assert message["type"] == "next" and not message["payload"].get("errors"), message


async def test_one_viewers_sockets_share_events_and_outlive_each_other(
    gql: GraphQLClient, server: ServerProcess
) -> None:
    alice, bob = unique_email("alice"), unique_email("bob")
    alice_token, bob_token = await gql.sign_in(alice), await gql.sign_in(bob)
    room_id = await create_room(gql, alice_token)
    await join_room(gql, bob_token, room_id)
    first, second = [await RoomSubscriber(server.ws_url, bob_token).connect() for _ in "12"]
    other = await RoomSubscriber(server.ws_url, alice_token).connect()
    subscribers = [first, second, other]
    try:
        for subscriber in subscribers:
            await subscriber.subscribe(room_id)
        await sync_subscribers(gql, alice_token, room_id, subscribers)

        issue = await add_issue(gql, alice_token, room_id, "Checkout")
        assert [(await s.next_change())["issue"]["id"] for s in subscribers] == [issue] * 3
        assert (await voting(gql, alice_token, START, {"i": issue}))["errors"] == []
        assert (await voting(gql, bob_token, CAST, {"i": issue, "v": "3"}))["errors"] == []
        for subscriber in subscribers:
            assert (await subscriber.next_change())["issue"]["status"] == "VOTING"
        # Each viewer sees its own vote; Bob's two sockets see the same, Alice only that he voted.
        bobs = [votes_of(await s.next_change()) for s in (first, second)]
        assert bobs == [{bob: "3"}, {bob: "3"}]
        assert votes_of(await other.next_change()) == {bob: None}

        await first.close()  # the socket whose subscription started the group leaves
        later = await add_issue(gql, alice_token, room_id, "Later")
        assert (await second.next_change())["issue"]["id"] == later
        assert (await other.next_change())["issue"]["id"] == later

        bob_id = (await gql.data(VIEWER, token=bob_token))["viewer"]["id"]
        removed = await gql.data(REMOVE_MEMBER, {"r": room_id, "u": bob_id}, token=alice_token)
        assert removed["removeMember"]["errors"] == []
        assert (await ended(second))["type"] == "complete"
    finally:
        for subscriber in subscribers:
            await subscriber.close()


async def test_the_same_viewer_with_other_operations_gets_its_own_results(
    gql: GraphQLClient, server: ServerProcess
) -> None:
    alice = unique_email("alice")
    token = await gql.sign_in(alice)
    room_id = await create_room(gql, token)
    full = await RoomSubscriber(server.ws_url, token).connect()
    narrow = await RoomSubscriber(server.ws_url, token).connect()
    try:
        await full.subscribe(room_id)
        assert narrow.ws is not None
        await narrow.send(
            {
                "id": "1",
                "type": "subscribe",
                "payload": {
                    "query": "subscription($r: ID!) { roomEvents(roomId: $r) { __typename } }",
                    "variables": {"r": room_id},
                },
            }
        )
        await full.wait_ready(gql, token, room_id)
        await add_issue(gql, token, room_id, "Checkout")
        while (message := await narrow.receive(10))["payload"]["data"]["roomEvents"] != {
            "__typename": "IssueAdded"
        }:
            assert message["type"] == "next", message
        assert (await full.next_change())["issue"]["title"] == "Checkout"
    finally:
        await full.close()
        await narrow.close()
