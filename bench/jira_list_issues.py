"""Listing 1,000 sprint issues through `jiraIssues` in pages of 100 (real server + sandbox).

Counts the requests the sandbox received per listing (from its request log; the minimum is
10) and times whole listings: median and p99 over repeated runs. Baseline, same run and same
sandbox: a JiraClient in this process paging the same sprint directly through the same
token-paged `/rest/software/1.0` list the service uses (no GraphQL, no database, no token
lookup). Runs alternate so drift affects both sides alike. The GraphQL requests go over a raw
keep-alive connection (bench.support.KeepAliveClient): the figure is the server's cost, not
that of an HTTP client library in the load generator; the direct side is the JiraClient over
httpx, exactly as the server calls Jira.

    .venv/bin/python -m bench.jira_list_issues [--issues 1000] [--page 100] [--runs 60]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx

from bench.figures import record_latencies
from bench.support import KeepAliveClient, jira_app, percentile, scratch_database
from jira_cloud.client import JiraClient
from tests.jira_support import SandboxProcess, complete_in_app, consent, new_account, query_of
from tests.support import GraphQLClient

ACME = "8f3c2a10-5d1e-4c7b-9a42-3e1f0b6d7c01"
CLIENT = {
    "client_id": "agilekit-dev-client",
    "client_secret": "dev-only-agilekit-jira-client-secret",
}
STORY_POINTS = ("customfield_10016", "customfield_10026")  # what the server detects on Acme
ISSUES = """query($source:JiraIssueSourceInput!,$first:Int,$after:String){
  jiraIssues(source:$source, first:$first, after:$after) {
    edges { node { key id summary status issueType storyPoints url } }
    pageInfo { hasNextPage endCursor } } }"""


@dataclass
class StaticTokens:
    token: str

    async def access_token(self) -> str:
        return self.token

    async def refresh_after_unauthorized(self, rejected_token: str) -> str:
        raise RuntimeError("the benchmark token should not expire")


async def jira_requests_since(sandbox: SandboxProcess, seq: int) -> int:
    log = await sandbox.admin("GET", "/requests", params={"since": seq, "path": "/ex/jira/"})
    return len(log["requests"])


async def last_seq(sandbox: SandboxProcess) -> int:
    return int((await sandbox.admin("GET", "/requests", params={"path": "-"}))["lastSeq"])


async def connect_server_user(gql: GraphQLClient, server_url: str, sandbox: SandboxProcess) -> str:
    token = await gql.sign_in(f"bench-{time.time()}@example.com", "PREMIUM")
    start = await gql.data("mutation { startJiraConnect { authorizeUrl } }", token=token)
    answer = await consent(
        start["startJiraConnect"]["authorizeUrl"], await new_account(sandbox, [ACME])
    )
    async with httpx.AsyncClient(timeout=30) as http:
        callback = await http.get(f"{server_url}/integrations/jira/callback", params=answer)
    assert callback.status_code == 303, callback.text
    # The callback only hands code and state to the app, which completes the connection.
    handed = query_of(callback.headers["location"])
    payload = await complete_in_app(gql, handed, token)
    assert payload["errors"] == [], payload
    return token


async def direct_token(sandbox: SandboxProcess, http: httpx.AsyncClient) -> str:
    redirect = "http://127.0.0.1:9/integrations/jira/callback"
    query = {"audience": "api.atlassian.com", "client_id": CLIENT["client_id"],
             "scope": "read:jira-work read:sprint:jira-software read:issue-details:jira "
                      "read:jql:jira offline_access",
             "redirect_uri": redirect, "state": "bench", "response_type": "code"}  # fmt: skip
    answer = await consent(
        f"{sandbox.url}/auth/authorize?{urlencode(query)}", await new_account(sandbox, [ACME])
    )
    body = {"grant_type": "authorization_code", "code": answer["code"], "redirect_uri": redirect}
    response = await http.post(f"{sandbox.url}/auth/oauth/token", json={**body, **CLIENT})
    response.raise_for_status()
    return str(response.json()["access_token"])


async def list_via_graphql(
    gql: KeepAliveClient, token: str, sprint_id: int, page: int
) -> list[str]:
    keys: list[str] = []
    after = None
    while True:
        variables = {"source": {"sprintId": sprint_id}, "first": page, "after": after}
        data = (await gql.graphql(ISSUES, variables, token))["jiraIssues"]
        keys += [edge["node"]["key"] for edge in data["edges"]]
        if not data["pageInfo"]["hasNextPage"]:
            return keys
        after = data["pageInfo"]["endCursor"]


async def list_direct(client: JiraClient, sprint_id: int, page: int) -> list[str]:
    """The endpoint family the service lists sprints with: Jira Software's token-paged
    `/rest/software/1.0` list (services/jira/issue_lists.py), not agile 1.0's offset pages."""
    keys: list[str] = []
    token: str | None = None
    while True:
        result = await client.software_sprint_issues(
            sprint_id, token, page, story_points_fields=STORY_POINTS
        )
        keys += [issue.key for issue in result.items]
        if result.is_last or result.next_page_token is None:
            return keys
        token = result.next_page_token


