"""Auto-import's poll and routing against a private in-process sandbox (its clock is moved here)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from models.jira import JiraIssueLink, RoomJiraMapping
from models.rooms import Issue
from models.users import Plan, User
from services.jira import auto_import
from services.jira.auto_import import (
    _poll_jql,
    due_mapping_ids,
    poll_mapping,
    routed_mappings,
    sprint_ids_in,
)
from services.jira.mapping import MappingInput, set_mapping
from services.jira.webhooks.payloads import JiraEvent
from services.rooms.rooms import create_room
from services.runtime import Runtime
from tests.jira_support import (
    ACME_CLOUD_ID,
    Sandbox,
    connect_user,
    make_user,
    new_account,
    new_sprint_issues,
    plat_board_id,
)

pytestmark = pytest.mark.usefixtures("database_url")
ACME = ACME_CLOUD_ID
SEARCH = "/rest/api/3/search/jql"


@pytest.fixture(scope="module")
def runtime(sandbox_runtime: Runtime) -> Runtime:
    """On the module's own sandbox (`sandbox`): its clock is moved here."""
    return sandbox_runtime


async def mapped_room(
    runtime: Runtime, sandbox: Sandbox, issues: int
) -> tuple[User, RoomJiraMapping, list[str]]:
    user = await make_user()
    account = await new_account(sandbox, [ACME])
    await connect_user(runtime, user, account, site=ACME, sandbox=sandbox)
    sprint_id, keys = await new_sprint_issues(sandbox, issues)
    room = await create_room(user, "Auto")
    board = await plat_board_id(sandbox)
    given = MappingInput("PLAT", board_id=board, sprint_id=sprint_id, auto_import=True)
    mapping = await set_mapping(runtime, user, str(room.id), given)
    return user, mapping, keys


async def room_keys(mapping: RoomJiraMapping) -> list[str]:
    links = await JiraIssueLink.filter(issue__room_id=mapping.room_id).order_by("issue__position")  # type: ignore[attr-defined]
    return [link.key for link in links]


async def searches(sandbox: Sandbox) -> list[dict[str, Any]]:
    return (await sandbox.admin("GET", "/requests", params={"path": SEARCH}))["requests"]


async def test_first_poll_takes_the_whole_sprint_then_only_recent_changes(
    runtime: Runtime, sandbox: Sandbox
) -> None:
    _, mapping, keys = await mapped_room(runtime, sandbox, 3)
    assert mapping.id in await due_mapping_ids()

    first = await poll_mapping(runtime, mapping.id)
    assert (first.created, first.updated) == (3, 0)
    assert await room_keys(mapping) == keys
    await mapping.refresh_from_db()
    assert mapping.auto_imported_at is not None and mapping.auto_import_sprint_id
    assert mapping.id not in await due_mapping_ids()  # polled just now
    assert (await poll_mapping(runtime, mapping.id)).created == 0

    # Twenty minutes pass at Jira; one issue joins the sprint without a webhook reaching us.
    await sandbox.admin("POST", "/clock", json={"advanceSeconds": 1200})
    try:
        body = {"projectKey": "PLAT", "summary": "Missed", "sprintId": mapping.sprint_id}
        missed = await sandbox.admin("POST", f"/sites/{ACME}/issues", json=body)
        later = datetime.now(UTC) + timedelta(minutes=6)
        await sandbox.admin("DELETE", "/requests")
        again = await poll_mapping(runtime, mapping.id, now=later)
    finally:
        await sandbox.admin("POST", "/clock", json={"reset": True})
    assert (again.created, again.updated) == (1, 0)  # the three older ones are outside the window
    assert await room_keys(mapping) == [*keys, missed["key"]]
    # One search for the window, one id-only listing of the sprint (links still in it?).
    window, in_sprint = await searches(sandbox)
    assert window["method"] == in_sprint["method"] == "POST"


