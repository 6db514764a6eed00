"""Two uvicorn processes sharing PostgreSQL and Redis: room events cross processes and survive
a Redis restart without clients reconnecting their websockets."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from tests.core.bus.private_redis import PrivateRedis
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
from tests.support import REDIS_URL, GraphQLClient, ServerProcess


@pytest.fixture
def private_redis() -> Iterator[PrivateRedis]:
    redis = PrivateRedis().start()
    yield redis
    redis.kill()


async def test_mutation_on_a_reaches_subscriber_on_b(
    start_server: Callable[..., ServerProcess],
) -> None:
    server_a, server_b = start_server(REDIS_URL=REDIS_URL), start_server(REDIS_URL=REDIS_URL)
    gql_a, gql_b = GraphQLClient(server_a.url), GraphQLClient(server_b.url)
    owner, guest = unique_email("owner"), unique_email("guest")
    owner_token, guest_token = await gql_a.sign_in(owner), await gql_b.sign_in(guest)
    room_id = await create_room(gql_a, owner_token)
    await join_room(gql_b, guest_token, room_id)
    on_b = await RoomSubscriber(server_b.ws_url, guest_token).connect()
    try:
        await on_b.subscribe(room_id)
        await on_b.wait_ready(gql_a, owner_token, room_id)

        issue = await add_issue(gql_a, owner_token, room_id, "Cross-process")
        event = await on_b.next_change()
        assert event["__typename"] == "IssueAdded" and event["issue"]["id"] == issue
        await voting(gql_a, owner_token, START, {"i": issue})
        await on_b.next_change()
        await voting(gql_a, owner_token, CAST, {"i": issue, "v": "8"})
        voted = await on_b.next_change()
        assert voted["issue"]["votes"] == [
            {"hasVoted": True, "value": None, "user": {"email": owner}}
        ]
    finally:
        await on_b.close()
        await gql_a.aclose()
        await gql_b.aclose()


async def test_subscribers_on_both_processes_survive_a_redis_restart(
    start_server: Callable[..., ServerProcess], private_redis: PrivateRedis
) -> None:
    server_a = start_server(REDIS_URL=private_redis.url)
    server_b = start_server(REDIS_URL=private_redis.url)
    gql = GraphQLClient(server_a.url)
    token = await gql.sign_in(unique_email("owner"))
    room_id = await create_room(gql, token)
    subscribers = [
        await RoomSubscriber(server.ws_url, token).connect() for server in (server_a, server_b)
    ]
    websockets_before = [subscriber.ws for subscriber in subscribers]
    try:
        for subscriber in subscribers:
            await subscriber.subscribe(room_id)
        await sync_subscribers(gql, token, room_id, subscribers)

        private_redis.kill()
        await add_issue(gql, token, room_id, "while Redis is down")  # the change still commits
        private_redis.start()
        await sync_subscribers(gql, token, room_id, subscribers)  # fails if either never recovers

        issue = await add_issue(gql, token, room_id, "after the restart")
        for subscriber in subscribers:
            event = await subscriber.next_change()
            assert event["__typename"] == "IssueAdded" and event["issue"]["id"] == issue
        assert [subscriber.ws for subscriber in subscribers] == websockets_before
    finally:
        for subscriber in subscribers:
            await subscriber.close()
        await gql.aclose()
