"""The production shape in processes: a uvicorn server with REDIS_URL (jobs go to arq, room
events to Redis pub/sub) and a real `agilekit worker`, on the run's PostgreSQL database and
under the run's Redis prefix, both talking to the Jira sandbox process. Plus the module-scoped
world the acceptance tests share: a connected owner, a room mapped to OPS, a sprint import."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import redis
from arq.jobs import Job

from core.jobs import ArqJobQueue, deserialize, queue_name
from core.settings import Settings
from models.jira import JiraConnection
from services.jira.token_store import ACCESS_FIELD, keyring_for, unseal
from tests.jira_support import (
    GLOBEX_CLOUD_ID,
    IMPORT,
    ISSUES,
    SET_MAPPING,
    SandboxProcess,
    connect_via_graphql,
    new_sprint_issues,
    scrum_board_id,
)
from tests.resolvers.room_helpers import create_room, unique_email
from tests.support import (
    REDIS_URL,
    GraphQLClient,
    ServerProcess,
    WorkerProcess,
    free_port,
    unique_name,
)


@dataclass
class Stack:
    server: ServerProcess
    worker: WorkerProcess
    sandbox: SandboxProcess
    settings: Settings  # what both processes were started with

    @property
    def webhook_url(self) -> str:
        return f"{self.server.url}/webhooks/jira"

    async def run_job(self, name: str, *args: Any, within: float = 20) -> Any:
        """Enqueue `name(*args)` on the worker's arq queue and return the job's result."""
        queue = ArqJobQueue.from_settings(self.settings)
        job_id = uuid.uuid4().hex
        try:
            assert await queue.enqueue(name, *args, job_id=job_id)
            job = Job(
                f"{self.settings.redis_prefix}:{job_id}",  # as ArqJobQueue namespaces it
                queue.redis,
                _queue_name=queue_name(self.settings),
                _deserializer=deserialize,
            )
            return await job.result(timeout=within, poll_delay=0.05)
        finally:
            await queue.close()

    def restart_server(self) -> None:
        """Stop the server and start a new process on the same port (same webhook URL)."""
        self.server.stop()
        self.server.start()


def stack_env(
    server_env: dict[str, str], prefix: str, port: int, sandbox_url: str
) -> dict[str, str]:
    return {
        **server_env,
        "REDIS_URL": REDIS_URL,
        "REDIS_PREFIX": prefix,
        "PUBLIC_URL": f"http://127.0.0.1:{port}",
        "ATLASSIAN_AUTH_URL": f"{sandbox_url}/auth",
        "ATLASSIAN_API_URL": f"{sandbox_url}/api",
    }


def delete_keys(prefix: str) -> None:
    """The stack's keys: its own (queue, bus, locks) and arq's `arq:<kind>:<prefix>:<id>`."""
    client = redis.Redis.from_url(REDIS_URL)
    try:
        for pattern in (f"{prefix}*", f"arq:*:{prefix}:*"):
            for key in client.scan_iter(match=pattern, count=500):
                client.delete(key)
    finally:
        client.close()


@contextlib.contextmanager
def running_stack(
    server_env: dict[str, str],
    redis_prefix: str,
    sandbox: SandboxProcess,
    worker_args: Sequence[str] = (),
) -> Iterator[Stack]:
    """A server and a worker on a queue of their own under the run's prefix (no other
    module's jobs reach this worker); their Redis keys are deleted afterwards."""
    prefix = f"{redis_prefix}:{unique_name('stack')}"
    port = free_port()
    env = stack_env(server_env, prefix, port, sandbox.url)
    server = ServerProcess(env=env, port=port)
    worker = WorkerProcess(env=env, args=list(worker_args))
    try:
        server.start()
        worker.start()
        settings = Settings(**{key.lower(): value for key, value in env.items()})
        yield Stack(server, worker, sandbox, settings)
    finally:
        worker.stop()
        server.stop()
        delete_keys(prefix)


@pytest.fixture(scope="module")
def stack(
    server_env: dict[str, str], redis_prefix: str, jira_sandbox: SandboxProcess
) -> Iterator[Stack]:
    with running_stack(server_env, redis_prefix, jira_sandbox) as running:
        yield running


# ---- the world the acceptance tests share: a connected owner, a mapped room, an import ----

