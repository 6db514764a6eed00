"""Rooms: create, join, membership (the rule behind every room read and change), issues."""

from __future__ import annotations

import uuid

from tortoise.transactions import in_transaction

from core.bus import RoomBus
from core.errors import AccessDenied, ErrorCode, ServiceError, invalid
from core.text import checked_text
from models.rooms import Issue, Room, RoomMember
from models.users import User
from services.rooms.events import RoomEventKind, publish_room_event

DEFAULT_DECK: tuple[str, ...] = ("0", "1", "2", "3", "5", "8", "13", "21", "?", "☕")
MAX_CARDS = 30
MAX_CARD_LENGTH = 16
MAX_ROOM_NAME = 120
MAX_TITLE = 255
MAX_DESCRIPTION = 20_000
# Bounds the API documents (README, "Limits") and the query cost limit counts on.
MAX_ROOMS_PER_USER = 200  # rooms a user may be a member of
MAX_MEMBERS_PER_ROOM = 100
MAX_ISSUES_PER_ROOM = 500


class RoomAccessDenied(AccessDenied):
    """The user is not a member of the room (the API answers a top-level FORBIDDEN)."""

    default_message = "You are not a member of this room."


def parse_room_id(room_id: str) -> uuid.UUID | None:
    """The room id as a UUID, or None when it cannot name a room."""
    try:
        return uuid.UUID(str(room_id))
    except ValueError:
        return None


def parse_issue_id(issue_id: str | int) -> int | None:
    try:
        value = int(issue_id)
    except (TypeError, ValueError):
        return None
    return value if 0 < value < 2**63 else None


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


def normalize_deck(deck: list[str] | None) -> list[str]:
    """The deck as given (cards trimmed), or the default; 2..30 distinct cards of 1..16 chars."""
    if deck is None:
        return list(DEFAULT_DECK)
    if not 2 <= len(deck) <= MAX_CARDS:
        raise invalid(f"A deck has 2 to {MAX_CARDS} cards.", "deck")
    cards = [checked_text(card, "deck", max_length=MAX_CARD_LENGTH).strip() for card in deck]
    if not 2 <= len(cards) <= MAX_CARDS:
        raise invalid(f"A deck has 2 to {MAX_CARDS} cards.", "deck")
    if any(not 1 <= len(card) <= MAX_CARD_LENGTH for card in cards):
        raise ServiceError(
            ErrorCode.VALIDATION, f"Each card is 1 to {MAX_CARD_LENGTH} characters.", "deck"
        )
    if len(set(cards)) != len(cards):
        raise invalid("Cards must be distinct.", "deck")
    return cards


async def create_room(owner: User, name: str, deck: list[str] | None = None) -> Room:
    name, cards = normalize_room_name(name), normalize_deck(deck)
    async with in_transaction():
        await _lock_user(owner)
        await _require_room_to_spare(owner)
        room = await Room.create(name=name, deck=cards, owner_id=owner.id)
        await RoomMember.create(room_id=room.id, user_id=owner.id)
    return room


async def join_room(user: User, room_id: str) -> Room:
    """Become a member (idempotent). Knowing the room's id is the invitation."""
    room = await get_room(room_id)
    if room is None:
        raise ServiceError(ErrorCode.NOT_FOUND, "No room with this id.", "roomId")
    if await is_member(user.id, room.id):
        return room
    async with in_transaction():
        await _lock_user(user)
        await Room.filter(id=room.id).select_for_update().first()
        await _require_room_to_spare(user)
        if await RoomMember.filter(room_id=room.id).count() >= MAX_MEMBERS_PER_ROOM:
            raise ServiceError(
                ErrorCode.NOT_ALLOWED,
                f"This room is full: it has {MAX_MEMBERS_PER_ROOM} members.",
                "roomId",
            )
        await RoomMember.bulk_create(
            [RoomMember(room_id=room.id, user_id=user.id)], ignore_conflicts=True
        )
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


async def is_member(user_id: int, room_id: uuid.UUID | str) -> bool:
    return await RoomMember.exists(room_id=room_id, user_id=user_id)


async def room_for_member(user_id: int, room_id: str) -> Room | None:
    """The room if `user_id` is a member; None if no such room; RoomAccessDenied otherwise."""
    parsed = parse_room_id(room_id)
    if parsed is None:
        return None
    room = await Room.filter(id=parsed, memberships__user_id=user_id).first()
    if room is not None:  # the common case costs one query
        return room
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
    title, description = normalize_title(title), normalize_description(description)
    async with in_transaction():
        # Lock the room so concurrent additions get distinct, gap-free positions.
        await Room.filter(id=room.id).select_for_update().first()  # (values() drops FOR UPDATE)
        await require_issue_room(room.id, 1)
        last = (
            await Issue.filter(room_id=room.id)
            .order_by("-position")
            .first()
            .values_list("position", flat=True)
        )
        position = (last or 0) + 1
        issue = await Issue.create(
            room_id=room.id, position=position, title=title, description=description
        )
    await publish_room_event(bus, room.id, RoomEventKind.ISSUE_ADDED, issue.id)
    return issue


async def require_issue_room(room_id: uuid.UUID, adding: int) -> None:
    """VALIDATION unless `adding` more issues fit the room (call under the room's lock)."""
    present = await Issue.filter(room_id=room_id).count()
    if present + adding > MAX_ISSUES_PER_ROOM:
        raise ServiceError(
            ErrorCode.NOT_ALLOWED,
            f"A room holds at most {MAX_ISSUES_PER_ROOM} issues ({present} now): "
            "remove some first.",
        )


async def remove_issue(user: User, issue_id: str | int, bus: RoomBus | None) -> Issue:
    """Delete an issue and its votes; subscribers get ISSUE_REMOVED."""
    issue = await require_issue_member(user.id, issue_id)
    await issue.delete()
    await publish_room_event(bus, issue.room_id, RoomEventKind.ISSUE_REMOVED, issue.id)
    return issue
