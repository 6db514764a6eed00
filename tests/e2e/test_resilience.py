"""Resilience end to end: a real server and real `agilekit worker` processes on a private Redis
(which a test stops and restarts), PostgreSQL and the Jira sandbox process.

The stack runs with JOB_TIMEOUT_S=5 (arq re-runs a killed worker's job 15 s later) and
WEBHOOK_SWEEP_INTERVAL_S=2 (the inbox sweeper every 2 s), so nothing waits minutes.
"""

from __future__ import annotations

import asyncio
import itertools
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
import pytest

from core.settings import Settings
from jira_cloud.adf import text_to_adf
from models.jira import JiraConnection, JiraIssueLink, JiraWebhookDelivery
from models.rooms import Issue
from services.jira.push import comment_text
from services.jira.token_store import ACCESS_FIELD, keyring_for, unseal
from tests.core.bus.private_redis import PrivateRedis
from tests.jira_support import (
    ACME_CLOUD_ID,
    IMPORT,
    SET_MAPPING,
    SandboxProcess,
    connect_via_graphql,
    eventually,
    scrum_board_id,
)
from tests.resolvers.room_helpers import CAST, COMPLETE, REVEAL, START, create_room, voting
from tests.support import GraphQLClient, ServerProcess, WorkerProcess

pytestmark = pytest.mark.usefixtures("database_url")

# APP (Acme's team-managed project): no other test module registers webhooks on it, so only
# this module's server hears about its issues (other servers share the database).
PROJECT, STORY_POINTS = "APP", "customfield_10016"
JOB_TIMEOUT_S = 5
LINK = """query($r: ID!) {
  room(id: $r) { issues { id jiraLink { pushStatus pushedEstimate pushError } } }
}"""


class Workers:
    """The `agilekit worker` processes of this module; `current` is the live one."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.started: list[WorkerProcess] = []

    @property
    def current(self) -> WorkerProcess:
        return self.started[-1]

    def start(self) -> WorkerProcess:
        self.started.append(WorkerProcess(env=self.env).start())
        return self.current

    def stop_all(self) -> None:
        for worker in self.started:
            worker.stop()


@dataclass
class Stack:
    redis: PrivateRedis
    server: ServerProcess
    workers: Workers
    sandbox: SandboxProcess
    gql: GraphQLClient
    token: str = ""
    room_id: str = ""
    email: str = ""

    async def new_issue(self, summary: str) -> tuple[str, dict[str, Any]]:
        """A new APP issue at the sandbox, imported into the room: (room issue id, Jira issue)."""
        created = await self.sandbox.admin(
            "POST",
            f"/sites/{ACME_CLOUD_ID}/issues",
            json={"projectKey": PROJECT, "summary": summary},
        )
        imported = await self.gql.data(
            IMPORT, {"r": self.room_id, "k": [created["key"]]}, self.token
        )
        payload = imported["importJiraIssues"]
        assert payload["errors"] == [] and len(payload["issues"]) == 1, payload
        return str(payload["issues"][0]["id"]), created

    async def estimate(self, issue_id: str, value: str) -> None:
        """Vote and complete: the consensus hook enqueues the push on the worker's queue."""
        for mutation, variables in (
            (START, {"i": issue_id}),
            (CAST, {"i": issue_id, "v": value}),
            (REVEAL, {"i": issue_id}),
            (COMPLETE, {"i": issue_id, "e": value}),
        ):
            assert (await voting(self.gql, self.token, mutation, variables))["errors"] == []

    async def link_of(self, issue_id: str) -> dict[str, Any]:
        issues = (await self.gql.data(LINK, {"r": self.room_id}, self.token))["room"]["issues"]
        return next(i["jiraLink"] for i in issues if i["id"] == issue_id)

    async def wait_push_done(self, issue_id: str, within: float) -> dict[str, Any]:
        async def done() -> bool:
            return (await self.link_of(issue_id))["pushStatus"] != "PENDING"

        await eventually(done, within)
        link = await self.link_of(issue_id)
        assert link["pushStatus"] == "PUSHED" or link["pushError"], link
        return {"pushStatus": link["pushStatus"], "pushedEstimate": link["pushedEstimate"]}


