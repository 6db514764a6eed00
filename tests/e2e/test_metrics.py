"""GET /metrics end to end: a uvicorn server with REDIS_URL and a real `agilekit worker
--metrics-port`, PostgreSQL, Redis and the Jira sandbox (which delivers signed webhooks)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import httpx
import pytest

from core.metrics import MAX_OPERATION_NAMES, OTHER
from tests.e2e.stack import (
    Imported,
    Owner,
    Stack,
    gql,
    imported,
    owner,
    rename_in_jira,
    room,
    room_issue,
    running_stack,
)
from tests.jira_support import SandboxProcess, eventually
from tests.metrics_support import samples, scrape, value
from tests.resolvers.room_helpers import CAST, COMPLETE, REVEAL, START, RoomSubscriber, voting
from tests.support import GraphQLClient, ServerProcess, free_port

__all__ = ["gql", "imported", "owner", "room"]  # fixtures
pytestmark = pytest.mark.usefixtures("database_url")


@pytest.fixture(scope="module")
def stack(
    server_env: dict[str, str], redis_prefix: str, jira_sandbox: SandboxProcess
) -> Iterator[Stack]:
    """tests/e2e/stack.py's stack, its worker serving metrics on a port of its own."""
    metrics_port = ["--metrics-port", str(free_port())]
    with running_stack(server_env, redis_prefix, jira_sandbox, metrics_port) as running:
        yield running


def worker_url(stack: Stack) -> str:
    return f"http://127.0.0.1:{stack.worker.args[1]}"


async def test_push_and_webhook_move_the_counters(
    gql: GraphQLClient, stack: Stack, owner: Owner, room: str, imported: Imported
) -> None:
    server_before, worker_before = await scrape(stack.server.url), await scrape(worker_url(stack))
    issue_id = imported.room_issue_id(0)
    for operation, variables in (
        (START, {"i": issue_id}),
        (CAST, {"i": issue_id, "v": "5"}),
        (REVEAL, {"i": issue_id}),
        (COMPLETE, {"i": issue_id, "e": "5"}),
    ):
        await voting(gql, owner.token, operation, variables)

    async def pushed() -> bool:  # the worker ran the push and counted it
        now = await scrape(worker_url(stack))
        name = "agilekit_estimate_pushes_total"
        return value(now, name, outcome="PUSHED") > value(worker_before, name, outcome="PUSHED")

    await eventually(pushed, within=20)
    worker_now = await scrape(worker_url(stack))
    put = {"method": "PUT", "endpoint": "rest/api/3/issue/{id}", "status": "204"}
    jira = "agilekit_jira_requests_total"
    assert value(worker_now, jira, **put) > value(worker_before, jira, **put)
    assert all("://" not in labels["endpoint"] for labels, _ in samples(worker_now, jira))

    await rename_in_jira(stack, imported.jira_key(1), "Renamed for metrics")

    async def applied() -> bool:
        issue = await room_issue(gql, owner, room, imported.room_issue_id(1))
        if issue["title"] != "Renamed for metrics":
            return False
        server_now = await scrape(stack.server.url)
        worker_now = await scrape(worker_url(stack))
        stored = "agilekit_webhook_deliveries_total"
        lag = "agilekit_webhook_apply_lag_seconds_count"
        return value(server_now, stored, outcome="stored") > value(
            server_before, stored, outcome="stored"
        ) and value(worker_now, lag) > value(worker_before, lag)

    await eventually(applied, within=20)
    server_now = await scrape(stack.server.url)
    operations = "agilekit_graphql_operations_total"
    ok = {"operation_type": "mutation", "outcome": "ok"}
    assert value(server_now, operations, **ok) >= value(server_before, operations, **ok) + 4
    assert samples(server_now, "agilekit_jobs_queued")  # read from Redis at scrape


async def test_active_subscriptions_gauge(
    gql: GraphQLClient, stack: Stack, owner: Owner, room: str
) -> None:
    before = value(await scrape(stack.server.url), "agilekit_subscriptions_active")
    subscriber = await RoomSubscriber(stack.server.ws_url, owner.token).connect()
    try:
        await subscriber.subscribe(room)
        await subscriber.wait_ready(gql, owner.token, room)
        during = value(await scrape(stack.server.url), "agilekit_subscriptions_active")
        assert during == before + 1
    finally:
        await subscriber.close()

    async def closed() -> bool:
        return value(await scrape(stack.server.url), "agilekit_subscriptions_active") == before

    await eventually(closed)


async def test_metrics_only_for_the_allow_list(
    start_server: Callable[..., ServerProcess], stack: Stack
) -> None:
    elsewhere = start_server(METRICS_ALLOW_IPS="10.20.30.40,192.168.0.0/16")
    async with httpx.AsyncClient(timeout=10) as http:
        refused = await http.get(f"{elsewhere.url}/metrics")
        assert refused.status_code == 404 and "agilekit" not in refused.text
        assert (await http.get(f"{stack.server.url}/metrics")).status_code == 200  # default
        in_process = start_server()  # no Redis: in-process jobs, the same endpoint
        answer = await http.get(f"{in_process.url}/metrics")
        assert answer.status_code == 200 and samples(answer.text, "agilekit_jobs_queued")
        assert (await http.get(f"{worker_url(stack)}/metrics")).status_code == 200


async def test_unknown_operation_names_are_capped(stack: Stack) -> None:
    marker = f"Made{uuid.uuid4().hex[:8]}"
    async with httpx.AsyncClient(timeout=10) as http:
        for n in range(50):
            name = f"{marker}N{n}"
            answer = await http.post(
                f"{stack.server.url}/graphql",
                json={"query": f"query {name} {{ __typename }}", "operationName": name},
            )
            assert answer.status_code == 200, answer.text
    text = await scrape(stack.server.url)
    names = {
        labels["operation_name"] for labels, _ in samples(text, "agilekit_graphql_operations_total")
    }
    made_up = {name for name in names if name.startswith(marker)}
    assert 0 < len(made_up) <= MAX_OPERATION_NAMES
    assert OTHER in names
