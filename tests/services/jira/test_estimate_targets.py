"""Pushing to the other estimate targets against a sandbox of the module's own (its site switch
for time tracking is flipped here): time tracking's original estimate and a single-select
field, each read back from Jira, their typed failures, and retries that write nothing twice."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from jira_cloud.adf import adf_to_text
from jira_cloud.estimates import duration_seconds, hours_duration, option_named
from jira_cloud.types import FieldOption
from models.jira import (
    EstimatePushStatus,
    EstimateTarget,
    JiraConnection,
    JiraIssueLink,
    RoomJiraMapping,
)
from models.rooms import Issue, IssueStatus, Room, RoomMember
from models.users import User
from services.jira import push as jira_push
from services.jira.clients import client_for
from services.rooms.cards import Card, stored_cards
from services.runtime import Runtime
from tests.jira_support import Linked, Sandbox, connect_user, link_issue, make_user, new_account

pytestmark = pytest.mark.usefixtures("database_url")
ACME = "8f3c2a10-5d1e-4c7b-9a42-3e1f0b6d7c01"
TSHIRT = "customfield_10040"  # Acme's "T-shirt size", on every PLAT screen
TSHIRT_OPTIONS = {"XS": "10100", "S": "10101", "M": "10102", "L": "10103", "XL": "10104"}
HOURS_DECK = [Card("0.5", 0.5), Card("1", 1.0), Card("2", 2.0), Card("4", 4.0), Card("?", None)]
TSHIRT_DECK = [Card(label, None) for label in TSHIRT_OPTIONS] + [Card("XXL", None)]


@pytest.fixture(scope="module")
def runtime(sandbox_runtime: Runtime) -> Runtime:
    """On the module's own sandbox (`sandbox`): its time-tracking switch is flipped here."""
    return sandbox_runtime


@pytest.fixture(scope="module")
async def connected(runtime: Runtime, sandbox: Sandbox) -> User:
    user = await make_user()
    account = await new_account(sandbox, [ACME])
    await connect_user(runtime, user, account, site=ACME, sandbox=sandbox)
    return user


@pytest.fixture
async def time_tracking_off(sandbox: Sandbox) -> AsyncIterator[None]:
    path = f"/sites/{ACME}/switches"
    switched = await sandbox.admin("POST", path, json={"timeTracking": False})
    assert switched["timeTracking"] is False
    yield
    await sandbox.admin("POST", path, json={"timeTracking": True})


async def linked(
    sandbox: Sandbox,
    user: User,
    estimate: str,
    deck: list[Card],
    target: EstimateTarget,
    *,
    project: str = "PLAT",
    issue_type: str = "Story",
    field: str | None = None,
    comment: bool = True,
) -> Linked:
    body = {"projectKey": project, "summary": f"target {uuid.uuid4().hex[:6]}"}
    created = await sandbox.admin(
        "POST", f"/sites/{ACME}/issues", json=body | {"issueType": issue_type}
    )
    connection = await JiraConnection.get(user_id=user.id)
    room = await Room.create(name="targets", deck=stored_cards(deck), owner=user)
    await RoomMember.create(room=room, user=user)
    issue = await Issue.create(
        room=room, position=0, title="t", status=IssueStatus.ESTIMATED, final_estimate=estimate
    )
    await RoomJiraMapping.create(
        room=room,
        connection=connection,
        cloud_id=ACME,
        project_key=project,
        estimate_target=target,
        story_points_field_id=field,
        comment_on_push=comment,
    )
    return await link_issue(issue, connection, created)


async def jira_fields(runtime: Runtime, user: User, key: str) -> dict[str, Any]:
    client = await client_for(runtime, user, ACME)
    return (await client.get_issue(key, fields=["timetracking", TSHIRT])).fields


async def calls(sandbox: Sandbox, method: str, path: str) -> list[dict[str, Any]]:
    found = await sandbox.admin("GET", "/requests", params={"method": method, "path": path})
    return [r for r in found["requests"] if r.get("status", 200) < 300 and r["path"].endswith(path)]