@pytest.fixture(scope="module")
def private_redis() -> Iterator[PrivateRedis]:
    redis = PrivateRedis().start()
    yield redis
    redis.kill()


@pytest.fixture(scope="module")
def stack_env(
    server_env: dict[str, str], jira_sandbox: SandboxProcess, private_redis: PrivateRedis
) -> dict[str, str]:
    return {
        **server_env,
        "REDIS_URL": private_redis.url,
        "ATLASSIAN_AUTH_URL": f"{jira_sandbox.url}/auth",
        "ATLASSIAN_API_URL": f"{jira_sandbox.url}/api",
        "JOB_TIMEOUT_S": str(JOB_TIMEOUT_S),
        "WEBHOOK_SWEEP_INTERVAL_S": "2",
        "LOG_JSON": "false",
    }


@pytest.fixture(scope="module")
async def stack(
    stack_env: dict[str, str], jira_sandbox: SandboxProcess, private_redis: PrivateRedis
) -> AsyncIterator[Stack]:
    """Server + one worker; a PREMIUM user connected to Acme; a room mapped to APP (auto push,
    comment on push), which registers the project's webhook pointing at this server."""
    server = ServerProcess(env=stack_env).start()
    workers = Workers(stack_env)
    gql = GraphQLClient(server.url)
    try:
        workers.start()
        stack = Stack(private_redis, server, workers, jira_sandbox, gql)
        stack.email = f"resilience-{uuid.uuid4().hex[:8]}@example.com"
        stack.token = await gql.sign_in(stack.email, "PREMIUM")
        await connect_via_graphql(gql, server, jira_sandbox, stack.token)
        stack.room_id = await create_room(gql, stack.token, "Resilience")
        board = await scrum_board_id(jira_sandbox, ACME_CLOUD_ID, PROJECT)
        given = {"projectKey": PROJECT, "boardId": board}
        given |= {"autoPushEstimates": True, "commentOnPush": True}
        mapped = await gql.data(SET_MAPPING, {"r": stack.room_id, "i": given}, stack.token)
        mapping = mapped["setRoomJiraMapping"]
        assert mapping["errors"] == [] and mapping["mapping"]["webhookStatus"] == "ACTIVE"
        yield stack
    finally:
        await gql.aclose()
        workers.stop_all()
        server.stop()
        await jira_sandbox.admin("DELETE", "/faults")


async def requests_to(sandbox: SandboxProcess, path: str, since: int = 0) -> list[dict[str, Any]]:
    found = await sandbox.admin("GET", "/requests", params={"path": path, "since": since})
    return list(found["requests"])


def writes_of(entries: list[dict[str, Any]], value: int) -> list[dict[str, Any]]:
    """Successful PUTs of the issue that set the story points to `value`."""
    return [
        e
        for e in entries
        if e["method"] == "PUT"
        and 200 <= e["status"] < 300
        and (e.get("body") or {}).get("fields", {}).get(STORY_POINTS) == value
    ]


def comments_posted(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for e in entries if e["method"] == "POST" and e["path"].endswith("/comment")]


# ---- Redis stopped during webhook ingest -------------------------------------------------------


async def test_redis_down_during_webhook_ingest(stack: Stack) -> None:
    """Deliveries are acknowledged and stored while Redis is down; server and worker stay up;
    when Redis is back the worker's inbox sweeper applies each one once."""
    linked = [await stack.new_issue(f"Before {n}") for n in range(3)]
    await stack.sandbox.admin("POST", "/webhooks/drain?timeout=10")  # the issue_created ones
    stack.redis.kill()
    try:
        identifiers = await deliveries_while_redis_is_down(stack, linked)
    finally:
        stack.redis.start()  # same port, empty: whatever was queued in Redis is gone

    async def applied() -> bool:
        return [i.title for i in await issues_of(linked)] == ["Offline 0", "Offline 1", "Offline 2"]

    await eventually(applied, within=15)
    rows = await JiraWebhookDelivery.filter(identifier__in=identifiers)
    assert all(row.processed_at is not None and row.attempts == 1 for row in rows)
    worker = stack.workers.current
    assert worker.process is not None and worker.process.poll() is None
    assert "Redis is back" in worker.logs()
    assert stack.server.process is not None and stack.server.process.poll() is None
    async with httpx.AsyncClient(timeout=5) as http:
        assert (await http.get(f"{stack.server.url}/readyz")).status_code == 200


