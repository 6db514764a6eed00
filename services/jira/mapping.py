"""Room-to-Jira mappings: which project, board, sprint and story-points field a room uses.

Members read a mapping; only the room's owner sets or removes it (PREMIUM is checked by the
resolvers). Setting validates everything against Jira first, so nothing is stored for a
wrong project, board or sprint, then upserts the room's one mapping and makes sure the
project's shared webhook registration exists (services.jira.webhooks.registrations).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from core.errors import ErrorCode, ServiceError, invalid
from jira_cloud import errors as jira
from jira_cloud.client import JiraClient
from jira_cloud.types import JiraField
from models.jira import EstimateTarget, RoomJiraMapping
from models.rooms import Room
from models.users import User
from services.jira import auto_import as jira_auto_import
from services.jira import browse as jira_browse
from services.jira.clients import client_for
from services.jira.connection import require_connection
from services.jira.errors import service_error_for
from services.jira.estimate_fields import check_estimate_target
from services.jira.webhooks import registrations as jira_webhook_registry
from services.rooms.cards import Card, cards_of
from services.rooms.events import RoomEventKind, publish_room_event
from services.rooms.rooms import require_member
from services.runtime import Runtime

SOURCE_GIVEN = "GIVEN"
SPRINT_FIELD_CUSTOM = "com.pyxis.greenhopper.jira:gh-sprint"


@dataclass(frozen=True)
class MappingInput:
    project_key: str
    board_id: int | None = None
    sprint_id: int | None = None
    cloud_id: str | None = None
    story_points_field_id: str | None = None
    auto_import: bool | None = None
    auto_push_estimates: bool | None = None
    comment_on_push: bool | None = None
    estimate_target: EstimateTarget | None = None  # None: the previous one (new: STORY_POINTS)


@dataclass(frozen=True)
class CheckedTarget:
    project_key: str
    story_points_field_id: str | None
    story_points_field_source: str | None
    sprint_field_id: str | None
    sprint_state: str | None = None  # the sprint's state in Jira (a closed one is refused)


async def mapping_of(user: User, room_id: str) -> RoomJiraMapping | None:
    room = await require_member(user.id, room_id)
    return await RoomJiraMapping.get_or_none(room_id=room.id)


async def owned_room(user: User, room_id: str) -> Room:
    """The room when `user` owns it; members get NOT_ALLOWED, non-members RoomAccessDenied."""
    room = await require_member(user.id, room_id)
    if room.owner_id != user.id:  # type: ignore[attr-defined]
        raise ServiceError(
            ErrorCode.NOT_ALLOWED, "Only the room's owner can change its Jira mapping.", "roomId"
        )
    return room


async def set_mapping(
    runtime: Runtime, user: User, room_id: str, given: MappingInput
) -> RoomJiraMapping:
    room = await owned_room(user, room_id)
    connection = await require_connection(user)
    client = await client_for(runtime, user, given.cloud_id)
    previous = await RoomJiraMapping.get_or_none(room_id=room.id)
    estimate_target = given.estimate_target or (
        EstimateTarget(previous.estimate_target) if previous else EstimateTarget.STORY_POINTS
    )
    given = replace(given, estimate_target=estimate_target)
    if _keeps_select_field(given, previous):
        given = replace(given, story_points_field_id=previous.story_points_field_id)  # type: ignore[union-attr]
    target = await check_target(client, given, cards_of(room.deck))
    values = {
        "connection_id": connection.id,
        "cloud_id": client.cloud_id,
        "project_key": target.project_key,
        "board_id": given.board_id,
        "sprint_id": given.sprint_id,
        "sprint_state": target.sprint_state,
        "story_points_field_id": target.story_points_field_id,
        "story_points_field_source": target.story_points_field_source,
        "auto_import": _flag(given.auto_import, previous, "auto_import"),
        "auto_push_estimates": _flag(given.auto_push_estimates, previous, "auto_push_estimates"),
        "comment_on_push": _flag(given.comment_on_push, previous, "comment_on_push"),
        "estimate_target": estimate_target,
    }
    mapping, _ = await RoomJiraMapping.update_or_create(values, room_id=room.id)
    await jira_webhook_registry.ensure_registration(
        runtime, client, connection.id, target.project_key, target.sprint_field_id
    )
    if previous is not None and _registration_key(previous) != _registration_key(mapping):
        await jira_webhook_registry.release(runtime, *_registration_key(previous))
    await mapping.refresh_from_db()
    await publish_room_event(runtime.bus, room.id, RoomEventKind.ROOM_JIRA_MAPPING_UPDATED)
    await jira_auto_import.mapping_saved(runtime, previous, mapping)
    return mapping


async def remove_mapping(runtime: Runtime, user: User, room_id: str) -> RoomJiraMapping | None:
    """Delete the room's mapping (None when there was none) and release its webhook."""
    room = await owned_room(user, room_id)
    mapping = await RoomJiraMapping.get_or_none(room_id=room.id)
    if mapping is None:
        return None
    await mapping.delete()
    await jira_webhook_registry.release(runtime, *_registration_key(mapping))
    await publish_room_event(runtime.bus, room.id, RoomEventKind.ROOM_JIRA_MAPPING_UPDATED)
    return mapping


