"""The Jira request budget across processes: 50 auto-import polls run by two real `agilekit
worker` processes against a sandbox that allows 10 searches a second. Without a budget (the
rates at 0) they meet 429s; with one (6/s, burst 3: at most 9 in any second, shared through
Redis) they meet none, and still all finish. Prints the figures of both runs."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import datetime

import pytest
from arq.jobs import Job

from core.jobs import ArqJobQueue, deserialize, queue_name
from core.settings import Settings
from jobs.jira.auto_import import AUTO_IMPORT_SPRINT
from models.jira import JiraConnection, RoomJiraMapping
from services.rooms.rooms import create_room
from tests.e2e.stack import delete_keys, stack_env
from tests.jira_support import (
    ACME_CLOUD_ID,
    SandboxProcess,
    connect_user,
    make_runtime,
    make_user,
    new_account,
    new_sprint_issues,
    plat_board_id,
)
from tests.support import WorkerProcess, free_port, unique_name

pytestmark = pytest.mark.usefixtures("database_url")

POLLS = 50
SEARCH = "POST /rest/api/3/search/jql"
SANDBOX_LIMIT = 10  # searches per site and second (a fixed window)
RATE, BURST = 6, 3  # the budget: any second holds at most BURST + RATE = 9 < SANDBOX_LIMIT
NO_BUDGET = {"JIRA_RATE_PER_SECOND": "0", "JIRA_SITE_RATE_PER_SECOND": "0"}
BUDGET = {"JIRA_RATE_PER_SECOND": str(RATE), "JIRA_RATE_BURST": str(BURST)}


@dataclass
class Run:
    searches: list[datetime]  # when the sandbox saw each of our searches
    statuses: list[int]
    wall: float
    polled: int  # mappings whose poll succeeded

    @property
    def limited(self) -> int:
        return self.statuses.count(429)

    def busiest_second(self) -> int:
        times = [t.timestamp() for t in self.searches]
        return max(sum(1 for t in times if start <= t < start + 1) for start in times)

    def figures(self, label: str) -> str:
        rate = len(self.searches) / self.wall
        return (
            f"{label}: {POLLS} polls in {self.wall:.1f}s, {len(self.searches)} searches "
            f"({rate:.1f}/s, busiest second {self.busiest_second()}), {self.limited} x 429, "
            f"{self.polled} polls succeeded"
        )


@pytest.fixture(scope="module")
def prefix(redis_prefix: str) -> Iterator[str]:
    name = f"{redis_prefix}:{unique_name('budget')}"
    yield name
    delete_keys(name)


@pytest.fixture(scope="module")
async def mappings(jira_sandbox: SandboxProcess) -> AsyncIterator[list[int]]:
    """POLLS rooms of one owner, each mapped with auto-import to one new 3-issue sprint."""
    runtime = await make_runtime(jira_sandbox)
    try:
        owner = await make_user()
        await connect_user(runtime, owner, await new_account(jira_sandbox))
    finally:
        assert runtime.jira_http is not None
        await runtime.jira_http.aclose()
    connection = await JiraConnection.get(user_id=owner.id)
    sprint, _ = await new_sprint_issues(jira_sandbox, 3)
    board = await plat_board_id(jira_sandbox)
    ids = []
    for index in range(POLLS):
        room = await create_room(owner, f"Budget {index}")
        mapping = await RoomJiraMapping.create(
            room=room, connection=connection, cloud_id=ACME_CLOUD_ID, project_key="PLAT",
            board_id=board, sprint_id=sprint, auto_import=True,
        )  # fmt: skip
        ids.append(mapping.id)
    yield ids
    await jira_sandbox.admin("POST", "/rate-limits", json={})


async def run_polls(env: dict[str, str], sandbox: SandboxProcess, mapping_ids: list[int]) -> Run:
    """Start two workers with `env`, queue one poll per mapping at once, wait for all."""
    await RoomJiraMapping.filter(id__in=mapping_ids).update(
        auto_imported_at=None, auto_import_error=None
    )
    workers = [WorkerProcess(env=env), WorkerProcess(env=env)]
    for worker in workers:
        worker.start()
    settings = Settings(**{key.lower(): value for key, value in env.items()})
    queue = ArqJobQueue.from_settings(settings)
    seq = (await sandbox.admin("GET", "/requests", params={"path": "-none-"}))["lastSeq"]
    try:
        started = time.monotonic()
        job_ids = [uuid.uuid4().hex for _ in mapping_ids]
        for mapping_id, job_id in zip(mapping_ids, job_ids, strict=True):
            assert await queue.enqueue(AUTO_IMPORT_SPRINT, mapping_id, job_id=job_id)
        jobs = [
            Job(f"{settings.redis_prefix}:{job_id}", queue.redis, _queue_name=queue_name(settings),
                _deserializer=deserialize)
            for job_id in job_ids
        ]  # fmt: skip
        await asyncio.gather(*(job.result(timeout=60, poll_delay=0.1) for job in jobs))
        wall = time.monotonic() - started
    finally:
        await queue.close()
        for worker in workers:
            worker.stop()
    # A refused request's body is never read (the sandbox answers 429 first): count every
    # search on the site since the polls began (no other test runs meanwhile).
    path = f"/ex/jira/{ACME_CLOUD_ID}/rest/api/3/search/jql"
    ours = (await sandbox.admin("GET", "/requests", params={"since": seq, "path": path}))[
        "requests"
    ]
    polled = await RoomJiraMapping.filter(
        id__in=mapping_ids, auto_imported_at__not_isnull=True, auto_import_error__isnull=True
    ).count()
    return Run(
        [datetime.fromisoformat(r["at"]) for r in ours if r["status"] != 429],
        [int(r["status"]) for r in ours],
        wall,
        polled,
    )


async def test_a_shared_budget_keeps_fifty_polls_under_the_limit(
    server_env: dict[str, str],
    prefix: str,
    jira_sandbox: SandboxProcess,
    mappings: list[int],
) -> None:
    ids = mappings
    limits = {"endpoints": {SEARCH: {"limit": SANDBOX_LIMIT, "windowSeconds": 1}}}
    await jira_sandbox.admin("POST", "/rate-limits", json=limits)
    env = stack_env(server_env, prefix, free_port(), jira_sandbox.url)

    before = await run_polls({**env, **NO_BUDGET}, jira_sandbox, ids)
    after = await run_polls({**env, **BUDGET}, jira_sandbox, ids)
    figures = f"{before.figures('no budget')}\n{after.figures('budget 6/s, burst 3')}"
    print(f"\n{figures}")

    assert before.limited > 0, figures  # the sandbox's limit bites without a budget
    assert after.limited == 0, figures
    assert after.polled == POLLS, figures
    assert after.busiest_second() <= BURST + RATE, figures
    assert len(after.searches) / after.wall <= RATE + BURST / after.wall + 0.5, figures
