"""Rooms: create, configure, join, read as a member; their issues: add, remove, move."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from core.bus import RoomBus
from core.db import fetch_models, fetch_rows, is_sqlite, update_rows
from core.errors import ErrorCode, ServiceError, invalid
from core.text import checked_text
from models.rooms import Issue, IssueStatus, Room, RoomMember, RoomRole
from models.users import User
from services.rooms.access import (
    FACILITATORS,
    VOTERS,
    RoomAccessDenied,
    is_member,
    parse_issue_id,
    parse_room_id,
    require_role,
)
from services.rooms.cards import (
    DEFAULT_CARDS,
    Card,
    cards_from_input,
    cards_from_labels,
    stored_cards,
)
from services.rooms.events import (
    RoomEventKind,
    publish_member_event,
    publish_room_event,
)
from services.runtime import Runtime

MAX_ROOM_NAME = 120
MAX_TITLE = 255
MAX_DESCRIPTION = 20_000
MIN_VOTING_SECONDS, MAX_VOTING_SECONDS = 10, 604_800  # a week
# Bounds the API documents (README, "Limits") and the query cost limit counts on.
MAX_ROOMS_PER_USER = 200  # rooms a user may be a member of
MAX_MEMBERS_PER_ROOM = 100
MAX_ISSUES_PER_ROOM = 500

__all__ = ["RoomAccessDenied", "is_member", "parse_issue_id", "parse_room_id"]


@dataclass(frozen=True)
class RoomSettings:
    """What createRoom and updateRoom may set; None leaves a setting as it is."""

    name: str | None = None
    cards: list[tuple[str, float | None]] | None = None
    deck: list[str] | None = None  # the legacy deck input: labels only
    auto_reveal: bool | None = None
    default_voting_seconds: int | None = None
    clear_default_voting_seconds: bool = False


def normalize_room_name(name: str) -> str:
    name = checked_text(name, "name", max_length=MAX_ROOM_NAME, label="Name").strip()
    if not name:
        raise ServiceError(
            ErrorCode.VALIDATION, f"Name must be 1 to {MAX_ROOM_NAME} characters.", "name"
        )
    return name


def normalize_title(title: str) -> str:
    title = checked_text(title, "title", max_length=MAX_TITLE, label="Title").strip()
    if not title:
        raise ServiceError(
            ErrorCode.VALIDATION, f"Title must be 1 to {MAX_TITLE} characters.", "title"
        )
    return title


def normalize_description(description: str | None) -> str | None:
    if description is None:
        return None
    checked_text(
        description, "description", max_length=MAX_DESCRIPTION, multiline=True, label="Description"
    )
    return description or None


def checked_voting_seconds(seconds: int | None, field: str) -> int | None:
    if seconds is not None and not MIN_VOTING_SECONDS <= seconds <= MAX_VOTING_SECONDS:
        raise invalid(f"A timer runs {MIN_VOTING_SECONDS} to {MAX_VOTING_SECONDS} seconds.", field)
    return seconds


def _cards(settings: RoomSettings) -> list[Card] | None:
    if settings.cards is not None:
        return cards_from_input(settings.cards, "cards")
    if settings.deck is not None:
        return cards_from_labels(settings.deck, "deck")
    return None


async def create_room(owner: User, name: str, deck: list[str] | None = None) -> Room:
    return await create_configured_room(owner, RoomSettings(name=name, deck=deck))


async def create_configured_room(owner: User, settings: RoomSettings) -> Room:
    """A room owned by `owner`, its first member and a facilitator."""
    name = normalize_room_name(settings.name or "")
    cards = _cards(settings) or list(DEFAULT_CARDS)
    seconds = checked_voting_seconds(settings.default_voting_seconds, "defaultVotingSeconds")
    async with in_transaction():
        await _lock_user(owner)
        await _require_room_to_spare(owner)
        room = await Room.create(
            name=name,
            deck=stored_cards(cards),
            owner_id=owner.id,
            auto_reveal=bool(settings.auto_reveal),
            default_voting_seconds=seconds,
        )
        await RoomMember.create(room_id=room.id, user_id=owner.id, role=RoomRole.FACILITATOR)
    return room


async def update_room(runtime: Runtime, user: User, room_id: str, settings: RoomSettings) -> Room:
    """Facilitators only; the cards cannot change while a round is open on an issue."""
    room = await require_member(user.id, room_id)
    await require_role(user.id, room.id, FACILITATORS, "change the room's settings")
    values: dict[str, object] = {}
    if settings.name is not None:
        values["name"] = normalize_room_name(settings.name)
    cards = _cards(settings)
    if settings.auto_reveal is not None:
        values["auto_reveal"] = settings.auto_reveal
    if settings.clear_default_voting_seconds or settings.default_voting_seconds is not None:
        field = "input.defaultVotingSeconds"
        values["default_voting_seconds"] = checked_voting_seconds(
            settings.default_voting_seconds, field
        )
    async with in_transaction() as connection:
        await lock_room(connection, room.id)
        if cards is not None:
            # Locked like startVoting locks its issue: a round opening now is seen, not missed.
            issues = await Issue.filter(room_id=room.id).order_by("id").select_for_update()
            if any(issue.status == IssueStatus.VOTING for issue in issues):
                raise ServiceError(
                    ErrorCode.INVALID_STATE,
                    "The cards cannot change while a round is open: reveal it first.",
                    "input.cards",
                )
            values["deck"] = stored_cards(cards)
        if values:
            await Room.filter(id=room.id).update(**values)
    await publish_room_event(runtime.bus, room.id, RoomEventKind.ROOM_UPDATED)
    return await Room.get(id=room.id)


async def join_room(
    user: User, room_id: str, bus: RoomBus | None = None, *, as_spectator: bool = False
) -> Room:
    """Become a member (idempotent: a member keeps their role). Knowing the room's id is the
    invitation; `as_spectator` joins to watch only."""
    room = await get_room(room_id)
    if room is None:
        raise ServiceError(ErrorCode.NOT_FOUND, "No room with this id.", "roomId")
    if await is_member(user.id, room.id):
        return room
    role = RoomRole.SPECTATOR if as_spectator else RoomRole.VOTER
    async with in_transaction() as connection:
        await _lock_user(user)
        await lock_room(connection, room.id)
        await _require_room_to_spare(user)
        if await RoomMember.filter(room_id=room.id).count() >= MAX_MEMBERS_PER_ROOM:
            raise ServiceError(
                ErrorCode.NOT_ALLOWED,
                f"This room is full: it has {MAX_MEMBERS_PER_ROOM} members.",
                "roomId",
            )
        await RoomMember.bulk_create(
            [RoomMember(room_id=room.id, user_id=user.id, role=role)], ignore_conflicts=True
        )
    await publish_member_event(bus, room.id, user.id)
    return room


async def _lock_user(user: User) -> None:
    """Serialise a user's joins and creations so the room bound holds under concurrency."""
    await User.filter(id=user.id).select_for_update().first()


