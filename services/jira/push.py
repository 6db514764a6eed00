"""Pushing a room issue's final estimate to its Jira issue, once per estimate: story points
here, time tracking's original estimate or a select field's option in
services/jira/estimate_targets.py (RoomJiraMapping.estimate_target).

Flow: `request_push` marks the link PENDING and schedules the push job (ids only);
`run_push` (the job) claims the link with a conditional UPDATE, converts the estimate, writes
it (issue PUT, or the board estimation endpoint when the field is not on the edit screen),
comments when the mapping asks for it, reads the value back and records the outcome.

Idempotency: only one run holds the claim (a crashed run's claim goes stale after the job
timeout, when arq runs the job again); a value Jira already holds is not written again; the
estimate whose comment was posted is stored right after posting, and a run that died between
Jira's 201 and that record is covered by looking first: when our newest comment on the issue
(author = the connection's account) already has this text, it is not posted again.
Cards without a value ("?", "☕") end NOT_PUSHED with the reason in push_error; a card
with a value pushes that value (a T-shirt deck's "M" may push 3).
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.expressions import Q

from core.errors import ErrorCode, ServiceError, TryLater
from core.jobs import MAX_TRIES
from core.settings import Settings
from jira_cloud import errors as jira
from jira_cloud.adf import adf_to_text, text_to_adf
from jira_cloud.client import JiraClient
from models.jira import (
    EstimatePushStatus,
    EstimateTarget,
    JiraConnection,
    JiraIssueLink,
    RoomJiraMapping,
)
from models.rooms import Issue, Room, Vote
from models.users import User
from services.jira import estimate_targets as targets
from services.jira.browse import estimation_field
from services.jira.clients import client_for
from services.jira.errors import service_error_for
from services.jira.estimate_targets import PushFailed, estimate_value
from services.rooms.cards import cards_of
from services.rooms.events import RoomEventKind, publish_room_event
from services.rooms.rooms import require_issue_member
from services.runtime import Runtime

log = logging.getLogger(__name__)

MAX_BACKOFF_S = 60.0


def comment_text(estimate: str, votes: list[tuple[str, str]], what: str | None = None) -> str:
    """`what` is what Jira got when it is not story points ("5h original estimate")."""
    text = f"Estimated at {what or f'{estimate} points'} via AgileKit"
    if votes:
        text += "\nVotes: " + ", ".join(f"{name} {value}" for name, value in votes)
    return text


def claim_stale_after(settings: Settings) -> timedelta:
    """A claim older than the job timeout is a dead run's: arq cancels a run at the timeout,
    and re-runs a killed worker's job only after it (+10 s, its in-progress marker)."""
    return timedelta(seconds=settings.job_timeout_s)


def backoff_seconds(job_try: int, retry_after: float | None) -> float:
    return min(MAX_BACKOFF_S, max(retry_after or 0.0, 0.5 * 2 ** (job_try - 1)))


async def request_push(runtime: Runtime, issue: Issue, *, on_demand: bool) -> JiraIssueLink:
    """Mark the link PENDING and schedule the job. NOT_LINKED / NOT_MAPPED / INVALID_STATE."""
    link = await JiraIssueLink.get_or_none(issue_id=issue.id)
    if link is None or link.deleted_in_jira:
        raise ServiceError(ErrorCode.NOT_LINKED, "This issue is not linked to a Jira issue.")
    if not await RoomJiraMapping.exists(room_id=issue.room_id):
        raise ServiceError(ErrorCode.NOT_MAPPED, "This room is not mapped to a Jira project.")
    if issue.final_estimate is None:
        raise ServiceError(ErrorCode.INVALID_STATE, "Complete the voting first.")
    # push_claimed_at doubles as "last activity": the sweeper leaves recent pushes to their job.
    await JiraIssueLink.filter(id=link.id).update(
        push_status=EstimatePushStatus.PENDING, push_error=None, push_claimed_at=datetime.now(UTC)
    )
    link.push_status, link.push_error = EstimatePushStatus.PENDING, None
    await publish_room_event(
        runtime.bus, issue.room_id, RoomEventKind.ESTIMATE_PUSH_UPDATED, issue.id
    )
    job_id = f"push:{issue.id}:{issue.final_estimate}"
    if on_demand:  # a deliberate retry: the claim and read-back keep it from writing twice
        job_id += f":{uuid.uuid4().hex[:8]}"
    assert runtime.scheduler is not None, "runtime.scheduler is not set (see wiring.py)"
    await runtime.scheduler.push_estimate(issue.id, job_id)
    return link


async def push_on_demand(runtime: Runtime, user: User, issue_id: str) -> JiraIssueLink:
    """pushEstimateToJira: members only (RoomAccessDenied otherwise)."""
    issue = await require_issue_member(user.id, issue_id)
    return await request_push(runtime, issue, on_demand=True)


