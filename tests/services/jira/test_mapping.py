"""Room mappings and their shared Jira webhooks, against a private in-process sandbox (its
clock is moved here, so it must not be the package's shared one)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from core.errors import ErrorCode, ServiceError
from jira_cloud import webhooks_api
from models.jira import JiraConnection, JiraWebhookRegistration, RoomJiraMapping
from models.users import User
from services.jira.clients import client_for
from services.jira.connection import disconnect
from services.jira.mapping import MappingInput, remove_mapping, set_mapping
from services.jira.webhooks import reconcile as webhook_check
from services.jira.webhooks import registrations as jira_webhook_registry
from services.rooms.rooms import RoomAccessDenied, create_room, join_room
from services.runtime import Runtime
from tests.jira_support import Sandbox, connect_user, make_user, new_account

pytestmark = pytest.mark.usefixtures("database_url")
ACME = "8f3c2a10-5d1e-4c7b-9a42-3e1f0b6d7c01"
EVENTS = ["jira:issue_created", "jira:issue_updated", "jira:issue_deleted"]
DAY = 86400


@pytest.fixture(scope="module")
def runtime(sandbox_runtime: Runtime) -> Runtime:
    """On the module's own sandbox (`sandbox`): its clock is moved here."""
    return sandbox_runtime


async def connected_owner(runtime: Runtime, sandbox: Sandbox) -> tuple[User, str]:
    user = await make_user()
    account = await new_account(sandbox, [ACME])
    await connect_user(runtime, user, account, site=ACME, sandbox=sandbox)
    return user, account


async def webhooks_of(sandbox: Sandbox, account: str) -> list[dict[str, Any]]:
    found = (await sandbox.admin("GET", "/webhooks"))["webhooks"]
    return [w for w in found if w["accountId"] == account and w["cloudId"] == ACME]


async def test_set_mapping_registers_one_webhook_with_filters(
    runtime: Runtime, sandbox: Sandbox
) -> None:
    owner, account = await connected_owner(runtime, sandbox)
    room = await create_room(owner, "Mapped")
    given = MappingInput("PLAT", board_id=1, sprint_id=2, auto_push_estimates=True)
    mapping = await set_mapping(runtime, owner, str(room.id), given)

    assert (mapping.project_key, mapping.board_id, mapping.sprint_id) == ("PLAT", 1, 2)
    assert mapping.story_points_field_id == "customfield_10026"
    assert mapping.story_points_field_source == "BOARD_CONFIGURATION"
    assert mapping.auto_push_estimates and not mapping.auto_import
    assert mapping.webhook_status == "ACTIVE" and mapping.webhook_expires_at is not None
    [webhook] = await webhooks_of(sandbox, account)
    assert mapping.webhook_ids == [webhook["id"]]
    assert sorted(webhook["events"]) == sorted(EVENTS)
    assert webhook["jqlFilter"] == "project = PLAT"
    assert set(webhook["fieldIdsFilter"]) == {
        "summary",
        "description",
        "status",
        "customfield_10020",  # the sandbox's Sprint field
        "customfield_10026",
    }
    assert webhook["url"] == "http://127.0.0.1:8123/webhooks/jira"

    # Setting again (upsert) keeps one mapping and one webhook; the given field is recorded.
    again = MappingInput("PLAT", story_points_field_id="customfield_10026")
    mapping = await set_mapping(runtime, owner, str(room.id), again)
    assert mapping.story_points_field_source == "GIVEN" and mapping.auto_push_estimates
    assert await RoomJiraMapping.filter(room_id=room.id).count() == 1
    assert len(await webhooks_of(sandbox, account)) == 1


