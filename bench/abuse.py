"""Abuse: what hostile documents cost a real server, each against a baseline of the same run.

1. Fragment bomb (30 levels, each fragment spreading the next twice) vs `{ __typename }`:
   latency of 200 sequential POSTs each, and the bomb refused with QUERY_TOO_COMPLEX.
2. Liveness: /healthz sampled every ~20 ms while 1,000 bombs arrive over 8 keep-alive
   connections, vs /healthz sampled the same way with no load.
3. Memory: the server's RSS before and after 600 unique ~900 KB queries over HTTP, then 30
   ~900 KB websocket `subscribe` messages. Target: within 100 MB of the start.
4. Trusted documents: `documentId` vs the same text (cache hit) vs the text made unique (parse
   and validation every time), and the in-process cost of parse + limits + validation.

    .venv/bin/python -m bench.abuse
"""

from __future__ import annotations

import asyncio
import itertools
import json
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import graphql
from websockets.asyncio.client import connect as ws_connect

from bench.figures import record_latencies
from bench.support import ROOT, KeepAliveClient, app_env, percentile, scratch_database
from tests.support import ServerProcess

MANIFEST = ROOT / "generated" / "persisted-documents.json"
BOMB_LEVELS = 30
BOMB_SEQUENTIAL = 200
BOMB_FLOOD, FLOOD_CONNECTIONS = 1000, 8
HEALTH_INTERVAL_S = 0.020
HEALTH_BASELINE_SAMPLES = 150
BIG_BYTES = 900_000
BIG_HTTP, BIG_HTTP_CONNECTIONS, BIG_WS = 600, 2, 30
MEMORY_TARGET_MB = 100
TRUSTED_REQUESTS, TRUSTED_WARMUP, IN_PROCESS_ITERATIONS = 300, 30, 1000
REQUEST_TIMEOUT_S = 30.0

_unique = itertools.count(1)  # every generated document is different: no cache can help


# --- documents -------------------------------------------------------------------------------


def bomb(n: int) -> str:
    """`query{...F0}`, F0..F29 each spreading the next twice, F30 `{__typename}`; the 31 gaps
    between definitions are ' ' or '\\n' by the bits of n (unique whitespace per n < 2^31)."""
    parts = ["query{...F0}"]
    parts += [f"fragment F{i} on Query{{...F{i + 1} ...F{i + 1}}}" for i in range(BOMB_LEVELS)]
    parts.append(f"fragment F{BOMB_LEVELS} on Query{{__typename}}")
    out = [parts[0]]
    for gap, part in enumerate(parts[1:]):
        out += ["\n" if n >> gap & 1 else " ", part]
    return "".join(out)


def typename(n: int) -> str:
    """`{ __typename }` with unique whitespace (spaces and tabs by the bits of n)."""
    return "{ " + "".join("\t" if n >> b & 1 else " " for b in range(20)) + "__typename }"


def big_query(kind: str, n: int) -> str:
    """~900 KB of unique text: a padded valid query, long aliases, or unknown long fields."""
    if kind == "comment":  # valid `{ __typename }`, a ~900 KB comment, a unique suffix
        return "{ __typename }\n#" + "x" * BIG_BYTES + f"\n# {n}\n"
    if kind == "aliases":  # 29 aliases of ~3,000 characters, whitespace up to ~900 KB
        aliases = " ".join(f"a{n}_{i}_{'y' * 3000}: __typename" for i in range(29))
        return "{ " + aliases + " " * (BIG_BYTES - len(aliases)) + "}"
    # ~900 unknown fields of ~1,000 characters each
    fields = (f"u{n}_{i}_".ljust(1000, "z") for i in range(900))
    return "{ " + " ".join(fields) + " }"


BIG_KINDS = ("comment", "aliases", "unknown")


# --- plumbing --------------------------------------------------------------------------------


