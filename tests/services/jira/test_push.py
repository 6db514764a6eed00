"""The push job against the sandbox: value written, one comment, idempotent, retries, failures."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from arq.worker import func

from core.errors import TryLater
from core.jobs import InProcessJobQueue
from jobs.jira.push import push_estimate, sweep_pending_pushes
from models.jira import (
    EstimatePushStatus,
    JiraConnection,
    JiraConnectionStatus,
    JiraIssueLink,
    RoomJiraMapping,
)
from models.rooms import Issue, IssueStatus, Room, RoomMember, Vote
from models.users import User
from services.jira import push as jira_push
from services.jira.clients import client_for
from services.rooms.cards import DEFAULT_CARDS, Card
from services.runtime import Runtime
from tests.jira_support import Linked, Sandbox, connect_user, link_issue, make_user, new_account

pytestmark = pytest.mark.usefixtures("database_url")
ACME = "8f3c2a10-5d1e-4c7b-9a42-3e1f0b6d7c01"
PLAT_SP = "customfield_10026"


@pytest.fixture(scope="module")
async def connected(runtime: Runtime, jira_sandbox: Sandbox) -> User:
    user = await make_user()
    account = await new_account(jira_sandbox, [ACME])
    await connect_user(runtime, user, account, site=ACME, sandbox=jira_sandbox)
    return user


async def linked_issue(
    sandbox: Sandbox,
    user: User,
    estimate: str = "5",
    issue_type: str = "Story",
    **mapping: Any,
) -> Linked:
    """A room mapped to PLAT with one estimated issue linked to a fresh sandbox issue."""
    created = await sandbox.admin(
        "POST",
        f"/sites/{ACME}/issues",
        json={
            "projectKey": "PLAT",
            "summary": f"push {uuid.uuid4().hex[:6]}",
            "issueType": issue_type,
        },
    )
    connection = await JiraConnection.get(user_id=user.id)
    room = await Room.create(name="push", deck=["1", "2", "3", "5", "8", "?", "☕"], owner=user)
    await RoomMember.create(room=room, user=user)
    issue = await Issue.create(
        room=room, position=0, title="t", status=IssueStatus.ESTIMATED, final_estimate=estimate
    )
    await Vote.create(issue=issue, user=user, value=estimate)
    options = {"board_id": 1, "story_points_field_id": PLAT_SP, "comment_on_push": True}
    await RoomJiraMapping.create(
        room=room, connection=connection, cloud_id=ACME, project_key="PLAT", **(options | mapping)
    )
    return await link_issue(issue, connection, created)


async def jira_value(runtime: Runtime, user: User, key: str) -> float | None:
    client = await client_for(runtime, user, ACME)
    return (
        await client.get_issue(key, fields=[PLAT_SP], story_points_fields=[PLAT_SP])
    ).story_points


async def calls(sandbox: Sandbox, method: str, path: str) -> int:
    found = await sandbox.admin("GET", "/requests", params={"method": method, "path": path})
    return len([r for r in found["requests"] if r.get("status", 200) < 300])


async def test_estimate_pushed_with_one_comment_and_second_run_changes_nothing(
    runtime: Runtime, connected: User, jira_sandbox: Sandbox
) -> None:
    linked = await linked_issue(jira_sandbox, connected, "8")
    assert await jira_push.run_push(runtime, linked.issue.id) == "PUSHED"
    await JiraIssueLink.filter(id=linked.link.id).update(push_status=EstimatePushStatus.PENDING)
    assert await jira_push.run_push(runtime, linked.issue.id) == "PUSHED"
    assert await jira_push.run_push(runtime, linked.issue.id) == "nothing to do"

    link = await JiraIssueLink.get(id=linked.link.id)
    assert (link.push_status, link.pushed_estimate, link.push_error) == ("PUSHED", "8", None)
    assert await jira_value(runtime, connected, linked.key) == 8
    issue_path = f"/issue/{linked.jira_id}"
    assert await calls(jira_sandbox, "PUT", issue_path) == 1
    assert await calls(jira_sandbox, "POST", f"{issue_path}/comment") == 1


async def test_concurrent_runs_write_once(
    runtime: Runtime, connected: User, jira_sandbox: Sandbox
) -> None:
    linked = await linked_issue(jira_sandbox, connected, "3")
    results = await asyncio.gather(
        *(jira_push.run_push(runtime, linked.issue.id) for _ in range(3))
    )
    assert results.count("PUSHED") == 1
    assert await calls(jira_sandbox, "PUT", f"/issue/{linked.jira_id}") == 1
    assert await calls(jira_sandbox, "POST", f"/issue/{linked.jira_id}/comment") == 1


async def test_question_mark_is_not_pushed_and_says_why(
    runtime: Runtime, connected: User, jira_sandbox: Sandbox
) -> None:
    linked = await linked_issue(jira_sandbox, connected, "?")
    assert await jira_push.run_push(runtime, linked.issue.id) == "NOT_PUSHED"
    link = await JiraIssueLink.get(id=linked.link.id)
    assert link.push_status == EstimatePushStatus.NOT_PUSHED
    assert link.push_error == "The card '?' has no value; nothing was pushed to Jira."
    assert await calls(jira_sandbox, "PUT", f"/issue/{linked.jira_id}") == 0


async def test_field_not_on_screen_uses_board_estimation(
    runtime: Runtime, connected: User, jira_sandbox: Sandbox
) -> None:
    linked = await linked_issue(jira_sandbox, connected, "2", issue_type="Bug")
    assert await jira_push.run_push(runtime, linked.issue.id) == "PUSHED"
    assert await calls(jira_sandbox, "PUT", f"/issue/{linked.jira_id}/estimation") == 1
    assert await jira_value(runtime, connected, linked.key) == 2


async def test_field_not_on_screen_without_board_fails_with_message(
    runtime: Runtime, connected: User, jira_sandbox: Sandbox
) -> None:
    linked = await linked_issue(jira_sandbox, connected, "2", issue_type="Bug", board_id=None)
    assert await jira_push.run_push(runtime, linked.issue.id) == "FAILED"
    link = await JiraIssueLink.get(id=linked.link.id)
    assert link.push_status == EstimatePushStatus.FAILED
    assert link.push_error and "not on this issue's edit screen" in link.push_error


async def test_rate_limit_storm_retries_then_pushes(
    runtime: Runtime, connected: User, jira_sandbox: Sandbox
) -> None:
    linked = await linked_issue(jira_sandbox, connected, "5", comment_on_push=False)
    rule = {"kind": "rate_limit", "path_contains": linked.jira_id, "remaining": 6}
    await jira_sandbox.admin("POST", "/faults", json={**rule, "retry_after": 0})
    try:
        with pytest.raises(TryLater) as retry:
            await jira_push.run_push(runtime, linked.issue.id, job_try=1)
        assert retry.value.after_s > 0
        link = await JiraIssueLink.get(id=linked.link.id)
        assert (link.push_status, link.push_claim) == (EstimatePushStatus.PENDING, None)
        outcome = None
        for job_try in range(2, 6):
            try:
                outcome = await jira_push.run_push(runtime, linked.issue.id, job_try=job_try)
                break
            except TryLater:
                continue
        assert outcome == "PUSHED"
    finally:
        await jira_sandbox.admin("DELETE", "/faults")
    assert await jira_value(runtime, connected, linked.key) == 5


async def test_deleted_jira_issue_fails_with_message(
    runtime: Runtime, connected: User, jira_sandbox: Sandbox
) -> None:
    linked = await linked_issue(jira_sandbox, connected, "5")
    await jira_sandbox.admin("DELETE", f"/sites/{ACME}/issues/{linked.key}")
    assert await jira_push.run_push(runtime, linked.issue.id) == "FAILED"
    link = await JiraIssueLink.get(id=linked.link.id)
    assert link.push_error and "does not exist" in link.push_error


def test_estimate_value_and_comment_text() -> None:
    assert jira_push.estimate_value("0.5", DEFAULT_CARDS) == 0.5  # not in the deck: its number
    assert jira_push.estimate_value("13", DEFAULT_CARDS) == 13
    tshirt = [Card("S", 2.0), Card("M", 3.0), Card("XL", None)]
    assert jira_push.estimate_value("M", tshirt) == 3
    for valueless, deck in (("☕", DEFAULT_CARDS), ("XL", tshirt), ("XXL", tshirt)):
        with pytest.raises(jira_push.PushFailed) as failed:
            jira_push.estimate_value(valueless, deck)
        assert failed.value.status == EstimatePushStatus.NOT_PUSHED
        assert "has no value" in failed.value.message
    text = jira_push.comment_text("5", [("Alice", "5"), ("Bob", "8")])
    assert text == "Estimated at 5 points via AgileKit\nVotes: Alice 5, Bob 8"
    assert jira_push.backoff_seconds(1, None) == 0.5
    assert jira_push.backoff_seconds(3, 7.0) == 7.0


async def test_rerun_after_crash_between_write_and_comment_comments_once(
    runtime: Runtime, connected: User, jira_sandbox: Sandbox
) -> None:
    """A run died after Jira took the value, holding the claim: the next one (once the claim
    is stale) does not write again but still posts the one comment."""
    linked = await linked_issue(jira_sandbox, connected, "8")
    await jira_sandbox.admin("PATCH", f"/sites/{ACME}/issues/{linked.key}", json={"storyPoints": 8})
    long_ago = datetime.now(UTC) - jira_push.claim_stale_after(runtime.settings) * 2
    await JiraIssueLink.filter(id=linked.link.id).update(
        push_claim="crashed-run", push_claimed_at=long_ago
    )
    assert await jira_push.run_push(runtime, linked.issue.id) == "PUSHED"
    assert await calls(jira_sandbox, "PUT", f"/issue/{linked.jira_id}") == 0
    assert await calls(jira_sandbox, "POST", f"/issue/{linked.jira_id}/comment") == 1


async def test_fresh_claim_of_another_run_is_respected(
    runtime: Runtime, connected: User, jira_sandbox: Sandbox
) -> None:
    linked = await linked_issue(jira_sandbox, connected, "8")
    await JiraIssueLink.filter(id=linked.link.id).update(
        push_claim="running-elsewhere", push_claimed_at=datetime.now(UTC)
    )
    assert await jira_push.run_push(runtime, linked.issue.id) == "claimed by another run"
    assert await calls(jira_sandbox, "PUT", f"/issue/{linked.jira_id}") == 0


async def test_rate_limit_storm_is_waited_out_by_the_job_queue(
    runtime: Runtime, connected: User, jira_sandbox: Sandbox
) -> None:
    """The job under the arq rules (in-process queue): Retry(defer) until Jira lets us in."""
    linked = await linked_issue(jira_sandbox, connected, "3", comment_on_push=False)
    queue = InProcessJobQueue([func(push_estimate, name="push_estimate")], ctx={"runtime": runtime})
    rule = {"kind": "rate_limit", "path_contains": linked.jira_id, "remaining": 10}
    await jira_sandbox.admin("POST", "/faults", json={**rule, "retry_after": 0})
    try:
        assert await queue.enqueue("push_estimate", linked.issue.id, job_id="push:storm")
        await asyncio.wait_for(queue.join(), 30)
    finally:
        await jira_sandbox.admin("DELETE", "/faults")
        await queue.close()
    link = await JiraIssueLink.get(id=linked.link.id)
    assert (link.push_status, link.pushed_estimate) == (EstimatePushStatus.PUSHED, "3")
    throttled = await jira_sandbox.admin("GET", "/requests", params={"path": linked.jira_id})
    assert any(r.get("status") == 429 for r in throttled["requests"])


async def test_connection_needing_reauth_fails_with_message(
    runtime: Runtime, jira_sandbox: Sandbox
) -> None:
    user = await make_user()
    account = await new_account(jira_sandbox, [ACME])
    await connect_user(runtime, user, account, site=ACME, sandbox=jira_sandbox)
    linked = await linked_issue(jira_sandbox, user, "5")
    await JiraConnection.filter(user_id=user.id).update(status=JiraConnectionStatus.NEEDS_REAUTH)
    assert await jira_push.run_push(runtime, linked.issue.id) == "FAILED"
    link = await JiraIssueLink.get(id=linked.link.id)
    assert link.push_error and "reconnect" in link.push_error.lower()


async def test_sweeper_requeues_orphaned_pushes_once(
    runtime: Runtime, connected: User, jira_sandbox: Sandbox
) -> None:
    """A PENDING push whose job was lost (or whose run died) is pushed by the sweeper; one that
    a live run holds is left alone."""
    orphan = await linked_issue(jira_sandbox, connected, "5", comment_on_push=False)
    dead_run = await linked_issue(jira_sandbox, connected, "8", comment_on_push=False)
    live_run = await linked_issue(jira_sandbox, connected, "3", comment_on_push=False)
    queued = await linked_issue(jira_sandbox, connected, "2", comment_on_push=False)
    long_ago = datetime.now(UTC) - jira_push.claim_stale_after(runtime.settings) * 2
    await JiraIssueLink.filter(id=dead_run.link.id).update(
        push_claim="died", push_claimed_at=long_ago
    )
    await JiraIssueLink.filter(id=live_run.link.id).update(
        push_claim="running", push_claimed_at=datetime.now(UTC)
    )
    # Requested a moment ago (or between retries): its own job is still coming.
    await JiraIssueLink.filter(id=queued.link.id).update(push_claimed_at=datetime.now(UTC))
    queue = InProcessJobQueue([func(push_estimate, name="push_estimate")], ctx={"runtime": runtime})
    runtime.jobs = queue
    try:
        assert await sweep_pending_pushes({"runtime": runtime}) >= 2
        await asyncio.wait_for(queue.join(), 30)
    finally:
        runtime.jobs = None
        await queue.close()
    for linked, estimate in ((orphan, "5"), (dead_run, "8")):
        link = await JiraIssueLink.get(id=linked.link.id)
        assert (link.push_status, link.pushed_estimate) == (EstimatePushStatus.PUSHED, estimate)
        assert await calls(jira_sandbox, "PUT", f"/issue/{linked.jira_id}") == 1
    untouched = await JiraIssueLink.get(id=live_run.link.id)
    assert (untouched.push_status, untouched.push_claim) == (EstimatePushStatus.PENDING, "running")
    for linked in (live_run, queued):
        assert await calls(jira_sandbox, "PUT", f"/issue/{linked.jira_id}") == 0
    still_queued = await JiraIssueLink.get(id=queued.link.id)
    assert still_queued.push_status == EstimatePushStatus.PENDING


async def test_unexpected_failure_ends_failed_instead_of_pending(
    runtime: Runtime, connected: User, jira_sandbox: Sandbox
) -> None:
    """Only TryLater is retried: anything else must not leave the link PENDING for the sweeper."""
    user = await make_user()
    account = await new_account(jira_sandbox, [ACME])
    await connect_user(runtime, user, account, site=ACME, sandbox=jira_sandbox)
    linked = await linked_issue(jira_sandbox, user, "5")
    # A stored token that no key opens (a lost key, say): a failure Jira has no part in.
    await JiraConnection.filter(user_id=user.id).update(access_token_enc="v1.gone.AAAA.AAAA")
    with pytest.raises(Exception):  # noqa: B017 - whatever it is, the link must say FAILED
        await jira_push.run_push(runtime, linked.issue.id)
    link = await JiraIssueLink.get(id=linked.link.id)
    assert link.push_status == EstimatePushStatus.FAILED and link.push_claim is None
    assert link.push_error and "unexpectedly" in link.push_error