async def timed(listing: Any, expected: set[str]) -> float:
    started = time.perf_counter()
    keys = await listing
    elapsed_ms = (time.perf_counter() - started) * 1000
    assert len(keys) == len(expected) and set(keys) == expected, "each issue exactly once"
    return elapsed_ms


async def requests_of(
    sandbox: SandboxProcess, listing: Any, expected: set[str]
) -> tuple[float, int]:
    """One listing's time and sandbox requests. The request log is asked outside the timed
    runs: the sandbox's answer to it slowed the call timed right after it."""
    seq = await last_seq(sandbox)
    elapsed_ms = await timed(listing, expected)
    return elapsed_ms, await jira_requests_since(sandbox, seq)


def line(name: str, times: list[float], requests: int) -> str:
    return (
        f"  {name:<22} median {statistics.median(times):8.1f} ms"
        f"   p99 {percentile(times, 99):8.1f} ms   sandbox requests per listing {requests}"
    )


async def main(issues: int, page: int, runs: int) -> None:
    sandbox = SandboxProcess().start()
    try:
        async with scratch_database() as database_url:
            async with jira_app(database_url, sandbox.url) as app:
                await run(sandbox, app.server.url, app.gql, app.jira_http, issues, page, runs)
    finally:
        sandbox.stop()


async def run(
    sandbox: SandboxProcess,
    server_url: str,
    gql: GraphQLClient,
    http: httpx.AsyncClient,
    issues: int,
    page: int,
    runs: int,
) -> None:
    state = await sandbox.admin("GET", "/state")
    board = next(b["id"] for s in state["sites"] for b in s["boards"] if b["name"] == "PLAT board")
    sprint = await sandbox.admin("POST", f"/sites/{ACME}/sprints", json={"boardId": board})
    body = {"projectKey": "PLAT", "count": issues, "sprintId": sprint["id"], "storyPoints": 3}
    expected = set((await sandbox.admin("POST", f"/sites/{ACME}/issues/bulk", json=body))["keys"])
    user_token = await connect_server_user(gql, server_url, sandbox)
    tokens = StaticTokens(await direct_token(sandbox, http))
    site_url = "https://acme-demo.atlassian.net"
    client = JiraClient(http, f"{sandbox.url}/api", ACME, tokens, site_url=site_url)

    graphql = await KeepAliveClient(int(server_url.rsplit(":", 1)[1])).open()
    listings = {
        "graphql": lambda: list_via_graphql(graphql, user_token, sprint["id"], page),
        "direct": lambda: list_direct(client, sprint["id"], page),
    }
    cold_ms, cold_requests = await requests_of(sandbox, listings["graphql"](), expected)
    # A second call of each (the direct one warms its pool) counts its requests.
    requests = {
        name: (await requests_of(sandbox, listing(), expected))[1]
        for name, listing in listings.items()
    }
    times: dict[str, list[float]] = {name: [] for name in listings}
    seq = await last_seq(sandbox)
    for _ in range(runs):
        for name, listing in listings.items():
            times[name].append(await timed(listing(), expected))
    made, wanted = await jira_requests_since(sandbox, seq), runs * sum(requests.values())
    assert made == wanted, f"{made} sandbox requests in the timed runs, expected {wanted}"
    await graphql.close()
    print(f"jiraIssues: {issues} sprint issues in pages of {page}, {runs} runs per side")
    print(f"  first listing (cold)   {cold_ms:8.1f} ms   sandbox requests {cold_requests}"
          f" (incl. the per-site field lookup, cached 10 min)")  # fmt: skip
    print(line("GraphQL (server)", times["graphql"], requests["graphql"]))
    print(line("direct JiraClient", times["direct"], requests["direct"]))
    ratio = statistics.median(times["graphql"]) / statistics.median(times["direct"])
    minimum = -(-issues // page)
    print(f"  minimum sandbox requests {minimum}; median ratio GraphQL / direct {ratio:.2f}x")
    record_latencies(
        "jira_list_issues", f"jiraIssues, {issues} sprint issues in pages of {page}",
        times["graphql"], times["direct"], "<= 1.5x the direct JiraClient",
    )  # fmt: skip


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--issues", type=int, default=1000)
    parser.add_argument("--page", type=int, default=100)
    parser.add_argument("--runs", type=int, default=60)
    args = parser.parse_args()
    asyncio.run(main(args.issues, args.page, args.runs))
