"""Importing 100 Jira issues with `importJiraIssues` (real server + sandbox).

Reports, per import: the requests the sandbox received (its request log; target <= 2), the SQL
statements the import service sends for 10 and for 100 issues (counted in this process on the
same database: they must not grow), and wall time, median and p99, of a first import into a
fresh room (creates) and of a re-import (updates). Baseline, same run and same sandbox: the bare
bulkfetch of the same keys by a JiraClient in this process. Runs alternate so drift affects
every side alike. The import requests go over a raw keep-alive connection
(bench.support.KeepAliveClient), as in bench.jira_list_issues.

    .venv/bin/python -m bench.jira_import [--issues 100] [--runs 100]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from bench.figures import record_latencies
from bench.jira_list_issues import (
    ACME,
    StaticTokens,
    connect_server_user,
    direct_token,
    jira_requests_since,
    last_seq,
)
from bench.support import KeepAliveClient, jira_app, percentile, scratch_database
from jira_cloud.client import JiraClient
from services.jira import importing as jira_import
from services.rooms.rooms import create_room
from tests.jira_support import (
    SandboxProcess,
    connect_user,
    make_runtime,
    make_user,
    new_account,
)
from tests.resolvers.test_rooms_query_count import counted_queries
from tests.support import GraphQLClient

IMPORT = """mutation($r: ID!, $k: [String!]!) { importJiraIssues(roomId: $r, issueKeys: $k) {
  issues { id title jiraLink { key url jiraIssueId lastSyncedAt pushStatus } }
  created updated errors { code field message } } }"""
CREATE_ROOM = "mutation($n: String!) { createRoom(input: {name: $n}) { room { id } } }"
SITE_URL = "https://acme-demo.atlassian.net"


async def new_keys(sandbox: SandboxProcess, count: int) -> list[str]:
    body = {"projectKey": "PLAT", "count": count, "emitWebhooks": False}
    return list((await sandbox.admin("POST", f"/sites/{ACME}/issues/bulk", json=body))["keys"])


async def sql_statements(sandbox: SandboxProcess, size: int) -> tuple[int, int]:
    """Statements of the import service for `size` issues: (first import, re-import)."""
    runtime = await make_runtime(sandbox)
    try:
        user = await make_user()
        await connect_user(runtime, user, await new_account(sandbox, [ACME]))
        room = await create_room(user, f"sql {size}")
        keys = await new_keys(sandbox, size)
        counts = []
        for _ in range(2):
            with counted_queries() as queries:
                result = await jira_import.import_issues(runtime, user, str(room.id), keys, None)
            assert not result.errors and len(result.issues) == size, result.errors
            counts.append(len(queries))
        return counts[0], counts[1]
    finally:
        assert runtime.jira_http is not None
        await runtime.jira_http.aclose()


async def timed(call: Callable[[], Awaitable[Any]]) -> float:
    started = time.perf_counter()
    await call()
    return (time.perf_counter() - started) * 1000


async def requests_of(sandbox: SandboxProcess, call: Callable[[], Awaitable[Any]]) -> int:
    """The sandbox requests one call makes (asked of its request log, outside any timing:
    the sandbox's answer to that question slowed the call timed right after it)."""
    seq = await last_seq(sandbox)
    await call()
    return await jira_requests_since(sandbox, seq)


def line(name: str, times: list[float], requests: int) -> str:
    return (
        f"  {name:<26} median {statistics.median(times):7.1f} ms   p99 "
        f"{percentile(times, 99):7.1f} ms   sandbox requests per call {requests}"
    )


async def run(
    sandbox: SandboxProcess, server_url: str, gql: GraphQLClient, http: httpx.AsyncClient, n: int,
    runs: int,
) -> None:  # fmt: skip
    keys = await new_keys(sandbox, n)
    token = await connect_server_user(gql, server_url, sandbox)
    client = JiraClient(
        http, f"{sandbox.url}/api", ACME, StaticTokens(await direct_token(sandbox, http)),
        site_url=SITE_URL,
    )  # fmt: skip

    async def new_room() -> str:
        data = await gql.data(CREATE_ROOM, {"n": "bench"}, token=token)
        return str(data["createRoom"]["room"]["id"])

    graphql = await KeepAliveClient(int(server_url.rsplit(":", 1)[1])).open()

    async def import_into(room: str, created: int, updated: int) -> None:
        data = await graphql.graphql(IMPORT, {"r": room, "k": keys}, token)
        payload = data["importJiraIssues"]
        assert payload["errors"] == [], payload["errors"]
        assert (payload["created"], payload["updated"]) == (created, updated)
        assert len(payload["issues"]) == n

    async def bulkfetch() -> None:
        assert len((await client.bulkfetch(keys, fields=jira_import.IMPORT_FIELDS)).issues) == n

    warm_room = await new_room()
    calls: dict[str, Callable[[str], Callable[[], Awaitable[None]]]] = {
        "import (creates)": lambda room: lambda: import_into(room, n, 0),
        "re-import (updates)": lambda room: lambda: import_into(room, 0, n),
        "bare bulkfetch": lambda room: bulkfetch,
    }
    # The first calls warm pools and caches and count each side's sandbox requests.
    requests = {name: await requests_of(sandbox, call(warm_room)) for name, call in calls.items()}
    times: dict[str, list[float]] = {name: [] for name in calls}
    seq = await last_seq(sandbox)
    for _ in range(runs):
        room = await new_room()
        for name, call in calls.items():
            times[name].append(await timed(call(room)))
    made, expected = await jira_requests_since(sandbox, seq), runs * sum(requests.values())
    assert made == expected, f"{made} sandbox requests in the timed runs, expected {expected}"
    await graphql.close()
    print(f"importJiraIssues: {n} issues, {runs} runs per side")
    for name, values in times.items():
        print(line(name, values, requests[name]))
    for name in ("import (creates)", "re-import (updates)"):
        record_latencies(
            "jira_import", f"importJiraIssues, {n} issues, {name}", times[name],
            times["bare bulkfetch"], "<= 2x bare bulkfetch",
        )  # fmt: skip
    base = statistics.median(times["bare bulkfetch"])
    for name in ("import (creates)", "re-import (updates)"):
        print(f"  {name} median / bare bulkfetch: {statistics.median(times[name]) / base:.2f}x")


async def main(n: int, runs: int) -> None:
    sandbox = SandboxProcess().start()
    try:
        async with scratch_database() as database_url:
            small, large = await sql_statements(sandbox, 10), await sql_statements(sandbox, n)
            async with jira_app(database_url, sandbox.url) as app:
                await run(sandbox, app.server.url, app.gql, app.jira_http, n, runs)
            print(f"  SQL statements of the import service (first import, re-import): "
                  f"10 issues {small}, {n} issues {large}")  # fmt: skip
    finally:
        sandbox.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--issues", type=int, default=100)
    parser.add_argument("--runs", type=int, default=100)
    args = parser.parse_args()
    asyncio.run(main(args.issues, args.runs))
