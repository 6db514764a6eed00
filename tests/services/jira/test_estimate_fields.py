"""The candidate fields of a project's edit screens (per issue type, bounded requests) and the
checks setting a mapping makes for its estimate target, against the package's sandbox."""

from __future__ import annotations

import pytest

from core.errors import ErrorCode, ServiceError
from jira_cloud.estimates import KIND_NUMBER, KIND_SELECT, KIND_TIME_TRACKING
from models.jira import EstimateTarget, RoomJiraMapping
from models.users import User
from services.jira.clients import client_for
from services.jira.estimate_fields import SAMPLE_ISSUES, estimate_candidates
from services.jira.mapping import MappingInput, set_mapping
from services.rooms.rooms import create_room
from services.runtime import Runtime
from tests.jira_support import Sandbox, connect_user, make_user, new_account

pytestmark = pytest.mark.usefixtures("database_url")
ACME = "8f3c2a10-5d1e-4c7b-9a42-3e1f0b6d7c01"
TSHIRT = "customfield_10040"
SIZES = ["XS", "S", "M", "L", "XL"]


@pytest.fixture(scope="module")
async def owner(runtime: Runtime, jira_sandbox: Sandbox) -> User:
    user = await make_user()
    account = await new_account(jira_sandbox, [ACME])
    await connect_user(runtime, user, account, site=ACME, sandbox=jira_sandbox)
    return user


async def refused(
    runtime: Runtime, user: User, room_id: str, given: MappingInput
) -> tuple[str | None, str]:
    with pytest.raises(ServiceError) as error:
        await set_mapping(runtime, user, room_id, given)
    assert error.value.code == ErrorCode.VALIDATION
    return error.value.field, error.value.message


async def test_candidates_per_issue_type_in_one_request_per_type(
    runtime: Runtime, owner: User, jira_sandbox: Sandbox
) -> None:
    client = await client_for(runtime, owner, ACME)
    before = (await jira_sandbox.admin("GET", "/requests", params={"path": "-"}))["lastSeq"]
    found = {c.field_id: c for c in await estimate_candidates(client, "PLAT")}
    since = await jira_sandbox.admin("GET", "/requests", params={"since": before})
    paths = [r["path"] for r in since["requests"]]
    editmetas = [p for p in paths if p.endswith("/editmeta")]
    searches = [p for p in paths if p.endswith("/search/jql")]
    sampled = {t for c in found.values() for t in c.issue_types}
    assert len(paths) == len(searches) + len(editmetas)
    assert len(editmetas) >= len(sampled) and len(searches) <= len(editmetas) + 1
    types = set(found["timetracking"].issue_types)
    assert {"Story", "Bug", "Task"} <= types <= sampled

    select = found[TSHIRT]
    assert (select.kind, select.name, list(select.options)) == (KIND_SELECT, "T-shirt size", SIZES)
    assert set(select.issue_types) == types  # on every PLAT screen
    assert found["timetracking"].kind == KIND_TIME_TRACKING
    points = found["customfield_10026"]  # not on the Bug screen of PLAT
    assert points.kind == KIND_NUMBER and "Bug" not in points.issue_types
    assert "Story" in points.issue_types
    assert "summary" not in found and "timeoriginalestimate" not in found

    app = {c.field_id: c for c in await estimate_candidates(client, "APP")}
    assert TSHIRT not in app
    assert "Story" in app["timetracking"].issue_types
    assert set(app["timetracking"].issue_types) <= {"Story", "Task"}  # not Bugs


