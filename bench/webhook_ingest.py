"""Webhook ingest: 2,000 signed deliveries (10% duplicates, 10% out of order) at a real server.

The bench plays Jira: it signs each delivery (HS256, the dev client secret) and posts it to
/webhooks/jira from `--concurrency` keep-alive connections as fast as they are acknowledged
(closed loop = the highest rate the server sustains). Requests are encoded and signed before
the clock starts and sent over raw keep-alive connections (bench.support.KeepAliveClient), so
on a 2-core machine the load generator does not steal the CPU the server is measured on;
`--httpx` sends with httpx instead (signing and encoding each request as it goes), as the
first version of this bench did. Measures acknowledgement p50/p99,
deliveries per second, and the time from the first send until every linked issue shows its
latest title (and the apply rate that makes). During the burst a probe edits one more issue
every 25 ms and a room subscriber (graphql-ws on the server) times each edit from its send
until an IssueUpdated with that version (or a newer one) arrives. Checks each delivery was
stored once and applied once (attempts == 1), and that out-of-order deliveries did not win.
Baseline: /healthz latency in the same run (idle and under load). The server runs the
in-process job queue on a scratch database, or with
`--redis` enqueues to arq on Redis and an `agilekit worker` process applies the deliveries.

    .venv/bin/python -m bench.webhook_ingest [--deliveries 2000] [--concurrency 8] [--redis]
        [--httpx] [--backlog] [--watch-elsewhere]

`--backlog` pauses the worker (SIGSTOP) while the burst is sent, then times one worker
draining the whole inbox: its apply rate without the load generator competing for the CPU.
`--watch-elsewhere` puts the room subscriber on a second server process, as a load balancer
would: the burst's acknowledgements then do not share its event loop.

PROFILE_SERVER=/tmp/server.prof writes a cProfile of the server process;
PROFILE_WORKER=/tmp/worker.txt py-spy's folded stacks of the worker (py-spy on PATH).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import jwt
from websockets.asyncio.client import connect

from bench.figures import record, record_latencies
from bench.support import (
    REDIS_URL,
    ROOT,
    KeepAliveClient,
    Uvicorn,
    app_env,
    drop_redis_keys,
    percentile,
    scratch_database,
    summary,
)
from core.auth import issue_token
from core.settings import DEV_JWT_SECRET, Settings
from models.jira import JiraConnection, JiraIssueLink, JiraSite, JiraWebhookDelivery
from models.rooms import Issue, Room, RoomMember
from models.users import User

SITE = "https://bench.atlassian.net"
BASE = datetime(2026, 11, 1, tzinfo=UTC)
PROBE_JIRA_ID = "30000"
PROBE_EVERY_S = 0.025
SUBSCRIPTION = """subscription($r: ID!) { roomEvents(roomId: $r) { __typename
  ... on IssueUpdated { at issue { id title } } } }"""


async def seed(issues: int) -> tuple[dict[str, int], str]:
    """`issues` Jira issues, each linked to one room issue, and the probe's issue; returns
    jira id -> room issue id (the probe's not among them) and the room's id."""
    now = datetime.now(UTC)
    user = await User.create(subject="bench|wh", email="wh@bench.example")
    conn = await JiraConnection.create(
        user=user,
        access_expires_at=now,
        refresh_issued_at=now,
        refresh_family_started_at=now,
        connected_at=now,
        last_refreshed_at=now,
    )
    await JiraSite.create(connection=conn, cloud_id="bench-cloud", url=SITE, name="bench")
    room = await Room.create(owner=user, name="Bench", deck=["1", "2"])
    await RoomMember.create(room=room, user=user)
    mapping: dict[str, int] = {}
    for n in range(issues + 1):
        issue = await Issue.create(room=room, position=n, title="initial")
        jira_id = str(20_000 + n) if n < issues else PROBE_JIRA_ID
        await JiraIssueLink.create(
            issue=issue,
            cloud_id="bench-cloud",
            jira_issue_id=jira_id,
            key=f"B-{n}",
            url=f"{SITE}/browse/B-{n}",
            last_synced_at=now,
        )
        mapping[jira_id] = issue.id
    del mapping[PROBE_JIRA_ID]
    return mapping, str(room.id)


class Probe:
    """Edits the probe issue every PROBE_EVERY_S while the burst runs; a room subscriber
    records when each version (or a newer one) reached it."""

    def __init__(self, server: Uvicorn, room_id: str, secret: str, watch: Uvicorn) -> None:
        self.server, self.room_id, self.secret, self.watch = server, room_id, secret, watch
        self.sent: dict[int, float] = {}
        self.identifiers: list[str] = []
        self.seen: dict[int, float] = {}
        self.from_publish: list[float] = []  # ms from the event's `at` (its publish) to here
        self.latest_seen = 0
        self.ready = asyncio.Event()

    async def subscribe(self) -> None:
        token = issue_token(DEV_JWT_SECRET, subject="bench|wh", email="wh@bench.example", name="wh")
        url = self.watch.url.replace("http://", "ws://") + "/graphql"
        async with connect(url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
            init = {"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}}
            await ws.send(json.dumps(init))
            assert json.loads(await ws.recv())["type"] == "connection_ack"
            payload = {"query": SUBSCRIPTION, "variables": {"r": self.room_id}}
            await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
            self.ready.set()
            async for raw in ws:
                message = json.loads(raw)
                if message["type"] == "ping":
                    await ws.send('{"type":"pong"}')
                elif message["type"] in ("error", "complete"):
                    raise RuntimeError(f"the probe's subscription ended: {message}")
                elif message["type"] == "next":
                    self.arrived(message["payload"]["data"]["roomEvents"])

    def arrived(self, event: dict[str, Any]) -> None:
        title = (event.get("issue") or {}).get("title") or ""
        if not title.startswith(f"{PROBE_JIRA_ID} v"):
            return
        version, now = int(title.rsplit("v", 1)[1]), time.perf_counter()
        published = datetime.fromisoformat(event["at"]).timestamp()
        self.from_publish.append((time.time() - published) * 1000)
        for earlier in range(self.latest_seen + 1, version + 1):
            self.seen[earlier] = now
        self.latest_seen = max(self.latest_seen, version)

    async def edit_until(self, stop: asyncio.Event) -> None:
        client = await KeepAliveClient(self.server.port).open()
        try:
            version = 0
            while not stop.is_set():
                version += 1
                event = {"ident": uuid.uuid4().hex, "jira_id": PROBE_JIRA_ID, "version": version}
                self.identifiers.append(event["ident"])
                raw = encode_all([event], self.secret)[0]
                self.sent[version] = time.perf_counter()
                await client.request(raw)
                await asyncio.sleep(PROBE_EVERY_S)
        finally:
            await client.close()

    async def latencies(self, within: float = 10.0) -> list[float]:
        deadline = time.monotonic() + within
        while self.latest_seen < len(self.sent) and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.05)
        return [(self.seen[v] - sent) * 1000 for v, sent in self.sent.items() if v in self.seen]


def plan(total: int, jira_ids: list[str], rng: random.Random) -> tuple[list[dict], dict[str, str]]:
    """Deliveries in send order (10% duplicates, 10% swapped with their successor) and the
    title each issue must end with."""
    unique = total - total // 10
    versions: dict[str, int] = {}
    events = []
    for n in range(unique):
        jira_id = jira_ids[n % len(jira_ids)]
        version = versions[jira_id] = versions.get(jira_id, 0) + 1
        events.append({"ident": uuid.uuid4().hex, "jira_id": jira_id, "version": version})
    for n in rng.sample(range(len(events) - 1), unique // 10):
        events[n], events[n + 1] = events[n + 1], events[n]
    for _ in range(total - unique):
        at = rng.randrange(len(events))
        events.insert(at + 1, dict(events[at]))  # a retry of the same identifier
    final = {jira_id: f"{jira_id} v{version}" for jira_id, version in versions.items()}
    return events, final


def body(event: dict[str, Any]) -> dict[str, Any]:
    jira_id, version = event["jira_id"], event["version"]
    updated = BASE + timedelta(seconds=version)
    return {
        "timestamp": int(updated.timestamp() * 1000),
        "webhookEvent": "jira:issue_updated",
        "matchedWebhookIds": [1],
        "issue": {
            "id": jira_id,
            "self": f"{SITE}/rest/api/2/issue/{jira_id}",
            "key": f"B-{jira_id}",
            "fields": {
                "summary": f"{jira_id} v{version}",
                "description": f"h2. version {version}",
                "updated": updated.strftime("%Y-%m-%dT%H:%M:%S.000+0000"),
            },
        },
        "changelog": {"items": [{"field": "summary", "fieldId": "summary"}]},
    }


def signed_headers(event: dict[str, Any], secret: str) -> dict[str, str]:
    token = jwt.encode({"exp": int(time.time()) + 600}, secret, "HS256")
    return {"authorization": f"Bearer {token}", "x-atlassian-webhook-identifier": event["ident"]}


def encode_all(events: list[dict], secret: str) -> list[bytes]:
    return [
        KeepAliveClient.encode("POST", "/webhooks/jira", body(e), signed_headers(e, secret))
        for e in events
    ]


async def send_all(server: Uvicorn, requests: list[bytes], concurrency: int) -> list[float]:
    """Acknowledgement latencies (ms) of pre-encoded requests."""
    clients = [await KeepAliveClient(server.port).open() for _ in range(concurrency)]
    queue = iter(requests)
    latencies: list[float] = []

    async def sender(client: KeepAliveClient) -> None:
        for raw in queue:
            started = time.perf_counter()
            await client.request(raw)
            latencies.append((time.perf_counter() - started) * 1000)

    try:
        await asyncio.gather(*(sender(client) for client in clients))
    finally:
        for client in clients:
            await client.close()
    return latencies


async def send_all_httpx(
    url: str, events: list[dict], concurrency: int, secret: str
) -> list[float]:
    queue: asyncio.Queue[dict] = asyncio.Queue()
    for event in events:
        queue.put_nowait(event)
    latencies: list[float] = []

    async def sender() -> None:
        async with httpx.AsyncClient(timeout=30) as http:
            while not queue.empty():
                event = queue.get_nowait()
                token = jwt.encode({"exp": int(time.time()) + 300}, secret, "HS256")
                headers = {
                    "authorization": f"Bearer {token}",
                    "x-atlassian-webhook-identifier": event["ident"],
                }
                started = time.perf_counter()
                answer = await http.post(f"{url}/webhooks/jira", json=body(event), headers=headers)
                latencies.append((time.perf_counter() - started) * 1000)
                assert answer.status_code == 200, answer.text

    await asyncio.gather(*(sender() for _ in range(concurrency)))
    return latencies


async def probe_healthz(server: Uvicorn, stop: asyncio.Event, every: float = 0.01) -> list[float]:
    latencies: list[float] = []
    client = await KeepAliveClient(server.port).open()
    raw = KeepAliveClient.encode("GET", "/healthz")
    try:
        while not stop.is_set():
            started = time.perf_counter()
            await client.request(raw)
            latencies.append((time.perf_counter() - started) * 1000)
            await asyncio.sleep(every)
    finally:
        await client.close()
    return latencies


async def wait_applied(mapping: dict[str, int], final: dict[str, str], limit: float) -> None:
    expected = {mapping[jira_id]: title for jira_id, title in final.items()}
    deadline = time.monotonic() + limit
    while True:
        rows = dict(await Issue.filter(id__in=list(expected)).values_list("id", "title"))
        if rows == expected:
            return
        if time.monotonic() > deadline:
            wrong = sum(1 for k, v in expected.items() if rows.get(k) != v)
            raise AssertionError(f"{wrong} issues without their latest title")
        await asyncio.sleep(0.05)


def cpu_seconds(process: subprocess.Popen[bytes] | None) -> float:
    """User + system CPU the process has used so far (Linux /proc)."""
    assert process is not None
    with open(f"/proc/{process.pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start_worker(env: dict[str, str]) -> subprocess.Popen[bytes]:
    """`agilekit worker`: the jobs run in their own process, as in production."""
    profile_to = os.environ.get("PROFILE_WORKER")  # the burst's first 8 s, folded stacks
    spy = shutil.which(
        "py-spy", path=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    )
    if profile_to and spy is None:
        raise SystemExit("PROFILE_WORKER needs py-spy: .venv/bin/pip install py-spy")
    command = [sys.executable, "-m", "cli", "worker"]
    worker = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **env})
    if profile_to and spy is not None:
        sampling = [spy, "record", "-p", str(worker.pid), "-d", "8", "-r", "200", "-f", "raw"]
        subprocess.Popen([*sampling, "-o", profile_to])
    return worker


async def main(args: argparse.Namespace) -> None:
    rng = random.Random(6)
    secret = Settings(agilekit_env="development").jira_client_secret
    async with scratch_database() as database_url:
        mapping, room_id = await seed(args.issues)
        events, final = plan(args.deliveries, list(mapping), rng)
        env = app_env(database_url, **({"REDIS_URL": REDIS_URL} if args.redis else {}))
        server = Uvicorn("app:create_app", env, profile_to=os.environ.get("PROFILE_SERVER"))
        worker: subprocess.Popen[bytes] | None = None
        watch = server
        try:  # started inside: one that fails to start stops the others (and frees the database)
            server.start()
            worker = start_worker(env) if args.redis else None
            # --watch-elsewhere: the subscriber on a second server process (as behind a load
            # balancer), so the burst's acknowledgements do not share its event loop.
            watch = Uvicorn("app:create_app", env).start() if args.watch_elsewhere else server
            idle_stop = asyncio.Event()
            idle_task = asyncio.create_task(probe_healthz(server, idle_stop))
            await asyncio.sleep(1)
            idle_stop.set()
            idle = await idle_task
            stop = asyncio.Event()
            requests = None if args.httpx else encode_all(events, secret)
            edits = Probe(server, room_id, secret, watch)
            subscription = asyncio.create_task(edits.subscribe())
            await asyncio.wait_for(edits.ready.wait(), 10)
            probe = asyncio.create_task(probe_healthz(server, stop, every=0.005))
            editing = asyncio.create_task(edits.edit_until(stop))
            if args.backlog:  # the burst waits in the inbox; then one worker drains it
                worker.send_signal(signal.SIGSTOP)  # type: ignore[union-attr]
            cpu_before = cpu_seconds(server.process)
            started = time.perf_counter()
            if requests is None:
                acks = await send_all_httpx(server.url, events, args.concurrency, secret)
            else:
                acks = await send_all(server, requests, args.concurrency)
            sent_s = time.perf_counter() - started
            server_cpu_s = cpu_seconds(server.process) - cpu_before
            stop.set()
            loaded = await probe
            await editing
            resumed = time.perf_counter()
            if args.backlog:
                worker.send_signal(signal.SIGCONT)  # type: ignore[union-attr]
            await wait_applied(mapping, final, 120)
            applied_s = time.perf_counter() - started
            drained_s = time.perf_counter() - resumed
            edit_ms = await edits.latencies()
            subscription.cancel()
        finally:
            server.stop()
            if watch is not server:
                watch.stop()
            if worker is not None:
                worker.send_signal(signal.SIGCONT)  # a stopped worker (--backlog) cannot end
                worker.terminate()
                worker.wait(10)
                await drop_redis_keys(env["REDIS_PREFIX"])
        rows = await JiraWebhookDelivery.all().values_list("attempts", "processed_at")
        probed = JiraWebhookDelivery.filter(identifier__in=edits.identifiers)
        stored_to_applied = [
            (applied - received).total_seconds() * 1000
            for received, applied in await probed.values_list("received_at", "processed_at")
        ]
    unique = len({event["ident"] for event in events})
    print(
        f"deliveries sent {len(events)} (unique {unique}), issues {args.issues}, "
        f"concurrency {args.concurrency}, client {'httpx' if args.httpx else 'raw keep-alive'}"
    )
    print(f"ack latency          {summary(acks)}")
    print(f"/healthz idle        {summary(idle)}")
    print(f"/healthz under load  {summary(loaded)}")
    print(f"throughput           {len(events) / sent_s:8.1f} deliveries/s ({sent_s:.2f} s)")
    print(f"all issues updated   {applied_s:8.2f} s after the first send")
    print(f"                     {applied_s - sent_s:8.2f} s after the last acknowledgement")
    print(
        f"applied              {unique / applied_s:8.1f} deliveries/s (first send -> all applied)"
    )
    if args.backlog:
        print(f"backlog drained      {unique / drained_s:8.1f} deliveries/s by one worker")
        record("webhook_ingest", "a stored burst applied by one worker", "deliveries/s",
               ">= 1,000/s", value=unique / drained_s)  # fmt: skip
    else:
        record("webhook_ingest", "burst applied, first send -> last applied", "s", "<= 2 s",
               value=applied_s)  # fmt: skip
        record("webhook_ingest", "burst applied, last acknowledgement -> last applied", "s",
               value=applied_s - sent_s)  # fmt: skip
        where = " on another process" if args.watch_elsewhere else ""
        record("webhook_ingest", f"a Jira edit reaching a room subscriber{where}", "ms",
               "p99 < 300 ms", median=statistics.median(edit_ms),
               p99=percentile(edit_ms, 99))  # fmt: skip
    record_latencies("webhook_ingest", "acknowledgement", acks, idle, "p99 < 25 ms")
    missed = len(edits.sent) - len(edit_ms)
    print(f"edit -> subscriber   {summary(edit_ms)} ({len(edit_ms)} edits, {missed} not seen)")
    print(f"  stored -> applied      {summary(stored_to_applied)}")
    print(f"  published -> received  {summary(edits.from_publish)}")
    # Less sensitive to other load on the machine than latencies (includes the /healthz probe).
    print(f"server CPU           {server_cpu_s * 1000 / len(events):8.3f} ms per delivery")
    once = len(rows) == unique + len(edits.sent) and all(a == 1 and p is not None for a, p in rows)
    print(
        f"stored once + applied once: {once} (rows {len(rows)}, "
        f"attempts>1: {sum(1 for a, _ in rows if a != 1)})"
    )
    print(
        f"ack p99 target < 25 ms: {'met' if percentile(acks, 99) < 25 else 'NOT met'}; "
        f"median {statistics.median(acks):.2f} ms"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--deliveries", type=int, default=2000)
    parser.add_argument("--issues", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--redis", action="store_true", help="arq on Redis + a worker process")
    parser.add_argument("--httpx", action="store_true", help="the heavier httpx load generator")
    parser.add_argument(
        "--watch-elsewhere",
        action="store_true",
        help="with --redis: the room subscriber on a second server process",
    )
    parser.add_argument(
        "--backlog", action="store_true", help="with --redis: the worker paused until all is sent"
    )
    asyncio.run(main(parser.parse_args()))
