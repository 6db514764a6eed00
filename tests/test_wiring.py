"""wiring.py: the paths between domains it connects, followed through the real services.

The consensus -> push path without a browser, a server or Jira: voting completes on a linked
issue of a room whose mapping pushes automatically, and the push job is queued (once per
estimate) with the link PENDING; without autoPushEstimates nothing is queued.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from arq.worker import func

from core.jobs import InProcessJobQueue
from core.settings import Settings
from jobs.jira.push import PUSH_ESTIMATE
from models.jira import EstimatePushStatus, JiraIssueLink, RoomJiraMapping
from models.rooms import Issue
from models.users import User
from services.jira import auto_import, push, sprint_moves
from services.jira.webhooks import registrations
from services.rooms import rooms, voting
from services.runtime import Runtime
from wiring import build_runtime

QUEUED: list[int] = []


async def record_push(ctx: dict[str, Any], issue_id: int) -> None:
    QUEUED.append(issue_id)


def test_every_cross_domain_path_is_connected_once() -> None:
    hooks = build_runtime(Settings(agilekit_env="development")).hooks
    assert hooks.issue_estimated == [push.push_on_consensus]
    assert hooks.jira_issue_entered == [
        auto_import.import_entered_issue,
        sprint_moves.apply_sprint_move,
    ]
    assert hooks.before_jira_disconnect == [registrations.delete_connection_webhooks]


def test_two_runtimes_share_no_hooks() -> None:
    first, second = (build_runtime(Settings(agilekit_env="development")) for _ in range(2))
    first.hooks.issue_estimated.clear()
    assert second.hooks.issue_estimated == [push.push_on_consensus]


@pytest.fixture
async def runtime(database_url: str) -> AsyncIterator[Runtime]:
    runtime = build_runtime(Settings(agilekit_env="development"))
    queue = InProcessJobQueue([func(record_push, name=PUSH_ESTIMATE)], ctx={"runtime": runtime})
    queue.start()
    runtime.jobs = queue
    QUEUED.clear()
    yield runtime
    await queue.close()
    assert runtime.jira_http is not None
    await runtime.jira_http.aclose()


async def linked_issue(auto_push: bool) -> tuple[User, Issue]:
    owner = await User.create(subject=f"wiring|{uuid.uuid4()}", email="owner@example.com")
    room = await rooms.create_room(owner, "Wired", ["1", "2", "3"])
    issue = await rooms.add_issue(owner, str(room.id), "Story", None, None)
    await RoomJiraMapping.create(
        room_id=room.id, cloud_id="cloud", project_key="PLAT", auto_push_estimates=auto_push
    )
    await JiraIssueLink.create(
        issue_id=issue.id,
        cloud_id="cloud",
        jira_issue_id="10001",
        key="PLAT-1",
        url="https://acme.atlassian.net/browse/PLAT-1",
        last_synced_at=datetime.now(UTC),
    )
    return owner, issue


async def estimate(runtime: Runtime, owner: User, issue: Issue, card: str) -> None:
    await voting.start_voting(runtime, owner, issue.id)
    await voting.cast_vote(runtime, owner, issue.id, card)
    await voting.reveal_votes(runtime, owner, issue.id)
    await voting.complete_issue_voting(runtime, owner, issue.id, card)


async def test_consensus_queues_the_push_once_per_estimate(runtime: Runtime) -> None:
    owner, issue = await linked_issue(auto_push=True)
    await estimate(runtime, owner, issue, "3")
    await estimate(runtime, owner, issue, "3")  # the same estimate again: the same job id
    assert runtime.jobs is not None
    await runtime.jobs.join()  # type: ignore[attr-defined]
    assert QUEUED == [issue.id]
    link = await JiraIssueLink.get(issue_id=issue.id)
    assert link.push_status == EstimatePushStatus.PENDING


async def test_without_auto_push_consensus_queues_nothing(runtime: Runtime) -> None:
    owner, issue = await linked_issue(auto_push=False)
    await estimate(runtime, owner, issue, "2")
    assert runtime.jobs is not None
    await runtime.jobs.join()  # type: ignore[attr-defined]
    assert QUEUED == []
    link = await JiraIssueLink.get(issue_id=issue.id)
    assert link.push_status == EstimatePushStatus.NOT_PUSHED