async def deliveries_while_redis_is_down(
    stack: Stack, linked: list[tuple[str, dict[str, Any]]]
) -> list[str]:
    """Rename the issues in Jira: each webhook is answered 200 at the first attempt and parked
    in the inbox; nothing is applied, and both processes stay up. Returns the identifiers."""
    for n, (_, created) in enumerate(linked):
        path = f"/sites/{ACME_CLOUD_ID}/issues/{created['key']}"
        await stack.sandbox.admin("PATCH", path, json={"summary": f"Offline {n}"})
    await stack.sandbox.admin("POST", "/webhooks/drain?timeout=20")
    keys = {created["key"] for _, created in linked}
    attempts = [
        a
        for a in (await stack.sandbox.admin("GET", "/webhooks/deliveries"))["attempts"]
        if a.get("issueKey") in keys
        and a["event"] == "jira:issue_updated"
        and a["url"] == f"{stack.server.url}/webhooks/jira"
    ]
    assert sorted(a["issueKey"] for a in attempts) == sorted(keys), attempts  # no retries
    assert all(a["status"] == 200 for a in attempts), attempts
    identifiers = [a["identifier"] for a in attempts]
    stored = await JiraWebhookDelivery.filter(identifier__in=identifiers)
    assert len(stored) == 3 and all(row.processed_at is None for row in stored)

    async with httpx.AsyncClient(timeout=5) as http:
        assert (await http.get(f"{stack.server.url}/healthz")).status_code == 200
        ready = await http.get(f"{stack.server.url}/readyz")
    assert ready.status_code == 503 and ready.json()["checks"]["redis"] != "ok"
    await asyncio.sleep(1)  # a few of the worker's poll iterations without Redis
    worker = stack.workers.current
    assert worker.process is not None and worker.process.poll() is None, worker.logs()[-3000:]
    assert [i.title for i in await issues_of(linked)] == ["Before 0", "Before 1", "Before 2"]
    return identifiers


async def issues_of(linked: list[tuple[str, dict[str, Any]]]) -> list[Issue]:
    return await Issue.filter(id__in=[int(issue_id) for issue_id, _ in linked]).order_by("id")


# ---- A worker killed during a push -------------------------------------------------------------


async def test_worker_killed_inside_the_push_writes_once(stack: Stack) -> None:
    """SIGKILL while Jira is slow to answer the PUT: arq runs the job again once its
    in-progress marker expires (JOB_TIMEOUT_S + 10 s), the stale claim is taken over, and Jira
    ends with the value written once and one comment."""
    issue_id, created = await stack.new_issue("Killed mid-push")
    issue_path = f"/issue/{created['id']}"
    rule = {"kind": "latency", "path_contains": issue_path, "method": "PUT", "delay_ms": 3000}
    await stack.sandbox.admin("POST", "/faults", json={**rule, "remaining": 1})
    await stack.estimate(issue_id, "5")

    async def inside_the_put() -> bool:  # the rule matched: the PUT is being held
        rules = (await stack.sandbox.admin("GET", "/faults"))["rules"]
        return any(r["path_contains"] == issue_path and r["remaining"] == 0 for r in rules)

    await eventually(inside_the_put, within=10)
    stack.workers.current.kill()
    killed_at = time.monotonic()
    replacement = stack.workers.start()

    link = await stack.wait_push_done(issue_id, within=JOB_TIMEOUT_S + 20)
    assert link == {"pushStatus": "PUSHED", "pushedEstimate": "5"}
    assert time.monotonic() - killed_at >= 5  # waited for arq's marker, not re-run at once
    assert "try=2" in replacement.logs()  # arq's retry of the same job
    entries = await requests_to(stack.sandbox, issue_path)
    assert len(writes_of(entries, 5)) == 1, entries
    assert len([e for e in comments_posted(entries) if e["status"] == 201]) == 1
    assert await jira_state(stack, created["id"]) == (5, 1)