async def test_rooms_share_a_webhook_until_the_last_mapping_goes(
    runtime: Runtime, sandbox: Sandbox
) -> None:
    owner, account = await connected_owner(runtime, sandbox)
    first, second = await create_room(owner, "One"), await create_room(owner, "Two")
    a = await set_mapping(runtime, owner, str(first.id), MappingInput("APP"))
    b = await set_mapping(runtime, owner, str(second.id), MappingInput("app", board_id=3))
    [webhook] = await webhooks_of(sandbox, account)
    assert a.webhook_ids == b.webhook_ids == [webhook["id"]]
    assert "customfield_10016" in webhook["fieldIdsFilter"]

    await remove_mapping(runtime, owner, str(first.id))
    assert [w["id"] for w in await webhooks_of(sandbox, account)] == [webhook["id"]]
    await remove_mapping(runtime, owner, str(second.id))
    assert await webhooks_of(sandbox, account) == []
    assert not await JiraWebhookRegistration.filter(project_key="APP", cloud_id=ACME).filter(
        connection__user_id=owner.id
    )


@pytest.mark.parametrize(
    ("given", "field"),
    [
        (MappingInput("NOPE"), "input.projectKey"),
        (MappingInput("PLAT", board_id=3), "input.boardId"),  # APP's board
        (MappingInput("PLAT", board_id=1, sprint_id=999), "input.sprintId"),
        (MappingInput("PLAT", sprint_id=2), "input.boardId"),
        (
            MappingInput("PLAT", story_points_field_id="customfield_99999"),
            "input.storyPointsFieldId",
        ),
    ],
)
async def test_invalid_targets_store_nothing(
    runtime: Runtime, sandbox: Sandbox, given: MappingInput, field: str
) -> None:
    owner, account = await connected_owner(runtime, sandbox)
    room = await create_room(owner, "Invalid")
    with pytest.raises(ServiceError) as caught:
        await set_mapping(runtime, owner, str(room.id), given)
    assert (caught.value.code, caught.value.field) == (ErrorCode.VALIDATION, field)
    assert not await RoomJiraMapping.exists(room_id=room.id)
    assert await webhooks_of(sandbox, account) == []


async def test_only_the_owner_changes_the_mapping(runtime: Runtime, sandbox: Sandbox) -> None:
    owner, _ = await connected_owner(runtime, sandbox)
    member, _ = await connected_owner(runtime, sandbox)
    stranger, _ = await connected_owner(runtime, sandbox)
    room = await create_room(owner, "Owned")
    await join_room(member, str(room.id))
    with pytest.raises(ServiceError) as caught:
        await set_mapping(runtime, member, str(room.id), MappingInput("PLAT"))
    assert caught.value.code == ErrorCode.NOT_ALLOWED
    with pytest.raises(RoomAccessDenied):
        await set_mapping(runtime, stranger, str(room.id), MappingInput("PLAT"))
    await set_mapping(runtime, owner, str(room.id), MappingInput("PLAT"))
    with pytest.raises(ServiceError):
        await remove_mapping(runtime, member, str(room.id))
    assert await RoomJiraMapping.exists(room_id=room.id)


async def test_webhook_limit_exceeded_is_failed_with_the_reason(
    runtime: Runtime, sandbox: Sandbox
) -> None:
    owner, account = await connected_owner(runtime, sandbox)
    client = await client_for(runtime, owner)
    specs = [
        webhooks_api.WebhookSpec(("jira:issue_created",), f"issuekey = APP-{n}")
        for n in range(1, 6)
    ]
    results = await webhooks_api.register_webhooks(client, "http://127.0.0.1:9/x", specs)
    assert all(r.webhook_id for r in results)

    room = await create_room(owner, "Full")
    mapping = await set_mapping(runtime, owner, str(room.id), MappingInput("PLAT"))
    assert mapping.webhook_status == "FAILED"
    assert "maximum number of webhooks" in (mapping.webhook_error or "")
    assert mapping.webhook_ids == [] and mapping.project_key == "PLAT"  # the mapping is kept

    # Once room is made in Jira, the cron registers it.
    await webhooks_api.delete_webhooks(client, [r.webhook_id for r in results if r.webhook_id])
    connection = await JiraConnection.get(user_id=owner.id)
    counts = await jira_webhook_registry.refresh_all(runtime, [connection.id])
    assert counts["registered"] == 1
    await mapping.refresh_from_db()
    assert mapping.webhook_status == "ACTIVE" and mapping.webhook_error is None
    assert len(await webhooks_of(sandbox, account)) == 1