class Connection(KeepAliveClient):
    """KeepAliveClient that hands back the status instead of raising on non-200."""

    async def exchange(self, raw: bytes) -> tuple[int, bytes]:
        assert self.reader is not None and self.writer is not None
        self.writer.write(raw)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
        return status, await self.reader.readexactly(length)

    async def timed(self, raw: bytes) -> tuple[float, int, dict[str, Any]]:
        started = time.perf_counter()
        status, body = await asyncio.wait_for(self.exchange(raw), REQUEST_TIMEOUT_S)
        elapsed = (time.perf_counter() - started) * 1000
        return elapsed, status, json.loads(body) if body else {}


def post(body: dict[str, Any], token: str | None = None) -> bytes:
    headers = {"authorization": f"Bearer {token}"} if token else None
    return KeepAliveClient.encode("POST", "/graphql", body, headers)


HEALTHZ = KeepAliveClient.encode("GET", "/healthz")


def codes(body: dict[str, Any]) -> list[str]:
    return [(e.get("extensions") or {}).get("code", "?") for e in body.get("errors") or []]


def stats(values: list[float]) -> tuple[float, float, float]:
    return statistics.median(values), percentile(values, 99), max(values)


def line(label: str, values: list[float], width: int = 34) -> str:
    med, p99, top = stats(values)
    return (
        f"  {label:<{width}} median {med:8.2f} ms   p99 {p99:8.2f} ms   max {top:8.2f} ms"
        f"   n={len(values)}"
    )


def rss_mb(pid: int, key: str = "VmRSS") -> float:
    for row in Path(f"/proc/{pid}/status").read_text().splitlines():
        if row.startswith(f"{key}:"):
            return int(row.split()[1]) / 1024
    raise RuntimeError(f"{key} not in /proc/{pid}/status")


@dataclass
class Summary:
    lines: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


async def sign_in(port: int) -> str:
    conn = await Connection(port).open()
    try:
        mutation = 'mutation{devSignIn(email:"bench@example.com", plan: PREMIUM){token}}'
        _, status, body = await conn.timed(post({"query": mutation}))
        assert status == 200 and not body.get("errors"), body
        return body["data"]["devSignIn"]["token"]
    finally:
        await conn.close()


# --- 1. fragment bomb ------------------------------------------------------------------------


async def fragment_bomb(port: int, summary: Summary) -> None:
    print(
        f"\n== 1. fragment bomb: {BOMB_LEVELS} levels, {BOMB_SEQUENTIAL} sequential POSTs each =="
    )
    conn = await Connection(port).open()
    for _ in range(20):  # warm-up: connection, code paths
        await conn.timed(post({"query": bomb(next(_unique))}))
        await conn.timed(post({"query": typename(next(_unique))}))
    base: list[float] = []
    bombs: list[float] = []
    refused = Counter[str]()
    wrong: list[str] = []
    for _ in range(BOMB_SEQUENTIAL):  # interleaved, so drift affects both alike
        ms, status, body = await conn.timed(post({"query": typename(next(_unique))}))
        base.append(ms)
        if status != 200 or (body.get("data") or {}).get("__typename") != "Query":
            wrong.append(f"baseline HTTP {status}: {str(body)[:200]}")
        ms, status, body = await conn.timed(post({"query": bomb(next(_unique))}))
        bombs.append(ms)
        refused[f"HTTP {status} {','.join(codes(body)) or 'no errors'}"] += 1
    await conn.close()
    print(f"  bomb text: {len(bomb(0))} characters; each POST a unique whitespace variation")
    print(line("baseline `{ __typename }`", base))
    print(line("fragment bomb", bombs))
    ratio = statistics.median(bombs) / statistics.median(base)
    p99_ratio = percentile(bombs, 99) / percentile(base, 99)
    print(f"  ratio bomb / baseline: median x{ratio:.2f}   p99 x{p99_ratio:.2f}")
    record_latencies(
        "abuse", "fragment bomb refused", bombs, base, "refused as cheaply as a trivial query"
    )
    ok = refused.get("HTTP 200 QUERY_TOO_COMPLEX", 0) == BOMB_SEQUENTIAL
    outcome = ", ".join(f"{k}: {v}" for k, v in refused.items())
    print(f"  refused with QUERY_TOO_COMPLEX: {'yes' if ok else 'NO'} ({outcome})")
    if wrong:
        print(f"  baseline problems: {len(wrong)}, first: {wrong[0]}")
        summary.problems.append(f"fragment bomb baseline: {wrong[0]}")
    if not ok:
        summary.problems.append(f"fragment bomb not always refused: {outcome}")
    summary.lines.append(
        f"1. fragment bomb   : median {statistics.median(bombs):.2f} ms vs "
        f"{statistics.median(base):.2f} ms (x{ratio:.2f}), p99 x{p99_ratio:.2f}; "
        f"refused {refused.get('HTTP 200 QUERY_TOO_COMPLEX', 0)}/{BOMB_SEQUENTIAL}"
    )