async def test_select_field_mapping_needs_a_select_field_and_a_deck_naming_its_options(
    runtime: Runtime, owner: User
) -> None:
    numbers = await create_room(owner, "numbers")
    sizes = await create_room(owner, "sizes", deck=[*SIZES, "?"])
    target = EstimateTarget.SELECT_FIELD
    field, message = await refused(
        runtime, owner, str(sizes.id), MappingInput("PLAT", estimate_target=target)
    )
    assert field == "input.storyPointsFieldId" and "single-select field" in message
    points = MappingInput("PLAT", estimate_target=target, story_points_field_id="customfield_10026")
    field, message = await refused(runtime, owner, str(sizes.id), points)
    assert message == "Story Points (customfield_10026) is not a single-select field."
    unknown = MappingInput("PLAT", estimate_target=target, story_points_field_id="customfield_1")
    assert (await refused(runtime, owner, str(sizes.id), unknown))[1].startswith("No field")
    tshirt = MappingInput("PLAT", estimate_target=target, story_points_field_id=TSHIRT)
    field, message = await refused(runtime, owner, str(numbers.id), tshirt)
    assert (field, message) == (
        "input.estimateTarget",
        "No card of the room's deck is named like an option of T-shirt size "
        "(its options are XS, S, M, L, XL).",
    )
    off_screen = MappingInput("APP", estimate_target=target, story_points_field_id=TSHIRT)
    field, message = await refused(runtime, owner, str(sizes.id), off_screen)
    assert field == "input.storyPointsFieldId" and "not on the edit screen" in message
    assert not await RoomJiraMapping.filter(room_id__in=[numbers.id, sizes.id]).exists()

    mapping = await set_mapping(runtime, owner, str(sizes.id), tshirt)
    assert (mapping.estimate_target, mapping.story_points_field_id) == (target, TSHIRT)
    assert mapping.story_points_field_source == "GIVEN"
    # Saving again without a target keeps it.
    again = await set_mapping(
        runtime, owner, str(sizes.id), MappingInput("PLAT", comment_on_push=True)
    )
    assert (again.estimate_target, again.story_points_field_id) == (target, TSHIRT)


async def test_original_estimate_mapping_needs_valued_cards_and_time_tracking(
    runtime: Runtime, owner: User, jira_sandbox: Sandbox
) -> None:
    hours = await create_room(owner, "hours")
    sizes = await create_room(owner, "sizes", deck=SIZES)
    target = EstimateTarget.ORIGINAL_ESTIMATE
    given = MappingInput("PLAT", estimate_target=target)
    field, message = await refused(runtime, owner, str(sizes.id), given)
    assert field == "input.estimateTarget" and message.startswith("None of the room's cards")
    other = MappingInput("PLAT", estimate_target=target, story_points_field_id="customfield_10026")
    assert (await refused(runtime, owner, str(hours.id), other))[0] == "input.storyPointsFieldId"
    switches = f"/sites/{ACME}/switches"
    await jira_sandbox.admin("POST", switches, json={"timeTracking": False})
    try:
        field, message = await refused(runtime, owner, str(hours.id), given)
    finally:
        await jira_sandbox.admin("POST", switches, json={"timeTracking": True})
    assert field == "input.estimateTarget"
    assert message == (
        "Time tracking is not on any edit screen of PLAT. Turn on time tracking in Jira "
        "(Settings → Issues → Time tracking) and add Time tracking to the project's edit screen."
    )
    assert not await RoomJiraMapping.filter(room_id__in=[hours.id, sizes.id]).exists()

    mapping = await set_mapping(runtime, owner, str(hours.id), given)
    assert (mapping.estimate_target, mapping.story_points_field_id) == (target, None)
    # Back to story points: the field is detected again.
    back = MappingInput("PLAT", estimate_target=EstimateTarget.STORY_POINTS)
    mapping = await set_mapping(runtime, owner, str(hours.id), back)
    assert mapping.estimate_target == EstimateTarget.STORY_POINTS
    assert mapping.story_points_field_id is not None


async def test_types_older_than_the_newest_issues_are_still_found(
    sandbox_runtime: Runtime, sandbox: Sandbox
) -> None:
    """A project whose newest SAMPLE_ISSUES issues are all Stories: a second search, without
    Story, finds its Tasks and Bugs (on a sandbox of the module's own: 120 new issues)."""
    user = await make_user()
    account = await new_account(sandbox, [ACME])
    await connect_user(sandbox_runtime, user, account, site=ACME, sandbox=sandbox)
    body = {"projectKey": "APP", "count": SAMPLE_ISSUES + 20, "issueType": "Story"}
    await sandbox.admin("POST", f"/sites/{ACME}/issues/bulk", json=body)
    client = await client_for(sandbox_runtime, user, ACME)
    before = (await sandbox.admin("GET", "/requests", params={"path": "-"}))["lastSeq"]
    found = {c.field_id: c for c in await estimate_candidates(client, "APP")}
    since = await sandbox.admin("GET", "/requests", params={"since": before})
    paths = [r["path"] for r in since["requests"]]
    assert set(found["timetracking"].issue_types) == {"Story", "Task"}
    sampled = {t for c in found.values() for t in c.issue_types}
    assert "Bug" in sampled
    searches = [p for p in paths if p.endswith("/search/jql")]
    assert 2 <= len(searches) <= 3  # the newest 100, then without Story (then without more)
    assert len([p for p in paths if p.endswith("/editmeta")]) == len(sampled)
