"""Sprint moves and truthful webhooks with real processes: uvicorn with REDIS_URL, a real
`agilekit worker` and the sandbox process (tests/e2e/stack.py). The tests share one room mapped
to a new OPS sprint with autoImport, and run in order (the last one closes the sprint)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from models.jira import JiraWebhookDelivery, RoomJiraMapping
from services.jira.auto_import import due_mapping_ids
from tests.e2e.stack import SITE, Owner, Stack, gql, owner, stack  # noqa: F401 (fixtures)
from tests.jira_support import eventually, new_sprint_issues, scrum_board_id
from tests.resolvers.room_helpers import RoomSubscriber, create_room
from tests.support import GraphQLClient

pytestmark = pytest.mark.usefixtures("database_url")

SET = """mutation($r:ID!,$i:RoomJiraMappingInput!){ setRoomJiraMapping(roomId:$r, input:$i) {
  mapping { sprintId sprintState } errors { code field message } } }"""
ROOM = """query($r:ID!){ room(id:$r) { issues { id jiraLink { key inSprint } }
  jiraMapping { sprintId sprintState autoImportError webhookStatus webhookError } } }"""


@pytest.fixture(scope="module")
async def world(gql: GraphQLClient, stack: Stack, owner: Owner) -> dict[str, Any]:  # noqa: F811
    room = await create_room(gql, owner.token, "Sprint moves")
    sprint, keys = await new_sprint_issues(stack.sandbox, 2, SITE, "OPS")
    board = await scrum_board_id(stack.sandbox, SITE, "OPS")
    given = {"cloudId": SITE, "projectKey": "OPS", "boardId": board, "sprintId": sprint}
    payload = await gql.data(SET, {"r": room, "i": {**given, "autoImport": True}}, owner.token)
    assert payload["setRoomJiraMapping"]["errors"] == []
    assert payload["setRoomJiraMapping"]["mapping"]["sprintState"] == "FUTURE"

    async def imported() -> bool:
        return len(await in_sprint(gql, owner, room)) == 2

    await eventually(imported, within=20)  # the worker's first poll takes the sprint
    mapping = await RoomJiraMapping.get(room_id=room)
    return {"room": room, "sprint": sprint, "keys": keys, "board": board, "mapping": mapping.id}


async def poll_due(stack: Stack, mapping_id: int) -> None:  # noqa: F811
    """The worker's poll of the mapping, as if its 5 minutes had passed."""
    earlier = datetime.now(UTC) - timedelta(minutes=6)
    await RoomJiraMapping.filter(id=mapping_id).update(auto_imported_at=earlier)
    await stack.run_job("auto_import_sprint", mapping_id)


async def read(gql: GraphQLClient, owner: Owner, room: str) -> dict[str, Any]:  # noqa: F811
    return (await gql.data(ROOM, {"r": room}, owner.token))["room"]


async def in_sprint(gql: GraphQLClient, owner: Owner, room: str) -> dict[str, bool]:  # noqa: F811
    issues = (await read(gql, owner, room))["issues"]
    linked = [i["jiraLink"] for i in issues if i["jiraLink"]]  # wait_ready adds a plain one
    return {link["key"]: link["inSprint"] for link in linked}


async def test_an_issue_moved_out_of_the_sprint_and_back(
    gql: GraphQLClient,  # noqa: F811
    stack: Stack,  # noqa: F811
    owner: Owner,  # noqa: F811
    world: dict[str, Any],
) -> None:
    room, (first, second) = world["room"], world["keys"]
    assert await in_sprint(gql, owner, room) == {first: True, second: True}
    issues = (await read(gql, owner, room))["issues"]
    issue_ids = {i["jiraLink"]["key"]: i["id"] for i in issues if i["jiraLink"]}
    subscriber = await RoomSubscriber(stack.server.ws_url, owner.token).connect()
    try:
        await subscriber.subscribe(room)
        await subscriber.wait_ready(gql, owner.token, room)
        # The webhook path: Jira moves it to the backlog (jira:issue_updated, Sprint changelog).
        move = f"/sites/{SITE}/issues/{first}/move"
        await stack.sandbox.admin("POST", move, json={"sprintId": None})
        assert await subscriber.read_until(issue_ids[first], within=15)
        assert await in_sprint(gql, owner, room) == {first: False, second: True}
        await stack.sandbox.admin("POST", move, json={"sprintId": world["sprint"]})
        assert await subscriber.read_until(issue_ids[first], within=15)
        assert await in_sprint(gql, owner, room) == {first: True, second: True}
    finally:
        await subscriber.close()

    # The poll path: no delivery reaches us (paused), the worker's poll sees it gone.
    await stack.sandbox.admin("POST", "/webhooks/switches", json={"paused": True})
    try:
        move = f"/sites/{SITE}/issues/{second}/move"
        await stack.sandbox.admin("POST", move, json={"sprintId": None})
        await poll_due(stack, world["mapping"])
        assert await in_sprint(gql, owner, room) == {first: True, second: False}
    finally:
        await stack.sandbox.admin("POST", "/webhooks/switches", json={"paused": False})
        await stack.sandbox.admin("POST", "/webhooks/release")