def _registration_key(mapping: RoomJiraMapping) -> tuple[int | None, str, str]:
    return mapping.connection_id, mapping.cloud_id, mapping.project_key  # type: ignore[attr-defined]


def _keeps_select_field(given: MappingInput, previous: RoomJiraMapping | None) -> bool:
    """SELECT_FIELD saved again without its field: the field it had."""
    select = EstimateTarget.SELECT_FIELD
    if given.estimate_target != select or given.story_points_field_id is not None:
        return False
    return previous is not None and previous.estimate_target == select


def _flag(value: bool | None, previous: RoomJiraMapping | None, name: str) -> bool:
    if value is not None:
        return value
    return bool(getattr(previous, name)) if previous is not None else False


async def check_target(
    client: JiraClient, given: MappingInput, cards: Sequence[Card] | None = None
) -> CheckedTarget:
    """Project on the site, board of the project, sprint of the board, story-points field;
    the estimate target against the project and the room's deck (services.jira.estimate_fields:
    ORIGINAL_ESTIMATE stores no field, SELECT_FIELD the given one)."""
    key = jira_browse.checked_project_key(given.project_key)
    try:
        await client.get_project(key)
    except jira.NotFound:
        raise invalid(f"No project {key} on this Jira site.", "input.projectKey") from None
    except jira.JiraError as error:
        raise service_error_for(error) from None
    fields = await jira_browse.jira_call(client.get_fields())
    if given.board_id is not None:
        await _check_board(client, key, given.board_id)
    sprint_state = None
    if given.sprint_id is not None:
        sprint_state = await _check_sprint(client, given.board_id, given.sprint_id)
    estimate_target = given.estimate_target or EstimateTarget.STORY_POINTS
    field_id, source = given.story_points_field_id, SOURCE_GIVEN
    await check_estimate_target(client, key, estimate_target, field_id, fields, cards)
    if estimate_target == EstimateTarget.ORIGINAL_ESTIMATE:
        field_id = None
    elif estimate_target == EstimateTarget.SELECT_FIELD:
        pass  # checked to be a single-select field of the site
    elif field_id is not None:
        if field_id not in {f.id for f in fields}:
            raise invalid(f"No field {field_id} on this Jira site.", "input.storyPointsFieldId")
    else:
        choice = await jira_browse.estimation_field(client, key, given.board_id)
        field_id, source = choice.field_id, choice.source or None
    field_source = source if field_id else None
    return CheckedTarget(key, field_id, field_source, sprint_field_id(fields), sprint_state)


async def _check_board(client: JiraClient, project_key: str, board_id: int) -> None:
    start_at = 0
    while True:
        page = await jira_browse.jira_call(client.list_boards(project_key, start_at, 50))
        if any(board.id == board_id for board in page.items):
            return
        if page.is_last or not page.items:
            raise invalid(f"Board {board_id} is not a board of {project_key}.", "input.boardId")
        start_at += len(page.items)


async def _check_sprint(client: JiraClient, board_id: int | None, sprint_id: int) -> str:
    if board_id is None:
        raise invalid("A sprint needs its board (boardId).", "input.boardId")
    try:
        sprint = await client.get_sprint(sprint_id)
    except jira.NotFound:
        raise invalid(f"No sprint {sprint_id} on this Jira site.", "input.sprintId") from None
    except jira.JiraError as error:
        raise service_error_for(error) from None
    if sprint.origin_board_id != board_id:
        raise invalid(f"Sprint {sprint_id} is not a sprint of board {board_id}.", "input.sprintId")
    if sprint.state == "closed":
        message = f"{sprint.name} is closed in Jira: choose an active or future sprint."
        raise invalid(message, "input.sprintId")
    return sprint.state


def sprint_field_id(fields: list[JiraField]) -> str | None:
    """The site's Sprint custom field (customfield_… differs per site)."""
    by_schema = [f.id for f in fields if f.schema_custom == SPRINT_FIELD_CUSTOM]
    by_name = [f.id for f in fields if f.custom and f.name.strip().lower() == "sprint"]
    return (by_schema or by_name or [None])[0]