async def test_comment_that_jira_took_before_a_crash_is_not_repeated(stack: Stack) -> None:
    """A run died after Jira's 201 for the comment and before recording it: Jira holds our
    comment, the link does not know. The next run finds it (newest of ours, same text) and
    does not comment again."""
    issue_id, created = await stack.new_issue("Crashed after commenting")
    user_name = stack.email.split("@")[0]
    text = comment_text("5", [(user_name, "5")])
    await post_comment_as_connected_user(stack, created["id"], text)
    await stack.estimate(issue_id, "5")
    link = await stack.wait_push_done(issue_id, within=15)
    assert link == {"pushStatus": "PUSHED", "pushedEstimate": "5"}
    entries = await requests_to(stack.sandbox, f"/issue/{created['id']}")
    assert len(comments_posted(entries)) == 1  # ours, before the push
    assert [e for e in entries if e["method"] == "GET" and e["path"].endswith("/comment")]
    assert len(writes_of(entries, 5)) == 1
    assert await jira_state(stack, created["id"]) == (5, 1)
    stored = await JiraIssueLink.get(issue_id=int(issue_id))
    assert stored.push_commented_estimate == "5"


async def jira_rest(stack: Stack, method: str, path: str, **kwargs: Any) -> Any:
    """Jira's REST API at the sandbox as the connected user (what Jira really holds)."""
    connection = await JiraConnection.get(user__email=stack.email)
    token = unseal(keyring_for(Settings(agilekit_env="development")), connection, ACCESS_FIELD)
    url = f"{stack.sandbox.url}/api/ex/jira/{ACME_CLOUD_ID}/rest/api/3/{path}"
    async with httpx.AsyncClient(timeout=10) as http:
        answer = await http.request(
            method, url, headers={"authorization": f"Bearer {token}"}, **kwargs
        )
    assert answer.is_success, answer.text
    return answer.json()


async def post_comment_as_connected_user(stack: Stack, jira_id: str, text: str) -> None:
    await jira_rest(stack, "POST", f"issue/{jira_id}/comment", json={"body": text_to_adf(text)})


async def jira_state(stack: Stack, jira_id: str) -> tuple[Any, int]:
    """(story points, number of comments) of the Jira issue."""
    issue = await jira_rest(stack, "GET", f"issue/{jira_id}", params={"fields": STORY_POINTS})
    comments = await jira_rest(stack, "GET", f"issue/{jira_id}/comment")
    return issue["fields"][STORY_POINTS], int(comments["total"])


# ---- A 429 storm waited out --------------------------------------------------------------------


async def test_429_storm_is_waited_out(stack: Stack) -> None:
    """Every request on the issue is refused with 429 (Retry-After: 1) five times in a row: the
    client waits each one out, then the job retries (arq Retry with the same defer); the push
    ends PUSHED with one write and one comment, and no request came sooner than Retry-After."""
    issue_id, created = await stack.new_issue("Rate limited")
    issue_path = f"/issue/{created['id']}"
    since = (await stack.sandbox.admin("GET", "/requests", params={"path": "/no-such-path"}))[
        "lastSeq"
    ]
    storm = {"kind": "rate_limit", "path_contains": issue_path, "retry_after": 1, "remaining": 5}
    await stack.sandbox.admin("POST", "/faults", json=storm)
    await stack.estimate(issue_id, "3")
    link = await stack.wait_push_done(issue_id, within=20)
    entries = await requests_to(stack.sandbox, issue_path, since)
    statuses = [e["status"] for e in entries]
    assert link == {"pushStatus": "PUSHED", "pushedEstimate": "3"}, (
        await stack.link_of(issue_id),
        statuses,
    )

    assert statuses.count(429) == 5 and statuses[:5] == [429] * 5, statuses
    for refused, following in itertools.pairwise(entries[:6]):
        waited = moment(following) - moment(refused)
        assert waited >= 0.95, (refused, following)  # Retry-After: 1 honoured
    assert len(writes_of(entries, 3)) == 1
    assert len([e for e in comments_posted(entries) if e["status"] == 201]) == 1
    assert await jira_state(stack, created["id"]) == (3, 1)


def moment(entry: dict[str, Any]) -> float:
    return datetime.fromisoformat(entry["at"]).timestamp()
