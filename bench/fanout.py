"""Fan-out: 500 websocket subscribers on process B, mutations on process A (Redis between).

Latency = from sending the mutation to A until each subscriber on B has the event (so it
includes the mutation's own commit). Baseline, same run and same client: raw Redis pub/sub,
one publisher and 500 subscriber connections. Goal: p99 <= 2x raw Redis's.

    .venv/bin/python bench/fanout.py [--subscribers 500] [--users 10] [--events 50] [--burst 100]

The subscribers are members of --users users (round robin). Subscriptions of one viewer with
the same operation share one execution and encoding per event (schema/broadcast.py): with
--users 500 every subscriber is its own viewer, the case with nothing to share.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import sys
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import redis.asyncio as aioredis
from websockets.asyncio.client import ClientConnection, connect

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.figures import record, record_latencies
from bench.support import (
    REDIS_URL,
    KeepAliveClient,
    Uvicorn,
    app_env,
    percentile,
    scratch_database,
    summary,
)
from core.auth import issue_token
from core.settings import DEV_JWT_SECRET
from models.rooms import Issue, IssueStatus, RoomMember
from models.users import User
from services.rooms.rooms import create_room

SUBSCRIPTION = """subscription($r: ID!) { roomEvents(roomId: $r) { __typename
  ... on VotingUpdated { at issue { id status votes { hasVoted value } } } } }"""
CAST = "mutation($i: ID!, $v: String!) { castVote(issueId: $i, value: $v) { errors { code } } }"


@dataclass(frozen=True)
class Burst:
    """What reached the subscribers after a burst: frames (an update still queued stands for
    newer ones, so fewer than mutations x subscribers), and when the last one arrived."""

    delivered: int
    caught_up_s: float


class Arrivals:
    """Arrival times per event index; each subscriber's k-th event answers the k-th mutation."""

    def __init__(self) -> None:
        self.times: dict[int, list[float]] = defaultdict(list)
        self.delivery: dict[int, list[float]] = defaultdict(list)  # ms from publish (`at`)
        self.counts: dict[int, int] = defaultdict(int)
        self.changed = asyncio.Event()

    def record(self, subscriber: int, published_at: float | None = None) -> None:
        index = self.counts[subscriber]
        self.counts[subscriber] = index + 1
        self.times[index].append(time.perf_counter())
        if published_at is not None:
            self.delivery[index].append((time.time() - published_at) * 1000)
        self.changed.set()

    def reset(self) -> None:
        self.times.clear()
        self.delivery.clear()
        self.counts.clear()

    async def settle(self, quiet_s: float, within: float) -> list[float]:
        """Every arrival time once none came for `quiet_s` seconds."""
        deadline = time.perf_counter() + within
        while time.perf_counter() < deadline:
            self.changed.clear()
            try:
                await asyncio.wait_for(self.changed.wait(), quiet_s)
            except TimeoutError:
                break
        return [t for times in self.times.values() for t in times]

    async def wait(self, index: int, expected: int, within: float = 10) -> list[float]:
        deadline = time.perf_counter() + within
        while len(self.times[index]) < expected:
            self.changed.clear()
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                raise TimeoutError(f"event {index}: {len(self.times[index])}/{expected} arrived")
            try:
                await asyncio.wait_for(self.changed.wait(), remaining)
            except TimeoutError:
                pass
        return self.times[index]


async def seed(user_count: int) -> tuple[str, str, list[str]]:
    users = [
        await User.create(subject=f"fan|{n}", email=f"fan{n}@example.com", name=f"Fan {n}")
        for n in range(user_count)
    ]
    room = await create_room(users[0], "Fan-out", None)
    await RoomMember.bulk_create([RoomMember(room_id=room.id, user_id=u.id) for u in users[1:]])
    issue = await Issue.create(room_id=room.id, position=1, title="Hot", status=IssueStatus.VOTING)
    tokens = [
        issue_token(DEV_JWT_SECRET, subject=u.subject, email=u.email, name=u.name) for u in users
    ]
    return str(room.id), str(issue.id), tokens