async def _require_room_to_spare(user: User) -> None:
    if await RoomMember.filter(user_id=user.id).count() >= MAX_ROOMS_PER_USER:
        raise ServiceError(
            ErrorCode.NOT_ALLOWED,
            f"You are in {MAX_ROOMS_PER_USER} rooms, the most allowed: leave one first.",
        )


async def get_room(room_id: str) -> Room | None:
    parsed = parse_room_id(room_id)
    return await Room.get_or_none(id=parsed) if parsed else None


_ROOM_OF_MEMBER = """SELECT r.* FROM rooms r JOIN room_members m ON m.room_id = r.id
WHERE r.id = $1 AND m.user_id = $2 LIMIT 1"""


async def room_for_member(user_id: int, room_id: str) -> Room | None:
    """The room if `user_id` is a member; None if no such room; RoomAccessDenied otherwise."""
    parsed = parse_room_id(room_id)
    if parsed is None:
        return None
    found = await fetch_models(Room, _ROOM_OF_MEMBER, str(parsed), user_id)
    if found:  # the common case costs one query
        return found[0]
    if await Room.exists(id=parsed):
        raise RoomAccessDenied()
    return None


async def issue_for_member(
    user_id: int, issue_id: str | int, *, for_update: bool = False
) -> Issue | None:
    """The issue if `user_id` is a member of its room; None if no such issue; else denied.
    `for_update` row-locks it (inside the caller's transaction)."""
    parsed = parse_issue_id(issue_id)
    if parsed is None:
        return None
    query = Issue.filter(id=parsed)
    issue = await (query.select_for_update() if for_update else query).first()
    if issue is not None and not await is_member(user_id, issue.room_id):
        raise RoomAccessDenied()
    return issue


async def require_issue_member(
    user_id: int, issue_id: str | int, *, for_update: bool = False
) -> Issue:
    """issue_for_member, with NOT_FOUND (field `issueId`) when there is no such issue."""
    issue = await issue_for_member(user_id, issue_id, for_update=for_update)
    if issue is None:
        raise ServiceError(ErrorCode.NOT_FOUND, "No issue with this id.", "issueId")
    return issue