# --- 2. liveness under attack ----------------------------------------------------------------


async def sample_healthz(
    port: int, stop: asyncio.Event | None = None, count: int | None = None
) -> list[float]:
    """/healthz latency in ms every HEALTH_INTERVAL_S, until `stop` is set or `count` taken."""
    conn = await Connection(port).open()
    samples: list[float] = []
    next_at = time.perf_counter()
    try:
        while not (stop and stop.is_set()) and not (count and len(samples) >= count):
            started = time.perf_counter()
            status, _ = await asyncio.wait_for(conn.exchange(HEALTHZ), REQUEST_TIMEOUT_S)
            samples.append((time.perf_counter() - started) * 1000)
            assert status == 200, status
            next_at = max(next_at + HEALTH_INTERVAL_S, time.perf_counter())
            await asyncio.sleep(next_at - time.perf_counter())
    finally:
        await conn.close()
    return samples


async def liveness(port: int, summary: Summary) -> None:
    print(
        f"\n== 2. liveness: /healthz every {HEALTH_INTERVAL_S * 1000:.0f} ms during {BOMB_FLOOD}"
        f" bombs over {FLOOD_CONNECTIONS} keep-alive connections =="
    )
    baseline = await sample_healthz(port, count=HEALTH_BASELINE_SAMPLES)
    raws = [post({"query": bomb(next(_unique))}) for _ in range(BOMB_FLOOD)]
    pending = iter(raws)
    outcomes = Counter[str]()
    latencies: list[float] = []

    async def attacker() -> None:
        conn = await Connection(port).open()
        try:
            for raw in pending:
                try:
                    ms, status, body = await conn.timed(raw)
                except TimeoutError:
                    outcomes["timeout"] += 1
                    return  # the connection is out of step now
                except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
                    outcomes[f"transport error {type(exc).__name__}"] += 1
                    return
                latencies.append(ms)
                outcomes[f"HTTP {status} {','.join(codes(body)) or 'no errors'}"] += 1
        finally:
            await conn.close()

    stop = asyncio.Event()
    sampler = asyncio.create_task(sample_healthz(port, stop=stop))
    await asyncio.sleep(0.05)
    started = time.perf_counter()
    await asyncio.gather(*(attacker() for _ in range(FLOOD_CONNECTIONS)))
    elapsed = time.perf_counter() - started
    stop.set()
    under_load = await sampler
    answered = sum(outcomes.values())
    refused = outcomes.get("HTTP 200 QUERY_TOO_COMPLEX", 0)

    conn = await Connection(port).open()
    _, status, body = await conn.timed(post({"query": "{ __typename }"}))
    await conn.close()
    normal_ok = status == 200 and (body.get("data") or {}).get("__typename") == "Query"

    print(line("/healthz, no load (baseline)", baseline))
    print(line("/healthz, under bomb flood", under_load))
    med_ratio = statistics.median(under_load) / statistics.median(baseline)
    p99_ratio = percentile(under_load, 99) / percentile(baseline, 99)
    max_ratio = max(under_load) / max(baseline)
    record_latencies(
        "abuse", "/healthz under a bomb flood", under_load, baseline, "stays answered, p99 low"
    )
    print(
        f"  ratio flood / baseline: median x{med_ratio:.2f}   p99 x{p99_ratio:.2f}"
        f"   max x{max_ratio:.2f}"
    )
    print(line("bomb latency (8 concurrent)", latencies))
    shown = ", ".join(f"{k}: {v}" for k, v in outcomes.items())
    print(
        f"  bombs: {answered}/{BOMB_FLOOD} answered in {elapsed:.2f} s = "
        f"{answered / elapsed:.0f} req/s ({shown})"
    )
    all_ok = refused == BOMB_FLOOD
    print(f"  every bomb answered and refused, no errors/timeouts: {'yes' if all_ok else 'NO'}")
    print(f"  normal query afterwards: {'answered' if normal_ok else f'FAILED {status} {body}'}")
    if not all_ok:
        summary.problems.append(f"bomb flood outcomes: {dict(outcomes)}")
    if not normal_ok:
        summary.problems.append(f"normal query after the flood: HTTP {status} {body}")
    summary.lines.append(
        f"2. liveness        : /healthz median {statistics.median(under_load):.2f} ms vs "
        f"{statistics.median(baseline):.2f} ms (x{med_ratio:.2f}), p99 "
        f"{percentile(under_load, 99):.2f} vs {percentile(baseline, 99):.2f} ms "
        f"(x{p99_ratio:.2f}), max {max(under_load):.2f} ms; bombs {answered / elapsed:.0f} "
        f"req/s, {refused}/{BOMB_FLOOD} refused; normal query after: "
        f"{'ok' if normal_ok else 'FAILED'}"
    )