async def subscriber(
    number: int, ws_url: str, token: str, room_id: str, arrivals: Arrivals, ready: asyncio.Event
) -> None:
    ws: ClientConnection = await connect(
        ws_url,
        subprotocols=["graphql-transport-ws"],
        max_queue=None,  # type: ignore[list-item]
    )
    await ws.send(
        json.dumps({"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}})
    )
    assert json.loads(await ws.recv())["type"] == "connection_ack"
    await ws.send(
        json.dumps(
            {
                "id": "1",
                "type": "subscribe",
                "payload": {"query": SUBSCRIPTION, "variables": {"r": room_id}},
            }
        )
    )
    ready.set()
    try:
        async for raw in ws:
            message = json.loads(raw)
            if message["type"] == "next":
                assert not message["payload"].get("errors"), message
                event = message["payload"]["data"]["roomEvents"]
                if "at" not in event:  # an event the query does not select (MemberUpdated)
                    continue
                arrivals.record(number, datetime.fromisoformat(event["at"]).timestamp())
            elif message["type"] == "ping":
                await ws.send('{"type":"pong"}')
            elif message["type"] in ("error", "complete"):
                raise RuntimeError(f"subscriber {number}: {message}")
    finally:
        await ws.close()


async def measure_app(
    count: int, users: int, events: int, burst: int
) -> tuple[list[float], list[float], Burst]:
    async with scratch_database() as database_url:
        room_id, issue_id, tokens = await seed(users)
        # 500 sockets of 10 users: 50 each, over the default WS_MAX_CONNECTIONS_PER_USER (10).
        env = app_env(database_url, REDIS_URL=REDIS_URL, WS_MAX_CONNECTIONS_PER_USER="64")
        server_a, server_b = (
            Uvicorn("app:create_app", env).start(),
            Uvicorn("app:create_app", env, profile_to=os.environ.get("PROFILE_B")).start(),
        )
        tasks: list[asyncio.Task[None]] = []
        try:
            arrivals = Arrivals()
            for n in range(count):
                ready = asyncio.Event()
                tasks.append(
                    asyncio.create_task(
                        subscriber(n, server_b.ws_url, tokens[n % users], room_id, arrivals, ready)
                    )
                )
                await ready.wait()
            http = await KeepAliveClient(server_a.port).open()
            votes = [
                KeepAliveClient.encode(
                    "POST",
                    "/graphql",
                    {"query": CAST, "variables": {"i": issue_id, "v": v}},
                    {"authorization": f"Bearer {tokens[0]}"},
                )
                for v in ("1", "2")
            ]
            # Until B has registered every subscription, events may miss some: vote until all
            # subscribers got one, then let the stream settle.
            for attempt in range(100):
                await http.request(votes[attempt % 2])
                await asyncio.sleep(0.2)
                if len(arrivals.counts) == count:
                    break
            await asyncio.sleep(1)
            arrivals.reset()

            latencies: list[float] = []
            deliveries: list[float] = []
            for k in range(events):
                started = time.perf_counter()
                await http.request(votes[k % 2])
                event_latencies = [(t - started) * 1000 for t in await arrivals.wait(k, count)]
                if os.environ.get("BENCH_VERBOSE"):
                    first, last = min(event_latencies), max(event_latencies)
                    print(f"event {k}: first {first:.1f} ms, last {last:.1f} ms")
                latencies += event_latencies
                deliveries += arrivals.delivery[k]
                await asyncio.sleep(0.02)
            arrivals.reset()

            started = time.perf_counter()
            for k in range(burst):
                await http.request(votes[k % 2])
            # An update still queued for a subscriber stands for newer ones (it reads the
            # issue when delivered): count what arrived until the stream went quiet.
            arrived = await arrivals.settle(quiet_s=1.0, within=60) if burst else []
            caught_up_s = max(arrived) - started if arrived else 0.0
            await http.close()
            return latencies, deliveries, Burst(len(arrived), caught_up_s)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            server_a.stop()
            server_b.stop()


async def measure_redis(count: int, events: int) -> list[float]:
    channel = f"agilekit_bench_raw_{uuid.uuid4().hex[:8]}"
    arrivals = Arrivals()
    clients = [aioredis.from_url(REDIS_URL) for _ in range(count)]
    pubsubs = [client.pubsub() for client in clients]
    for pubsub in pubsubs:
        await pubsub.subscribe(channel)
        await pubsub.get_message(timeout=1)  # the subscribe confirmation

    async def listen(number: int, pubsub: aioredis.client.PubSub) -> None:
        async for message in pubsub.listen():
            if message["type"] == "message":
                json.loads(message["data"])
                arrivals.record(number)

    tasks = [asyncio.create_task(listen(n, p)) for n, p in enumerate(pubsubs)]
    publisher = aioredis.from_url(REDIS_URL)
    latencies: list[float] = []
    try:
        for k in range(events):
            started = time.perf_counter()
            await publisher.publish(channel, json.dumps({"kind": "VOTING_UPDATED", "n": k}))
            latencies += [(t - started) * 1000 for t in await arrivals.wait(k, count)]
            await asyncio.sleep(0.02)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for pubsub, client in zip(pubsubs, clients, strict=True):
            await pubsub.aclose()
            await client.aclose()
        await publisher.aclose()
    return latencies


async def main(count: int, users: int, events: int, burst: int) -> None:
    gc.disable()  # the load generator's own GC pauses would be billed to the server
    baseline = await measure_redis(count, events)
    latencies, deliveries, sent = await measure_app(count, users, events, burst)
    print(f"fan-out: {count} websocket subscribers of {users} users on B, castVote on A,"
          f" {events} events")  # fmt: skip
    print(f"  baseline raw Redis pub/sub, publish -> received : {summary(baseline)}")
    print(f"  roomEvents, publish (`at`) -> received          : {summary(deliveries)}")
    print(f"  roomEvents, mutation sent -> received           : {summary(latencies)}")
    p99, base_p99 = percentile(deliveries, 99), percentile(baseline, 99)
    print(f"  delivery p99 / baseline p99 : {p99 / base_p99:6.1f}x")
    rate = sent.delivered / sent.caught_up_s if sent.caught_up_s else 0.0
    print(
        f"  burst of {burst} mutations: {sent.delivered} events delivered to {count} subscribers"
        f" ({count * burst - sent.delivered} superseded while queued), {rate:8.0f} deliveries/s;"
        f" the last subscriber caught up {sent.caught_up_s * 1000:.0f} ms after the first send"
    )
    verdict = "meets" if p99 <= 2 * base_p99 else "MISSES"
    print(f"  delivery p99 {p99:.1f} ms {verdict} the <= 2x raw Redis goal")
    record_latencies(
        "fanout", f"room event to {count} subscribers ({users} viewers) on another process",
        deliveries,
        baseline, "p99 <= 2x raw Redis pub/sub",
    )  # fmt: skip
    record("fanout", f"burst of {burst} mutations ({users} viewers): every subscriber caught up",
           "ms", value=sent.caught_up_s * 1000)  # fmt: skip


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=500)
    parser.add_argument("--users", type=int, default=10)
    parser.add_argument("--events", type=int, default=50)
    parser.add_argument("--burst", type=int, default=100)
    args = parser.parse_args()
    asyncio.run(main(args.subscribers, args.users, args.events, args.burst))