async def require_member(user_id: int, room_id: str, field: str = "roomId") -> Room:
    room = await room_for_member(user_id, room_id)
    if room is None:
        raise ServiceError(ErrorCode.NOT_FOUND, "No room with this id.", field)
    return room


async def rooms_of(user_id: int) -> list[Room]:
    return await Room.filter(memberships__user_id=user_id).order_by("created_at", "id")


async def add_issue(
    user: User, room_id: str, title: str, description: str | None, bus: RoomBus | None
) -> Issue:
    room = await require_member(user.id, room_id)
    await require_role(user.id, room.id, VOTERS, "add issues")
    title, description = normalize_title(title), normalize_description(description)
    async with in_transaction() as connection:
        # Lock the room so concurrent additions get distinct, gap-free positions.
        await lock_room(connection, room.id)
        position = await require_issue_room(room.id, 1) + 1
        issue = await Issue.create(
            room_id=room.id, position=position, title=title, description=description
        )
    await publish_room_event(bus, room.id, RoomEventKind.ISSUE_ADDED, issue.id)
    return issue


_LOCK_ROOM = "SELECT id FROM rooms WHERE id = $1 FOR UPDATE"


async def lock_room(connection: BaseDBAsyncClient, room_id: uuid.UUID) -> None:
    """Lock the room's row until the transaction ends (SQLite has no row locks: its writers
    are serialised by the database)."""
    if is_sqlite(connection):
        return
    await connection.execute_query(_LOCK_ROOM, [str(room_id)])


# Hand-written: on an import's path the ORM's aggregate query cost as much as its round trip.
_CAPACITY = "SELECT count(*) AS present, max(position) AS last FROM room_issues WHERE room_id = $1"


async def require_issue_room(room_id: uuid.UUID, adding: int) -> int:
    """VALIDATION unless `adding` more issues fit the room (call under the room's lock);
    returns the room's last position (0 when it has none), read by the same statement."""
    [row] = await fetch_rows(Issue._meta.db, _CAPACITY, str(room_id))
    present, last = int(row["present"] or 0), int(row["last"] or 0)
    if present + adding > MAX_ISSUES_PER_ROOM:
        raise ServiceError(
            ErrorCode.NOT_ALLOWED,
            f"A room holds at most {MAX_ISSUES_PER_ROOM} issues ({present} now): "
            "remove some first.",
        )
    return last


async def remove_issue(user: User, issue_id: str | int, bus: RoomBus | None) -> Issue:
    """Delete an issue and its votes (facilitators); subscribers get ISSUE_REMOVED."""
    issue = await require_issue_member(user.id, issue_id)
    await require_role(user.id, issue.room_id, FACILITATORS, "remove issues")
    await issue.delete()
    await publish_room_event(bus, issue.room_id, RoomEventKind.ISSUE_REMOVED, issue.id)
    return issue


async def move_issue(runtime: Runtime, user: User, issue_id: str, position: int) -> Issue:
    """Move an issue to `position` (1-based, clamped to the list); the others close up."""
    issue = await require_issue_member(user.id, issue_id)
    await require_role(user.id, issue.room_id, FACILITATORS, "reorder issues")
    if position < 1:
        raise invalid("Positions start at 1.", "position")
    async with in_transaction() as connection:
        await lock_room(connection, issue.room_id)
        rows = (
            await Issue.filter(room_id=issue.room_id)
            .order_by("position")
            .values_list("id", "position")
        )
        ids = [row_id for row_id, _ in rows if row_id != issue.id]
        ids.insert(min(position, len(ids) + 1) - 1, issue.id)
        # Past the highest position first: (room, position) stays unique after every row.
        for offset in (max(at for _, at in rows), 0):
            moved = [(row_id, offset + index) for index, row_id in enumerate(ids, start=1)]
            await update_rows(connection, moved, [], postgres=_MOVE, sqlite=_MOVE_SQLITE)
    await publish_room_event(runtime.bus, issue.room_id, RoomEventKind.ISSUE_UPDATED, issue.id)
    return await Issue.get(id=issue.id)


_MOVE = """
UPDATE room_issues AS i SET position = u.position
FROM unnest($1::bigint[], $2::int[]) AS u(id, position) WHERE i.id = u.id"""
_MOVE_SQLITE = "UPDATE room_issues SET position = ?2 WHERE id = ?1"