async def comments(runtime: Runtime, user: User, key: str) -> list[str]:
    client = await client_for(runtime, user, ACME)
    return [adf_to_text(c.body) for c in await client.recent_comments(key)]


async def again(link: Linked) -> None:
    await JiraIssueLink.filter(id=link.link.id).update(push_status=EstimatePushStatus.PENDING)


def test_durations_and_option_names() -> None:
    assert [hours_duration(h) for h in (5, 0.5, 1.5, 0.25, 8, 0)] == [
        "5h", "30m", "90m", "15m", "8h", "0h",
    ]  # fmt: skip
    assert duration_seconds(0.5) == 1800 and duration_seconds(1 / 3) == 1200
    with pytest.raises(ValueError):
        hours_duration(-1)
    options = [FieldOption("1", "XS"), FieldOption("2", " Medium ")]
    assert option_named(options, " xs") == options[0]
    assert option_named(options, "MEDIUM") == options[1]
    assert option_named(options, "XXL") is None


async def test_original_estimate_is_written_as_hours_and_a_retry_writes_nothing(
    runtime: Runtime, connected: User, sandbox: Sandbox
) -> None:
    target = EstimateTarget.ORIGINAL_ESTIMATE
    half = await linked(sandbox, connected, "0.5", HOURS_DECK, target)
    assert await jira_push.run_push(runtime, half.issue.id) == "PUSHED"
    tracking = (await jira_fields(runtime, connected, half.key))["timetracking"]
    assert tracking["originalEstimateSeconds"] == 1800
    assert tracking["originalEstimate"] == "30m"
    [put] = await calls(sandbox, "PUT", f"/issue/{half.jira_id}")
    await again(half)
    assert await jira_push.run_push(runtime, half.issue.id) == "PUSHED"
    assert len(await calls(sandbox, "PUT", f"/issue/{half.jira_id}")) == 1
    assert len(await calls(sandbox, "POST", f"/issue/{half.jira_id}/comment")) == 1
    assert await comments(runtime, connected, half.key) == [
        "Estimated at 30m original estimate via AgileKit"
    ]
    four = await linked(sandbox, connected, "4", HOURS_DECK, target, comment=False)
    assert await jira_push.run_push(runtime, four.issue.id) == "PUSHED"
    seconds = (await jira_fields(runtime, connected, four.key))["timetracking"]
    assert seconds["originalEstimateSeconds"] == 4 * 3600
    link = await JiraIssueLink.get(id=four.link.id)
    assert (link.push_status, link.pushed_estimate, link.push_error) == ("PUSHED", "4", None)
    assert put["status"] == 204


async def test_original_estimate_skips_a_card_without_a_value(
    runtime: Runtime, connected: User, sandbox: Sandbox
) -> None:
    unsure = await linked(sandbox, connected, "?", HOURS_DECK, EstimateTarget.ORIGINAL_ESTIMATE)
    assert await jira_push.run_push(runtime, unsure.issue.id) == "NOT_PUSHED"
    assert await calls(sandbox, "PUT", f"/issue/{unsure.jira_id}") == []


@pytest.mark.usefixtures("time_tracking_off")
async def test_time_tracking_off_fails_saying_how_to_turn_it_on(
    runtime: Runtime, connected: User, sandbox: Sandbox
) -> None:
    two = await linked(sandbox, connected, "2", HOURS_DECK, EstimateTarget.ORIGINAL_ESTIMATE)
    assert await jira_push.run_push(runtime, two.issue.id) == "FAILED"
    link = await JiraIssueLink.get(id=two.link.id)
    assert link.push_status == EstimatePushStatus.FAILED and link.pushed_estimate is None
    assert link.push_error == (
        "Jira cannot take the original estimate 2h: time tracking is off or not on this "
        "issue's edit screen. Turn on time tracking in Jira (Settings → Issues → Time "
        "tracking) and add Time tracking to the project's edit screen."
    )
    assert await calls(sandbox, "PUT", f"/issue/{two.jira_id}") == []
    assert await calls(sandbox, "POST", f"/issue/{two.jira_id}/comment") == []