async def test_a_webhook_deleted_in_jira_is_not_shown_active_until_registered_again(
    gql: GraphQLClient,  # noqa: F811
    stack: Stack,  # noqa: F811
    owner: Owner,  # noqa: F811
    world: dict[str, Any],
) -> None:
    room = world["room"]
    mapping = await RoomJiraMapping.get(id=world["mapping"])
    (webhook_id,) = mapping.webhook_ids
    assert (await read(gql, owner, room))["jiraMapping"]["webhookStatus"] == "ACTIVE"
    await stack.sandbox.admin("DELETE", f"/webhooks/{webhook_id}", params={"cloudId": SITE})

    await stack.run_job("poll_auto_imports")  # the 5-minute cron lists the site's webhooks
    seen = (await read(gql, owner, room))["jiraMapping"]
    assert seen["webhookStatus"] == "FAILED"
    assert f"Jira no longer has webhook {webhook_id}" in seen["webhookError"]

    await stack.run_job("refresh_jira_webhooks")
    seen = (await read(gql, owner, room))["jiraMapping"]
    assert seen["webhookStatus"] == "ACTIVE" and seen["webhookError"] is None
    mapping = await RoomJiraMapping.get(id=world["mapping"])
    listed = await stack.sandbox.admin("GET", "/webhooks")
    ids = {w["id"] for w in listed.get("webhooks", listed) if isinstance(w, dict)}
    assert mapping.webhook_ids[0] != webhook_id and mapping.webhook_ids[0] in ids


async def test_a_closed_sprint_stops_auto_import_and_cannot_be_mapped(
    gql: GraphQLClient,  # noqa: F811
    stack: Stack,  # noqa: F811
    owner: Owner,  # noqa: F811
    world: dict[str, Any],
) -> None:
    room, sprint = world["room"], world["sprint"]
    await stack.sandbox.admin("PATCH", f"/sites/{SITE}/sprints/{sprint}", json={"state": "active"})
    closed = await stack.sandbox.admin(
        "PATCH", f"/sites/{SITE}/sprints/{sprint}", json={"state": "closed"}
    )
    assert closed["state"] == "closed"
    await poll_due(stack, world["mapping"])
    seen = (await read(gql, owner, room))["jiraMapping"]
    assert seen["sprintState"] == "CLOSED"
    assert seen["autoImportError"].endswith("was closed in Jira: choose another sprint.")
    assert world["mapping"] not in await due_mapping_ids()  # the cron polls it no more

    # An issue created in the closed sprint: the webhook path does what the poll does now.
    body = {"projectKey": "OPS", "summary": "Late to a closed sprint", "sprintId": sprint}
    late = await stack.sandbox.admin("POST", f"/sites/{SITE}/issues", json=body)

    async def delivered() -> bool:
        rows = await JiraWebhookDelivery.filter(event="jira:issue_created").order_by("-id")
        return any(
            r.processed_at and (r.payload.get("issue") or {}).get("key") == late["key"]
            for r in rows[:20]
        )

    await eventually(delivered, within=15)
    await poll_due(stack, world["mapping"])
    assert late["key"] not in await in_sprint(gql, owner, room)

    # Mapping a closed sprint: VALIDATION, nothing saved.
    other = await create_room(gql, owner.token, "Closed sprint")
    given = {"cloudId": SITE, "projectKey": "OPS", "boardId": world["board"], "sprintId": sprint}
    payload = (await gql.data(SET, {"r": other, "i": given}, owner.token))["setRoomJiraMapping"]
    assert payload["mapping"] is None
    assert [(e["code"], e["field"]) for e in payload["errors"]] == [
        ("VALIDATION", "input.sprintId")
    ]
    assert (await read(gql, owner, other))["jiraMapping"] is None