async def push_on_consensus(
    runtime: Runtime, issue: Issue, final_estimate: str, votes: list[Vote]
) -> None:
    """The issue_estimated hook: push when the room's mapping has autoPushEstimates."""
    link = await JiraIssueLink.get_or_none(issue_id=issue.id, deleted_in_jira=False)
    if link is None:
        return
    if await RoomJiraMapping.exists(room_id=issue.room_id, auto_push_estimates=True):
        await request_push(runtime, issue, on_demand=False)


async def run_push(runtime: Runtime, issue_id: int, job_try: int = 1) -> str:
    """The job body. Returns what happened; raises TryLater for transient Jira failures."""
    link = await JiraIssueLink.get_or_none(issue_id=issue_id)
    if link is None or link.push_status != EstimatePushStatus.PENDING:
        return "nothing to do"
    claim = uuid.uuid4().hex
    if not await _claim(link.id, claim, claim_stale_after(runtime.settings)):
        return "claimed by another run"
    issue = await Issue.get(id=issue_id)
    try:
        estimate = await _push(runtime, link, issue)
    except PushFailed as failure:
        await _finish(runtime, link, issue, failure.status, None, failure.message)
        return failure.status.value
    except (jira.RateLimited, jira.Unavailable) as error:
        if job_try >= MAX_TRIES:
            message = f"{service_error_for(error).message} Gave up after {job_try} tries."
            await _finish(runtime, link, issue, EstimatePushStatus.FAILED, None, message)
            return "FAILED"
        await JiraIssueLink.filter(id=link.id, push_claim=claim).update(
            push_claim=None, push_claimed_at=datetime.now(UTC)
        )
        retry_after = getattr(error, "retry_after", None)
        raise TryLater(backoff_seconds(job_try, retry_after)) from None
    except Exception:  # not Jira's doing: it is not retried, so end it visibly
        message = "The push failed unexpectedly; push again, or contact support if it repeats."
        await _finish(runtime, link, issue, EstimatePushStatus.FAILED, None, message)
        raise
    await _finish(runtime, link, issue, EstimatePushStatus.PUSHED, estimate, None)
    return "PUSHED"


async def orphaned_push_issue_ids(settings: Settings, limit: int = 200) -> list[int]:
    """PENDING pushes nothing has touched for longer than a run and its longest backoff can
    take: their job was lost (Redis restarted empty, an in-process queue restarted) or their
    run died. Requested, claimed and retried pushes all stamp push_claimed_at."""
    quiet_since = datetime.now(UTC) - claim_stale_after(settings) - timedelta(seconds=MAX_BACKOFF_S)
    rows = (
        await JiraIssueLink.filter(push_status=EstimatePushStatus.PENDING, deleted_in_jira=False)
        .filter(Q(push_claimed_at__isnull=True) | Q(push_claimed_at__lt=quiet_since))
        .order_by("id")
        .limit(limit)
        .values_list("issue_id", flat=True)
    )
    return [int(row) for row in rows]


async def _claim(link_id: int, claim: str, stale_after: timedelta) -> bool:
    stale = datetime.now(UTC) - stale_after
    updated = (
        await JiraIssueLink.filter(id=link_id, push_status=EstimatePushStatus.PENDING)
        .filter(Q(push_claim__isnull=True) | Q(push_claimed_at__lt=stale))
        .update(push_claim=claim, push_claimed_at=datetime.now(UTC))
    )
    return bool(updated)


async def _push(runtime: Runtime, link: JiraIssueLink, issue: Issue) -> str:
    estimate = issue.final_estimate
    if estimate is None:
        raise PushFailed("The issue has no final estimate.", EstimatePushStatus.NOT_PUSHED)
    room = await Room.get(id=issue.room_id)
    mapping = await RoomJiraMapping.get_or_none(room_id=issue.room_id)
    target, cards = targets.target_of(mapping and mapping.estimate_target), cards_of(room.deck)
    value = None if target == EstimateTarget.SELECT_FIELD else estimate_value(estimate, cards)
    if mapping is None:
        raise PushFailed("The room is no longer mapped to a Jira project.")
    client, account_id = await _client(runtime, link, mapping)
    key, what = link.jira_issue_id, None
    try:
        if target == EstimateTarget.ORIGINAL_ESTIMATE:
            assert value is not None
            what = f"{await targets.write_original_estimate(client, key, value)} original estimate"
        elif target == EstimateTarget.SELECT_FIELD:
            field = mapping.story_points_field_id
            if field is None:
                raise PushFailed("The room's mapping names no select field: set it again.")
            label = targets.card_label(estimate, cards)
            what = await targets.write_select_option(client, key, field, label)
        else:
            assert value is not None
            field = mapping.story_points_field_id or await _detect_field(client, mapping)
            if await _read_value(client, key, field) != value:
                await _write(client, key, field, value, mapping.board_id)
        if mapping.comment_on_push and link.push_commented_estimate != estimate:
            await _comment_once(client, link, issue, account_id, what)
        if target == EstimateTarget.STORY_POINTS and await _read_value(client, key, field) != value:
            raise PushFailed(f"Jira did not keep the value {estimate} in {field}.")
    except (jira.RateLimited, jira.Unavailable):
        raise
    except (jira.Unauthorized, jira.ScopeMismatch, jira.NotFound, jira.Forbidden) as error:
        raise PushFailed(service_error_for(error).message) from None
    except jira.BadRequest as error:
        raise PushFailed(f"Jira refused the estimate {estimate}: {error.message}") from None
    return estimate