# --- 3. memory -------------------------------------------------------------------------------


def classify(kind: str, status: int, body: dict[str, Any]) -> str:
    if status != 200:
        return f"HTTP {status} {','.join(codes(body))}"
    data, errors = body.get("data"), body.get("errors") or []
    if errors:
        code = Counter(codes(body)).most_common(1)[0][0]
        first = str(errors[0].get("message", ""))[:40]
        return f"{len(errors)} errors ({code if code != '?' else f'no code: {first}...'})"
    return f"data with {len(data or {})} keys"


async def memory(server: ServerProcess, token: str, summary: Summary) -> None:
    assert server.process is not None
    pid = server.process.pid
    print(
        f"\n== 3. memory: server RSS around {BIG_HTTP} unique ~{BIG_BYTES // 1000} KB HTTP "
        f"queries ({BIG_HTTP_CONNECTIONS} connections), then {BIG_WS} websocket messages =="
    )
    start = rss_mb(pid)
    print(f"  RSS at start: {start:7.1f} MB  (peak so far VmHWM {rss_mb(pid, 'VmHWM'):.1f} MB)")
    outcomes: dict[str, Counter[str]] = {kind: Counter() for kind in BIG_KINDS}
    latencies: dict[str, list[float]] = {kind: [] for kind in BIG_KINDS}
    jobs = iter(range(BIG_HTTP))
    done = 0
    trend: list[str] = []
    sizes: dict[str, int] = {}

    async def sender() -> None:
        nonlocal done
        conn = await Connection(server.port).open()
        try:
            for n in jobs:
                kind = BIG_KINDS[n % len(BIG_KINDS)]
                query = big_query(kind, next(_unique))
                raw = post({"query": query})
                sizes[kind] = len(raw)
                try:
                    ms, status, body = await conn.timed(raw)
                except (TimeoutError, OSError, asyncio.IncompleteReadError) as exc:
                    outcomes[kind][f"transport error {type(exc).__name__}"] += 1
                    return
                latencies[kind].append(ms)
                outcomes[kind][classify(kind, status, body)] += 1
                done += 1
                if done % 100 == 0:
                    trend.append(f"{done}: {rss_mb(pid):.0f}")
        finally:
            await conn.close()

    started = time.perf_counter()
    await asyncio.gather(*(sender() for _ in range(BIG_HTTP_CONNECTIONS)))
    http_elapsed = time.perf_counter() - started
    await asyncio.sleep(1)
    after_http = rss_mb(pid)
    for kind in BIG_KINDS:
        shown = ", ".join(f"{k}: {v}" for k, v in outcomes[kind].items())
        print(line(f"{kind} ({sizes.get(kind, 0) / 1000:.0f} KB body)", latencies[kind], 28))
        print(f"    -> {shown}")
    print(f"  {done}/{BIG_HTTP} answered in {http_elapsed:.1f} s; RSS (MB) by requests done:")
    print(f"    {'; '.join(trend)}")
    http_growth = after_http - start
    print(
        f"  HTTP:      start {start:7.1f} MB   end {after_http:7.1f} MB   "
        f"difference {http_growth:+7.1f} MB"
    )

    ws_outcomes: dict[str, Counter[str]] = {kind: Counter() for kind in BIG_KINDS}
    ws_latencies: list[float] = []
    ws_start = rss_mb(pid)
    ws_error = ""
    try:
        async with ws_connect(
            server.ws_url,
            subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
            compression=None,
            max_size=None,
            ping_interval=None,
        ) as ws:
            await ws.send(
                json.dumps(
                    {"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}}
                )
            )
            ack = json.loads(await asyncio.wait_for(ws.recv(), REQUEST_TIMEOUT_S))
            assert ack["type"] == "connection_ack", ack
            for i in range(BIG_WS):
                kind = BIG_KINDS[i % len(BIG_KINDS)]
                message = {
                    "id": f"big-{i}",
                    "type": "subscribe",
                    "payload": {"query": big_query(kind, next(_unique))},
                }
                sent = time.perf_counter()
                await ws.send(json.dumps(message))
                seen: list[str] = []
                while True:
                    reply = json.loads(await asyncio.wait_for(ws.recv(), REQUEST_TIMEOUT_S))
                    if reply.get("type") == "ping":
                        await ws.send(json.dumps({"type": "pong"}))
                        continue
                    if reply.get("id") != message["id"]:
                        continue
                    if reply["type"] == "next":
                        seen.append(classify(kind, 200, reply["payload"]))
                    elif reply["type"] == "error":
                        payload = reply["payload"]
                        shown = ",".join(codes({"errors": payload}))
                        seen.append(f"error message, {len(payload)} errors ({shown})")
                        break
                    elif reply["type"] == "complete":
                        break
                ws_latencies.append((time.perf_counter() - sent) * 1000)
                ws_outcomes[kind][" then ".join(seen) or "complete only"] += 1
    except Exception as exc:  # report, do not hide: the server closed or timed out
        ws_error = f"{type(exc).__name__}: {exc}"
    await asyncio.sleep(1)
    ws_end = rss_mb(pid)
    answered = sum(sum(c.values()) for c in ws_outcomes.values())
    for kind in BIG_KINDS:
        print(f"  websocket {kind}: {', '.join(f'{k}: {v}' for k, v in ws_outcomes[kind].items())}")
    if ws_latencies:
        print(line("websocket round trip", ws_latencies, 28))
    if ws_error:
        print(f"  websocket FAILED after {answered} messages: {ws_error}")
        summary.problems.append(f"websocket phase: {ws_error}")
    ws_growth = ws_end - ws_start
    print(
        f"  websocket: start {ws_start:7.1f} MB   end {ws_end:7.1f} MB   "
        f"difference {ws_growth:+7.1f} MB"
    )
    total = ws_end - start
    verdict = "meets" if total <= MEMORY_TARGET_MB else "MISSES"
    print(
        f"  overall:   start {start:7.1f} MB   end {ws_end:7.1f} MB   difference {total:+7.1f} MB"
        f"  ({verdict} the within-{MEMORY_TARGET_MB}-MB target; peak VmHWM "
        f"{rss_mb(pid, 'VmHWM'):.1f} MB)"
    )
    if total > MEMORY_TARGET_MB:
        summary.problems.append(f"memory grew {total:.1f} MB (> {MEMORY_TARGET_MB} MB)")
    summary.lines.append(
        f"3. memory          : HTTP {start:.1f} -> {after_http:.1f} MB ({http_growth:+.1f}), "
        f"websocket {ws_start:.1f} -> {ws_end:.1f} MB ({ws_growth:+.1f}); overall "
        f"{total:+.1f} MB ({verdict} <= {MEMORY_TARGET_MB} MB), peak "
        f"{rss_mb(pid, 'VmHWM'):.1f} MB"
    )


# --- 4. trusted documents --------------------------------------------------------------------


def pick_document(manifest: dict[str, str]) -> tuple[str, str, str]:
    """(hex id, text, operation name): `Room`, else a query needing no variables."""
    fallback: tuple[str, str, str] | None = None
    for key, text in manifest.items():
        for definition in graphql.parse(text).definitions:
            if not isinstance(definition, graphql.OperationDefinitionNode):
                continue
            if definition.operation != graphql.OperationType.QUERY or not definition.name:
                continue
            hex_id = key.removeprefix("sha256:")
            if definition.name.value == "Room":
                return hex_id, text, "Room"
            if not definition.variable_definitions and fallback is None:
                fallback = (hex_id, text, definition.name.value)
    if fallback is None:
        raise LookupError("no usable query operation in the manifest")
    return fallback


async def trusted_documents(port: int, token: str, summary: Summary) -> None:
    print(f"\n== 4. trusted documents: {TRUSTED_REQUESTS} sequential POSTs each ==")
    if not MANIFEST.is_file():
        print(f"  {MANIFEST.relative_to(ROOT)} is missing: `make codegen` must run first; skipped")
        summary.lines.append("4. trusted docs    : skipped (run `make codegen`)")
        return
    manifest = json.loads(MANIFEST.read_text(encoding="utf-8"))
    hex_id, text, name = pick_document(manifest)
    conn = await Connection(port).open()
    variables: dict[str, Any] = {}
    if name == "Room":
        create = "mutation($n:String!){createRoom(input:{name:$n}){room{id} errors{code message}}}"
        _, status, body = await conn.timed(
            post({"query": create, "variables": {"n": "Abuse bench"}}, token)
        )
        assert status == 200 and not body.get("errors"), body
        variables = {"id": body["data"]["createRoom"]["room"]["id"]}
    print(f"  operation {name} ({len(text)} characters), documentId sha256:{hex_id[:12]}...")

    def by_id() -> bytes:
        return post({"documentId": f"sha256:{hex_id}", "variables": variables}, token)

    same_text = post({"query": text, "variables": variables}, token)

    def unique_text() -> bytes:
        query = f"{text}\n# {next(_unique)}"
        return post({"query": query, "variables": variables}, token)

    modes = {
        "(a) documentId": by_id,
        "(b) same text (cache hit)": lambda: same_text,
        "(c) unique text (cache miss)": unique_text,
    }
    results: dict[str, list[float]] = {label: [] for label in modes}
    for label, make in modes.items():  # warm-up, and every mode answers
        for _ in range(TRUSTED_WARMUP):
            _, status, body = await conn.timed(make())
            assert status == 200 and not body.get("errors") and body.get("data"), (label, body)
    for _ in range(TRUSTED_REQUESTS):  # interleaved, so drift affects all alike
        for label, make in modes.items():
            raw = make()
            ms, status, body = await conn.timed(raw)
            assert status == 200 and not body.get("errors"), (label, body)
            results[label].append(ms)
    await conn.close()
    for label, values in results.items():
        print(line(label, values))
    a, b, c = (results[label] for label in modes)
    ca, ba = (
        statistics.median(c) / statistics.median(a),
        statistics.median(b) / statistics.median(a),
    )
    print(
        f"  ratio (c)/(a): median x{ca:.2f}  p99 x{percentile(c, 99) / percentile(a, 99):.2f}   "
        f"(b)/(a): median x{ba:.2f}  p99 x{percentile(b, 99) / percentile(a, 99):.2f}"
    )
    saved_http = statistics.median(c) - statistics.median(a)
    print(f"  median saved per request by documentId vs a cache miss: {saved_http:.3f} ms")

    # In-process: exactly what a trusted document skips at run time.
    from core.settings import Settings
    from schema.composition import build_schema
    from schema.limits import Limits, check_document

    settings = Settings()
    schema = build_schema(settings)._schema
    limits = Limits(
        settings.graphql_max_depth, settings.graphql_max_cost, settings.graphql_max_aliases
    )
    timings: dict[str, list[float]] = {
        "parse": [],
        "check_document": [],
        "validate": [],
        "total": [],
    }
    for _ in range(IN_PROCESS_ITERATIONS):
        t0 = time.perf_counter()
        document = graphql.parse(text)
        t1 = time.perf_counter()
        limit_errors = check_document(schema, document, limits)
        t2 = time.perf_counter()
        errors = graphql.validate(schema, document)
        t3 = time.perf_counter()
        assert not limit_errors and not errors, (limit_errors, errors)
        timings["parse"].append((t1 - t0) * 1000)
        timings["check_document"].append((t2 - t1) * 1000)
        timings["validate"].append((t3 - t2) * 1000)
        timings["total"].append((t3 - t0) * 1000)
    print(f"  in-process, no HTTP, {IN_PROCESS_ITERATIONS} iterations of the {name} text:")
    for label, values in timings.items():
        print(line(f"  {label}", values, 32))
    total = statistics.median(timings["total"])
    summary.lines.append(
        f"4. trusted docs    : {name}: (a) documentId {statistics.median(a):.2f} ms, (b) cached "
        f"text {statistics.median(b):.2f} ms (x{ba:.2f}), (c) unique text "
        f"{statistics.median(c):.2f} ms (x{ca:.2f}); parse+limits+validate in-process "
        f"{total:.3f} ms median (p99 {percentile(timings['total'], 99):.3f} ms)"
    )


# --- main ------------------------------------------------------------------------------------


async def main() -> None:
    began = time.perf_counter()
    summary = Summary()
    async with scratch_database() as database_url:
        server = ServerProcess(env=app_env(database_url)).start()
        try:
            assert server.process is not None
            print(
                f"abuse: uvicorn app:create_app (development, PostgreSQL), pid {server.process.pid}"
            )
            token = await sign_in(server.port)
            await fragment_bomb(server.port, summary)
            await liveness(server.port, summary)
            await memory(server, token, summary)
            await trusted_documents(server.port, token, summary)
            alive = server.process.poll() is None
        finally:
            server.stop()
        log_lines = [row for row in server.logs().splitlines() if row.strip()]
    print("\n== summary ==")
    for row in summary.lines:
        print(f"  {row}")
    print(
        f"  server alive at the end: {'yes' if alive else 'NO'}; "
        f"server log lines (WARNING and above): {len(log_lines)}"
    )
    for row in log_lines[:5]:
        print(f"    {row[:300]}")
    for problem in summary.problems:
        print(f"  PROBLEM: {problem}")
    print(f"  total run time {time.perf_counter() - began:.1f} s")


if __name__ == "__main__":
    asyncio.run(main())
