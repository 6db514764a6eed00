"""Read path: requests/s of `room(id) { issues { title status finalEstimate votes { value } } }`
with 100 issues, against a bare Starlette JSON endpoint reading the same rows with the same ORM,
both measured in this run. Goal: GraphQL >= 75% of the bare endpoint.

    .venv/bin/python bench/read_path.py [--seconds 5] [--connections 8]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.figures import record
from bench.support import KeepAliveClient, Uvicorn, app_env, scratch_database
from core.auth import issue_token
from core.settings import DEV_JWT_SECRET
from models.rooms import Issue, IssueStatus, RoomMember, Vote
from models.users import User
from services.rooms.rooms import create_room

ISSUES, VOTERS = 100, 5
QUERY = "query($r: ID!) { room(id: $r) { issues { title status finalEstimate votes { value } } } }"


async def seed() -> tuple[str, str]:
    users = [
        await User.create(subject=f"bench|{n}", email=f"bench{n}@example.com", name=f"Bench {n}")
        for n in range(VOTERS)
    ]
    room = await create_room(users[0], "Read path", None)
    await RoomMember.bulk_create([RoomMember(room_id=room.id, user_id=u.id) for u in users[1:]])
    await Issue.bulk_create(
        [
            Issue(room_id=room.id, position=n, title=f"Story {n}", status=IssueStatus.REVEALED)
            for n in range(1, ISSUES + 1)
        ]
    )
    ids = await Issue.filter(room_id=room.id).values_list("id", flat=True)
    await Vote.bulk_create([Vote(issue_id=i, user_id=u.id, value="5") for i in ids for u in users])
    token = issue_token(
        DEV_JWT_SECRET, subject="bench|0", email="bench0@example.com", name="Bench 0"
    )
    return str(room.id), token


async def load(port: int, raw: bytes, seconds: float, connections: int) -> float:
    """Requests per second with `connections` clients sending back-to-back for `seconds`."""
    clients = [await KeepAliveClient(port).open() for _ in range(connections)]
    for client in clients:  # warm up: connections, caches, prepared statements
        for _ in range(20):
            await client.request(raw)
    done = 0
    deadline = time.perf_counter() + seconds

    async def worker(client: KeepAliveClient) -> None:
        nonlocal done
        while time.perf_counter() < deadline:
            await client.request(raw)
            done += 1

    started = time.perf_counter()
    await asyncio.gather(*(worker(c) for c in clients))
    elapsed = time.perf_counter() - started
    for client in clients:
        await client.close()
    return done / elapsed


async def main(seconds: float, connections: int) -> None:
    async with scratch_database() as database_url:
        room_id, token = await seed()
        # A whole room with every vote is over the default cost limit (500 issues x 100 votes
        # in the worst case); this bench measures the read path itself, so it lifts the limit.
        env = {**app_env(database_url), "GRAPHQL_MAX_COST": str(10**7)}
        graphql = Uvicorn(
            "app:create_app", env, profile_to=os.environ.get("PROFILE_SERVER")
        ).start()
        bare = Uvicorn("bench.bare_app:create_app", app_env(database_url)).start()
        try:
            gql_raw = KeepAliveClient.encode(
                "POST",
                "/graphql",
                {"query": QUERY, "variables": {"r": room_id}},
                {"authorization": f"Bearer {token}"},
            )
            auth = {"authorization": f"Bearer {token}"}
            bare_raw = KeepAliveClient.encode("GET", f"/rooms/{room_id}/issues", headers=auth)
            noauth_raw = KeepAliveClient.encode("GET", f"/rooms/{room_id}/issues-noauth")
            probe = await KeepAliveClient(graphql.port).open()
            body = json.loads(await probe.request(gql_raw))
            await probe.close()
            assert not body.get("errors") and len(body["data"]["room"]["issues"]) == ISSUES, body
            results: dict[str, list[float]] = {"bare": [], "noauth": [], "graphql": []}
            for _ in range(2):  # interleaved rounds, so drift affects all alike
                results["bare"].append(await load(bare.port, bare_raw, seconds, connections))
                results["noauth"].append(await load(bare.port, noauth_raw, seconds, connections))
                results["graphql"].append(await load(graphql.port, gql_raw, seconds, connections))
        finally:
            graphql.stop()
            bare.stop()
    bare_rps, noauth_rps = max(results["bare"]), max(results["noauth"])
    gql_rps = max(results["graphql"])
    print(f"read path: room(id) with {ISSUES} issues x {VOTERS} votes, {connections} connections")
    print(
        f"  bare Starlette, same rows (auth+membership) : {bare_rps:7.1f} req/s"
        f"  (rounds: {fmt(results['bare'])})"
    )
    print(
        f"  bare Starlette, no auth (ORM reads only)    : {noauth_rps:7.1f} req/s"
        f"  (rounds: {fmt(results['noauth'])})"
    )
    print(
        f"  GraphQL                                     : {gql_rps:7.1f} req/s"
        f"  (rounds: {fmt(results['graphql'])})"
    )
    ratio = gql_rps / bare_rps
    verdict = "meets" if ratio >= 0.75 else "MISSES"
    print(f"  GraphQL / bare same rows : {ratio:6.1%}  ({verdict} the >= 75% goal)")
    print(f"  GraphQL / bare no auth   : {gql_rps / noauth_rps:6.1%}")
    record(
        "read_path", f"room(id), {ISSUES} issues x {VOTERS} votes, {connections} connections",
        "req/s", ">= 75% of bare Starlette on the same rows", value=gql_rps,
        baseline_value=bare_rps, ratio_value=ratio,
    )  # fmt: skip


def fmt(values: list[float]) -> str:
    return ", ".join(f"{v:.1f}" for v in values)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args()
    asyncio.run(main(args.seconds, args.connections))