async def _client(
    runtime: Runtime, link: JiraIssueLink, mapping: RoomJiraMapping
) -> tuple[JiraClient, str | None]:
    """The client of the mapping's connection, and that connection's Atlassian account id."""
    connection_id = mapping.connection_id or link.connection_id  # type: ignore[attr-defined]
    query = JiraConnection.filter(id=connection_id).prefetch_related("user")
    connection = await query.first() if connection_id else None
    if connection is None:
        raise PushFailed("Jira is not connected for this room: reconnect Jira.")
    try:
        return await client_for(runtime, connection.user, link.cloud_id), connection.account_id
    except ServiceError as error:
        raise PushFailed(error.message) from None


async def _detect_field(client: JiraClient, mapping: RoomJiraMapping) -> str:
    try:
        choice = await estimation_field(client, mapping.project_key, mapping.board_id)
    except ServiceError as error:
        raise PushFailed(error.message) from None
    if choice.field_id is None:
        raise PushFailed(choice.hint or "No story-points field found in this Jira project.")
    return choice.field_id


async def _read_value(client: JiraClient, key: str, field: str) -> float | None:
    found = await client.get_issue(key, fields=[field], story_points_fields=[field])
    return found.story_points


async def _write(
    client: JiraClient, key: str, field: str, value: float | int, board_id: int | None
) -> None:
    try:
        await client.edit_issue(key, {field: value})
    except jira.FieldNotEditable as error:
        if board_id is None:
            raise PushFailed(
                f"The story-points field is not on this issue's edit screen in Jira "
                f"({error.message}); add it to the screen or map the room to a board."
            ) from None
        await client.set_estimation(key, board_id, value)


async def _comment_once(
    client: JiraClient,
    link: JiraIssueLink,
    issue: Issue,
    account_id: str | None,
    what: str | None = None,
) -> None:
    text = await _comment(issue, what)
    if not await _newest_of_ours_says(client, link.jira_issue_id, account_id, text):
        await client.add_comment(link.jira_issue_id, text_to_adf(text))
    await JiraIssueLink.filter(id=link.id).update(push_commented_estimate=issue.final_estimate)


async def _newest_of_ours_says(
    client: JiraClient, key: str, account_id: str | None, text: str
) -> bool:
    """Whether our newest comment on the issue has this text (a run that died after Jira's 201
    posted it). Only the newest counts: an estimate of 5, then 3, then 5 again comments thrice."""
    wanted = adf_to_text(text_to_adf(text))
    for comment in await client.recent_comments(key):
        if account_id is None or comment.author_account_id == account_id:
            return adf_to_text(comment.body) == wanted
    return False


async def _comment(issue: Issue, what: str | None = None) -> str:
    votes = await Vote.filter(issue_id=issue.id).order_by("id").prefetch_related("user")
    breakdown = [(vote.user.name or vote.user.email.split("@")[0], vote.value) for vote in votes]
    return comment_text(issue.final_estimate or "", breakdown, what)


async def _finish(
    runtime: Runtime,
    link: JiraIssueLink,
    issue: Issue,
    status: EstimatePushStatus,
    pushed: str | None,
    error: str | None,
) -> None:
    values: dict[str, Any] = {"push_status": status, "push_error": error, "push_claim": None}
    if pushed is not None:
        values["pushed_estimate"] = pushed
    await JiraIssueLink.filter(id=link.id).update(**values)
    log.info("estimate push for issue %s: %s", issue.id, status.value)
    runtime.metrics.estimate_pushes.labels(status.value).inc()
    await publish_room_event(
        runtime.bus, issue.room_id, RoomEventKind.ESTIMATE_PUSH_UPDATED, issue.id
    )
    await _follow_reestimate(runtime, issue, pushed)


async def _follow_reestimate(runtime: Runtime, issue: Issue, pushed: str | None) -> None:
    """A re-estimate during this run found the claim taken: push the newer value now."""
    current = await Issue.get_or_none(id=issue.id)
    if pushed is None or current is None or current.final_estimate in (None, pushed):
        return
    link = await JiraIssueLink.get_or_none(issue_id=issue.id)
    auto = await RoomJiraMapping.exists(room_id=issue.room_id, auto_push_estimates=True)
    if auto and link is not None and link.push_status == EstimatePushStatus.PUSHED:
        await request_push(runtime, current, on_demand=True)