async def test_poll_jql_windows() -> None:
    now = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    mapping = RoomJiraMapping(sprint_id=7, auto_import=True)
    assert _poll_jql(mapping, now) == "sprint = 7 ORDER BY rank"
    mapping.auto_import_sprint_id, mapping.auto_imported_at = 7, now - timedelta(minutes=2)
    assert _poll_jql(mapping, now) is None  # not due yet
    mapping.auto_imported_at = now - timedelta(minutes=5, seconds=1)
    assert _poll_jql(mapping, now) == 'sprint = 7 AND updated >= "-8m" ORDER BY rank'
    mapping.sprint_id = 8  # the room moved to another sprint: take all of it
    assert _poll_jql(mapping, now) == "sprint = 8 ORDER BY rank"


async def test_owner_no_longer_premium_is_skipped(runtime: Runtime, sandbox: Sandbox) -> None:
    user, mapping, _ = await mapped_room(runtime, sandbox, 1)
    await User.filter(id=user.id).update(plan=Plan.FREE)
    await sandbox.admin("DELETE", "/requests")
    result = await poll_mapping(runtime, mapping.id)
    assert (result.created, await searches(sandbox)) == (0, [])
    assert await Issue.filter(room_id=mapping.room_id).count() == 0  # type: ignore[attr-defined]


async def test_jira_failure_is_recorded_and_cleared(runtime: Runtime, sandbox: Sandbox) -> None:
    _, mapping, keys = await mapped_room(runtime, sandbox, 2)
    rule = {"kind": "error", "path_contains": SEARCH, "status": 403, "remaining": 1}
    await sandbox.admin("POST", "/faults", json=rule)
    assert (await poll_mapping(runtime, mapping.id)).created == 0
    await mapping.refresh_from_db()
    assert mapping.auto_import_error and "Jira" in mapping.auto_import_error
    assert mapping.auto_imported_at is None  # the next poll starts over
    assert (await poll_mapping(runtime, mapping.id)).created == 2
    await mapping.refresh_from_db()
    assert mapping.auto_import_error is None and await room_keys(mapping) == keys


def sprint_field(*sprints: tuple[int, str]) -> list[dict[str, Any]]:
    """The Sprint custom field as Jira Cloud sends it: boardId, no self."""
    return [{"id": i, "name": f"S{i}", "state": state, "boardId": 1} for i, state in sprints]


def test_sprint_ids_from_fields_and_changelog() -> None:
    payload = {
        "issue": {"fields": {"customfield_10020": sprint_field((3, "closed"), (4, "active"))}},
        "changelog": {"items": [{"field": "Sprint", "from": "3", "to": "4, 5"}]},
    }
    assert sprint_ids_in(payload) == {4, 5}  # a closed sprint the issue left is not entered
    assert sprint_ids_in({"issue": {"fields": {"labels": ["x"]}}}) == set()
    lookalike = [{"id": 4, "value": "not a sprint"}]  # e.g. a multi-select option
    assert sprint_ids_in({"issue": {"fields": {"customfield_1": lookalike}}}) == set()


async def test_routing_uses_site_and_matched_webhook_ids(
    runtime: Runtime, sandbox: Sandbox
) -> None:
    _, mapping, _ = await mapped_room(runtime, sandbox, 1)
    assert mapping.sprint_id is not None and mapping.webhook_ids
    sprint, webhook = mapping.sprint_id, mapping.webhook_ids[0]

    def event(cloud_ids: list[str], matched: list[int]) -> JiraEvent:
        payload = {"matchedWebhookIds": matched}
        return JiraEvent("jira:issue_created", "https://x", cloud_ids, payload)

    assert mapping.id in [m.id for m in await routed_mappings(event([ACME], [webhook]), [sprint])]
    assert await routed_mappings(event([ACME], [webhook + 10_000]), [sprint]) == []
    assert await routed_mappings(event(["other-site"], [webhook]), [sprint]) == []
    assert await routed_mappings(event([ACME], [webhook]), [sprint + 1]) == []


async def test_a_sprint_beyond_the_page_limit_is_imported_in_part_and_says_so(
    runtime: Runtime, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(auto_import, "PAGE_SIZE", 2)
    monkeypatch.setattr(auto_import, "MAX_PAGES", 1)
    _, mapping, keys = await mapped_room(runtime, sandbox, 3)
    result = await poll_mapping(runtime, mapping.id)
    assert (result.created, result.complete) == (2, False)
    await mapping.refresh_from_db()
    assert mapping.auto_import_error == "Only the first 2 matching issues were imported."
    assert await room_keys(mapping) == keys[:2]