# Globex/OPS, which no other e2e module maps: their servers stay up until the session ends, share
# the database, and would apply the deliveries of their own registrations on the project first,
# publishing on their in-memory bus where this stack's subscribers cannot hear it.
SITE, PROJECT, STORY_POINTS = GLOBEX_CLOUD_ID, "OPS", "customfield_10028"
ROOM_ISSUES = """query($r: ID!) { room(id: $r) { issues { id title
  jiraLink { key url jiraIssueId pushStatus pushedEstimate pushError } } } }"""


@dataclass
class Owner:
    token: str
    account_id: str
    connection_id: int


@dataclass
class Imported:
    sprint_id: int
    sprint_keys: list[str]
    listed: list[dict[str, Any]]
    payload: dict[str, Any]
    bulk_requests: int

    def room_issue_id(self, index: int) -> str:
        return str(self.payload["issues"][index]["id"])

    def jira_key(self, index: int) -> str:
        return str(self.payload["issues"][index]["jiraLink"]["key"])

    def jira_id(self, index: int) -> str:
        return str(self.payload["issues"][index]["jiraLink"]["jiraIssueId"])


@pytest.fixture(scope="module")
async def gql(stack: Stack) -> AsyncIterator[GraphQLClient]:
    client = GraphQLClient(stack.server.url)
    yield client
    await client.aclose()


@pytest.fixture(scope="module")
async def owner(gql: GraphQLClient, stack: Stack) -> Owner:
    token = await gql.sign_in(unique_email("acceptance"), "PREMIUM")
    account = await connect_via_graphql(gql, stack.server, stack.sandbox, token, [SITE])
    connection = await JiraConnection.get(account_id=account)
    return Owner(token, account, connection.id)


@pytest.fixture(scope="module")
async def room(gql: GraphQLClient, stack: Stack, owner: Owner) -> str:
    """A room mapped to OPS with estimate push and comments; Jira's webhook points at us."""
    room_id = await create_room(gql, owner.token, "Acceptance")
    given = {
        "cloudId": SITE,
        "projectKey": PROJECT,
        "boardId": await scrum_board_id(stack.sandbox, SITE, PROJECT),
        "autoPushEstimates": True,
        "commentOnPush": True,
    }
    payload = await gql.data(SET_MAPPING, {"r": room_id, "i": given}, owner.token)
    assert payload["setRoomJiraMapping"]["errors"] == [], payload
    return room_id


@pytest.fixture(scope="module")
async def imported(gql: GraphQLClient, stack: Stack, owner: Owner, room: str) -> Imported:
    """A new sprint of five issues, listed through jiraIssues and imported into the room."""
    sprint, keys = await new_sprint_issues(stack.sandbox, 5, SITE, PROJECT)
    listed = await gql.data(ISSUES, {"source": {"sprintId": sprint}}, owner.token)
    nodes = [edge["node"] for edge in listed["jiraIssues"]["edges"]]
    log = await stack.sandbox.admin("GET", "/requests", params={"path": "-"})
    payload = await gql.data(IMPORT, {"r": room, "k": [node["key"] for node in nodes]}, owner.token)
    since = await stack.sandbox.admin("GET", "/requests", params={"since": log["lastSeq"]})
    bulk = sum("/issue/bulkfetch" in r["path"] for r in since["requests"])
    return Imported(sprint, keys, nodes, payload["importJiraIssues"], bulk)


async def jira_get(stack: Stack, owner: Owner, path: str) -> Any:
    """GET a Jira REST path at the sandbox as the owner (with the token we hold for them)."""
    row = await JiraConnection.get(id=owner.connection_id)
    token = unseal(keyring_for(stack.settings), row, ACCESS_FIELD)
    async with httpx.AsyncClient(timeout=10) as http:
        answer = await http.get(
            f"{stack.sandbox.url}/api/ex/jira/{SITE}/rest/api/3/{path}",
            headers={"authorization": f"Bearer {token}"},
        )
    assert answer.status_code == 200, answer.text
    return answer.json()


async def room_issue(gql: GraphQLClient, owner: Owner, room: str, issue_id: str) -> Any:
    issues = (await gql.data(ROOM_ISSUES, {"r": room}, owner.token))["room"]["issues"]
    return next(issue for issue in issues if issue["id"] == issue_id)


async def rename_in_jira(stack: Stack, key: str, summary: str) -> None:
    await stack.sandbox.admin("PATCH", f"/sites/{SITE}/issues/{key}", json={"summary": summary})