async def test_refresh_cron_extends_and_reregisters(runtime: Runtime, sandbox: Sandbox) -> None:
    owner, account = await connected_owner(runtime, sandbox)
    plat, app = await create_room(owner, "P"), await create_room(owner, "A")
    kept = await set_mapping(runtime, owner, str(plat.id), MappingInput("PLAT"))
    lost = await set_mapping(runtime, owner, str(app.id), MappingInput("APP"))
    first_expiry = kept.webhook_expires_at
    assert first_expiry is not None
    client = await client_for(runtime, owner)
    await webhooks_api.delete_webhooks(client, lost.webhook_ids)  # gone behind our back
    connection = await JiraConnection.get(user_id=owner.id)
    try:
        await sandbox.admin("POST", "/clock", json={"advanceSeconds": 20 * DAY})
        counts = await jira_webhook_registry.refresh_all(runtime, [connection.id])
    finally:
        await sandbox.admin("POST", "/clock", json={"reset": True})
    assert (counts["refreshed"], counts["registered"]) == (1, 1)
    await kept.refresh_from_db()
    await lost.refresh_from_db()
    assert kept.webhook_expires_at is not None
    assert (kept.webhook_expires_at - first_expiry).total_seconds() >= 19 * DAY
    assert lost.webhook_status == "ACTIVE" and lost.webhook_ids != []
    in_jira = {w["id"]: w for w in await webhooks_of(sandbox, account)}
    assert set(in_jira) == {*kept.webhook_ids, *lost.webhook_ids}
    assert in_jira[lost.webhook_ids[0]]["jqlFilter"] == "project = APP"


async def test_expired_webhooks_are_registered_again(runtime: Runtime, sandbox: Sandbox) -> None:
    owner, account = await connected_owner(runtime, sandbox)
    room = await create_room(owner, "Expiring")
    mapping = await set_mapping(runtime, owner, str(room.id), MappingInput("PLAT"))
    old_ids = mapping.webhook_ids
    connection = await JiraConnection.get(user_id=owner.id)
    try:
        await sandbox.admin("POST", "/clock", json={"advanceSeconds": 31 * DAY})
        assert await webhooks_of(sandbox, account) != []  # listed, but expired in Jira
        counts = await jira_webhook_registry.refresh_all(runtime, [connection.id])
    finally:
        await sandbox.admin("POST", "/clock", json={"reset": True})
    assert counts["registered"] == 1
    await mapping.refresh_from_db()
    assert mapping.webhook_status == "ACTIVE" and mapping.webhook_ids != old_ids