async def test_time_tracking_not_on_the_issue_types_screen_fails(
    runtime: Runtime, connected: User, sandbox: Sandbox
) -> None:
    """APP Bugs have no time tracking on their edit screen (APP Stories do)."""
    target = EstimateTarget.ORIGINAL_ESTIMATE
    bug = await linked(sandbox, connected, "1", HOURS_DECK, target, project="APP", issue_type="Bug")
    assert await jira_push.run_push(runtime, bug.issue.id) == "FAILED"
    link = await JiraIssueLink.get(id=bug.link.id)
    assert link.push_error and "Settings → Issues → Time tracking" in link.push_error
    assert (await jira_fields(runtime, connected, bug.key))["timetracking"] == {}
    story = await linked(sandbox, connected, "1", HOURS_DECK, target, project="APP")
    assert await jira_push.run_push(runtime, story.issue.id) == "PUSHED"
    tracking = (await jira_fields(runtime, connected, story.key))["timetracking"]
    assert tracking["originalEstimateSeconds"] == 3600


async def test_select_field_takes_the_option_named_like_the_card(
    runtime: Runtime, connected: User, sandbox: Sandbox
) -> None:
    target = EstimateTarget.SELECT_FIELD
    medium = await linked(sandbox, connected, "M", TSHIRT_DECK, target, field=TSHIRT)
    assert await jira_push.run_push(runtime, medium.issue.id) == "PUSHED"
    held = (await jira_fields(runtime, connected, medium.key))[TSHIRT]
    assert (held["id"], held["value"]) == (TSHIRT_OPTIONS["M"], "M")
    await again(medium)
    assert await jira_push.run_push(runtime, medium.issue.id) == "PUSHED"
    assert len(await calls(sandbox, "PUT", f"/issue/{medium.jira_id}")) == 1
    assert await comments(runtime, connected, medium.key) == [
        "Estimated at T-shirt size M via AgileKit"
    ]
    # A label in another case (a deck of lower-case sizes) still names the option.
    lower = [Card("xs", None), Card("xl", None)]
    small = await linked(sandbox, connected, "xl", lower, EstimateTarget.SELECT_FIELD, field=TSHIRT)
    assert await jira_push.run_push(runtime, small.issue.id) == "PUSHED"
    assert (await jira_fields(runtime, connected, small.key))[TSHIRT]["id"] == TSHIRT_OPTIONS["XL"]


async def test_select_field_without_a_matching_option_fails_listing_them(
    runtime: Runtime, connected: User, sandbox: Sandbox
) -> None:
    huge = await linked(
        sandbox, connected, "XXL", TSHIRT_DECK, EstimateTarget.SELECT_FIELD, field=TSHIRT
    )
    assert await jira_push.run_push(runtime, huge.issue.id) == "FAILED"
    link = await JiraIssueLink.get(id=huge.link.id)
    assert (
        link.push_error
        == "No option of T-shirt size is named 'XXL'; its options are XS, S, M, L, XL."
    )
    assert await calls(sandbox, "PUT", f"/issue/{huge.jira_id}") == []


async def test_select_field_not_on_the_screen_fails(
    runtime: Runtime, connected: User, sandbox: Sandbox
) -> None:
    """Acme's T-shirt size is on PLAT screens only."""
    target = EstimateTarget.SELECT_FIELD
    app = await linked(sandbox, connected, "S", TSHIRT_DECK, target, project="APP", field=TSHIRT)
    assert await jira_push.run_push(runtime, app.issue.id) == "FAILED"
    link = await JiraIssueLink.get(id=app.link.id)
    assert link.push_error and "not on this issue's edit screen" in link.push_error
