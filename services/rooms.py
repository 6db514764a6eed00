"""Rooms: create, join, membership (the rule behind every room read and change), issues."""

from __future__ import annotations

import uuid

from tortoise.transactions import in_transaction

from core.bus import RoomBus
from core.errors import ErrorCode, ServiceError
from models.rooms import Issue, Room, RoomMember
from models.users import User
from services.room_events import RoomEventKind, publish_room_event

DEFAULT_DECK: tuple[str, ...] = ("0", "1", "2", "3", "5", "8", "13", "21", "?", "☕")
MAX_CARDS = 30
MAX_CARD_LENGTH = 16
MAX_ROOM_NAME = 120
MAX_TITLE = 255
MAX_DESCRIPTION = 20_000


class RoomAccessDenied(Exception):
    """The user is not a member of the room (resolvers turn this into a top-level FORBIDDEN)."""


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
    name = name.strip()
    if not 1 <= len(name) <= MAX_ROOM_NAME:
        raise ServiceError(
            ErrorCode.VALIDATION, f"Name must be 1 to {MAX_ROOM_NAME} characters.", "name"
        )
    return name


def normalize_deck(deck: list[str] | None) -> list[str]:
    """The deck as given (cards trimmed), or the default; 2..30 distinct cards of 1..16 chars."""
    if deck is None:
        return list(DEFAULT_DECK)
    cards = [card.strip() for card in deck]
    if not 2 <= len(cards) <= MAX_CARDS:
        raise ServiceError(ErrorCode.VALIDATION, f"A deck has 2 to {MAX_CARDS} cards.", "deck")
    if any(not 1 <= len(card) <= MAX_CARD_LENGTH for card in cards):
        raise ServiceError(
            ErrorCode.VALIDATION, f"Each card is 1 to {MAX_CARD_LENGTH} characters.", "deck"
        )
    if len(set(cards)) != len(cards):
        raise ServiceError(ErrorCode.VALIDATION, "Cards must be distinct.", "deck")
    return cards


async def create_room(owner: User, name: str, deck: list[str] | None = None) -> Room:
    name, cards = normalize_room_name(name), normalize_deck(deck)
    async with in_transaction():
        room = await Room.create(name=name, deck=cards, owner_id=owner.id)
        await RoomMember.create(room_id=room.id, user_id=owner.id)
    return room


async def join_room(user: User, room_id: str) -> Room:
    """Become a member (idempotent). Knowing the room's id is the invitation."""
    room = await get_room(room_id)
    if room is None:
        raise ServiceError(ErrorCode.NOT_FOUND, "No room with this id.", "roomId")
    await RoomMember.bulk_create(
        [RoomMember(room_id=room.id, user_id=user.id)], ignore_conflicts=True
    )
    return room


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
    title = title.strip()
    if not 1 <= len(title) <= MAX_TITLE:
        raise ServiceError(
            ErrorCode.VALIDATION, f"Title must be 1 to {MAX_TITLE} characters.", "title"
        )
    if description is not None and len(description) > MAX_DESCRIPTION:
        raise ServiceError(
            ErrorCode.VALIDATION,
            f"Description is at most {MAX_DESCRIPTION} characters.",
            "description",
        )
    async with in_transaction():
        # Lock the room so concurrent additions get distinct, gap-free positions.
        await Room.filter(id=room.id).select_for_update().first()  # (values() drops FOR UPDATE)
        last = (
            await Issue.filter(room_id=room.id)
            .order_by("-position")
            .first()
            .values_list("position", flat=True)
        )
        position = (last or 0) + 1
        issue = await Issue.create(
            room_id=room.id, position=position, title=title, description=description or None
        )
    await publish_room_event(bus, room.id, RoomEventKind.ISSUE_ADDED, issue.id)
    return issue


async def remove_issue(user: User, issue_id: str | int, bus: RoomBus | None) -> Issue:
    """Delete an issue and its votes; subscribers get ISSUE_REMOVED."""
    parsed = parse_issue_id(issue_id)
    issue = await Issue.get_or_none(id=parsed) if parsed else None
    if issue is None:
        raise ServiceError(ErrorCode.NOT_FOUND, "No issue with this id.", "issueId")
    if not await is_member(user.id, issue.room_id):
        raise RoomAccessDenied()
    await issue.delete()
    await publish_room_event(bus, issue.room_id, RoomEventKind.ISSUE_REMOVED, issue.id)
    return issue