async def test_refresh_of_a_revoked_grant_is_skipped_with_a_warning(
    runtime: Runtime, sandbox: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    """A revoked grant is expected, not a failure: a WARNING, no traceback, the rest go on."""
    owner, account = await connected_owner(runtime, sandbox)
    room = await create_room(owner, "Revoked")
    await set_mapping(runtime, owner, str(room.id), MappingInput("PLAT"))
    connection = await JiraConnection.get(user_id=owner.id)
    await sandbox.admin("POST", "/tokens/revoke", json={"accountId": account})
    await sandbox.admin("POST", "/tokens/expire", json={"accountId": account})
    with caplog.at_level(logging.WARNING, logger="services.jira.webhooks.registrations"):
        counts = await jira_webhook_registry.refresh_all(runtime, [connection.id])
    assert counts["skipped"] == 1
    records = [r for r in caplog.records if r.name == "services.jira.webhooks.registrations"]
    assert [r.levelname for r in records] == ["WARNING"] and records[0].exc_info is None
    assert "reconnect Jira" in records[0].getMessage()


async def test_the_webhook_check_of_a_revoked_grant_is_a_warning(
    runtime: Runtime, sandbox: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    owner, account = await connected_owner(runtime, sandbox)
    room = await create_room(owner, "Revoked check")
    await set_mapping(runtime, owner, str(room.id), MappingInput("PLAT"))
    await sandbox.admin("POST", "/tokens/revoke", json={"accountId": account})
    await sandbox.admin("POST", "/tokens/expire", json={"accountId": account})
    with caplog.at_level(logging.WARNING, logger="services.jira.webhooks.reconcile"):
        await webhook_check.check_sites(runtime)
    records = [r for r in caplog.records if r.name == "services.jira.webhooks.reconcile"]
    assert records and {r.levelname for r in records} == {"WARNING"}
    assert all(r.exc_info is None for r in records)


async def test_disconnect_deletes_the_webhooks_in_jira(runtime: Runtime, sandbox: Sandbox) -> None:
    owner, account = await connected_owner(runtime, sandbox)
    for key in ("PLAT", "APP"):
        room = await create_room(owner, key)
        await set_mapping(runtime, owner, str(room.id), MappingInput(key))
    assert len(await webhooks_of(sandbox, account)) == 2
    assert await disconnect(runtime, owner)
    assert await webhooks_of(sandbox, account) == []
    assert not await JiraWebhookRegistration.filter(connection__user_id=owner.id).exists()


async def slow_jira(sandbox: Sandbox, method: str, delay_ms: int) -> None:
    """Widen the race window: every `method` on Jira's webhook API takes `delay_ms` longer."""
    rule = {"kind": "latency", "path_contains": "/webhook", "method": method, "delay_ms": delay_ms}
    await sandbox.admin("POST", "/faults", json=rule)


async def test_concurrent_mappings_of_one_project_register_one_webhook(
    runtime: Runtime, sandbox: Sandbox
) -> None:
    owner, account = await connected_owner(runtime, sandbox)
    rooms = [await create_room(owner, f"Race {n}") for n in range(4)]
    await slow_jira(sandbox, "POST", 300)
    try:
        mappings = await asyncio.gather(
            *(set_mapping(runtime, owner, str(room.id), MappingInput("PLAT")) for room in rooms)
        )
    finally:
        await sandbox.admin("DELETE", "/faults")
    [webhook] = await webhooks_of(sandbox, account)
    for mapping in mappings:
        await mapping.refresh_from_db()
        assert (mapping.webhook_status, mapping.webhook_ids) == ("ACTIVE", [webhook["id"]])
    [registration] = await JiraWebhookRegistration.filter(connection__user_id=owner.id)
    assert registration.webhook_id == webhook["id"]


async def test_remove_racing_set_keeps_the_webhook_the_new_mapping_uses(
    runtime: Runtime, sandbox: Sandbox
) -> None:
    owner, account = await connected_owner(runtime, sandbox)
    leaving, arriving = await create_room(owner, "Leaving"), await create_room(owner, "Arriving")
    await set_mapping(runtime, owner, str(leaving.id), MappingInput("PLAT"))
    await slow_jira(sandbox, "DELETE", 500)  # the release deletes in Jira while the set runs
    try:
        _, mapping = await asyncio.gather(
            remove_mapping(runtime, owner, str(leaving.id)),
            set_mapping(runtime, owner, str(arriving.id), MappingInput("PLAT")),
        )
    finally:
        await sandbox.admin("DELETE", "/faults")
    await mapping.refresh_from_db()
    [webhook] = await webhooks_of(sandbox, account)
    assert (mapping.webhook_status, mapping.webhook_ids) == ("ACTIVE", [webhook["id"]])
    [registration] = await JiraWebhookRegistration.filter(connection__user_id=owner.id)
    assert registration.webhook_id == webhook["id"]
