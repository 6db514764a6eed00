"""Rooms, issues and voting: queries, mutations and the roomEvents subscription.

Authorization: only members read or change a room. `room(id)` of a room you are not a member of
is a top-level FORBIDDEN error; an id that names no room is null. Mutations on a room or issue
you are not a member of are top-level FORBIDDEN; an unknown room/issue id is a NOT_FOUND payload
error. `roomEvents` refuses non-members and unknown rooms alike with FORBIDDEN.
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import AsyncGenerator, Awaitable, Callable, Coroutine
from datetime import UTC, datetime
from typing import Any, TypeVar

import strawberry
from graphql import GraphQLError
from strawberry.types import Info

from core.bus import BusMessage, RoomBus, SlowSubscriber
from core.bus import Subscription as BusSubscription
from core.bus.fanout import iterate
from models.rooms import Issue as IssueModel
from resolvers.errors import Forbidden
from resolvers.payloads import payload_mutation
from resolvers.permissions import require_user
from schema.context import Context
from schema.loaders import Loaders
from schema.types.rooms import (
    AddIssueInput,
    AddIssuePayload,
    CreateRoomInput,
    CreateRoomPayload,
    EstimatePushUpdated,
    Issue,
    IssueAdded,
    IssueRemoved,
    IssueUpdated,
    JoinRoomPayload,
    RemoveIssuePayload,
    Room,
    RoomEvent,
    RoomJiraMappingUpdated,
    VotingPayload,
    VotingUpdated,
)
from services.rooms import rooms, voting
from services.rooms.events import RoomEventKind

T = TypeVar("T")
SLOW_SUBSCRIBER = "SLOW_SUBSCRIBER"  # extensions.code when a client fell too far behind


def _bus(info: Info[Context, None]) -> RoomBus | None:
    return info.context.runtime.bus


async def _guarded(call: Awaitable[T]) -> T:
    try:
        return await call
    except rooms.RoomAccessDenied as denied:
        raise Forbidden(denied.message) from None


async def _voting(
    info: Info[Context, None], action: Callable[..., Awaitable[IssueModel]], *args: Any
) -> VotingPayload:
    user = await require_user(info)
    issue = await action(info.context.runtime, user, *args)
    return VotingPayload(issue=Issue.from_model(issue))


@strawberry.type
class Query:
    @strawberry.field(description="A room you are a member of; null if no room has this id.")
    async def room(self, info: Info[Context, None], id: strawberry.ID) -> Room | None:
        user = await require_user(info)
        room = await _guarded(rooms.room_for_member(user.id, id))
        return Room.from_model(room) if room else None

    @strawberry.field(description="Rooms you are a member of, oldest first.")
    async def my_rooms(self, info: Info[Context, None]) -> list[Room]:
        user = await require_user(info)
        return [Room.from_model(room) for room in await rooms.rooms_of(user.id)]

    @strawberry.field(
        description="An issue of a room you are a member of; null if no issue has this id."
    )
    async def issue(self, info: Info[Context, None], id: strawberry.ID) -> Issue | None:
        user = await require_user(info)
        issue = await _guarded(rooms.issue_for_member(user.id, id))
        return Issue.from_model(issue) if issue else None


@strawberry.type
class Mutation:
    @payload_mutation("Create a room; you become its owner and first member.")
    async def create_room(
        self, info: Info[Context, None], input: CreateRoomInput
    ) -> CreateRoomPayload:
        user = await require_user(info)
        room = await rooms.create_room(user, input.name, input.deck)
        return CreateRoomPayload(room=Room.from_model(room))

    @payload_mutation("Join a room by its id (idempotent).")
    async def join_room(self, info: Info[Context, None], room_id: strawberry.ID) -> JoinRoomPayload:
        user = await require_user(info)
        room = await rooms.join_room(user, room_id)
        return JoinRoomPayload(room=Room.from_model(room))

    @payload_mutation("Add an issue at the end of the room's list.")
    async def add_issue(self, info: Info[Context, None], input: AddIssueInput) -> AddIssuePayload:
        user = await require_user(info)
        issue = await rooms.add_issue(
            user, input.room_id, input.title, input.description, _bus(info)
        )
        return AddIssuePayload(issue=Issue.from_model(issue))

    @payload_mutation("Delete an issue and its votes.")
    async def remove_issue(
        self, info: Info[Context, None], issue_id: strawberry.ID
    ) -> RemoveIssuePayload:
        user = await require_user(info)
        issue = await rooms.remove_issue(user, issue_id, _bus(info))
        return RemoveIssuePayload(issue_id=strawberry.ID(str(issue.id)))

    @payload_mutation("Open a new voting round (clears votes and estimate).")
    async def start_voting(
        self, info: Info[Context, None], issue_id: strawberry.ID
    ) -> VotingPayload:
        return await _voting(info, voting.start_voting, issue_id)

    @payload_mutation("Vote a card of the deck; a revote replaces your vote.")
    async def cast_vote(
        self, info: Info[Context, None], issue_id: strawberry.ID, value: str
    ) -> VotingPayload:
        return await _voting(info, voting.cast_vote, issue_id, value)

    @payload_mutation("Show everyone's votes.")
    async def reveal_votes(
        self, info: Info[Context, None], issue_id: strawberry.ID
    ) -> VotingPayload:
        return await _voting(info, voting.reveal_votes, issue_id)

    @payload_mutation("Record the agreed estimate (a card of the deck).")
    async def complete_issue_voting(
        self, info: Info[Context, None], issue_id: strawberry.ID, final_estimate: str
    ) -> VotingPayload:
        return await _voting(info, voting.complete_issue_voting, issue_id, final_estimate)


@strawberry.type
class Subscription:
    @strawberry.subscription(description="Every change in a room you are a member of, in order.")
    async def room_events(
        self, info: Info[Context, None], room_id: strawberry.ID
    ) -> AsyncGenerator[RoomEvent, None]:
        # A plain coroutine returning the generator: refusals surface before the stream starts.
        user = await require_user(info)
        room = await _guarded(rooms.room_for_member(user.id, room_id))
        bus = _bus(info)
        if room is None or bus is None:
            raise Forbidden(rooms.RoomAccessDenied.default_message)
        return _room_events(info, str(room.id), bus.subscribe(str(room.id)))


async def _room_events(
    info: Info[Context, None], room_id: str, subscription: BusSubscription
) -> AsyncGenerator[RoomEvent, None]:
    viewer = info.context.user
    viewer_id = viewer.id if viewer is not None else None
    messages = iterate(subscription)
    while True:
        try:
            message = await anext(messages)
        except StopAsyncIteration:
            return
        except SlowSubscriber as exc:  # ends this subscription with a clear, expected error
            raise GraphQLError(str(exc), extensions={"code": SLOW_SUBSCRIBER}) from None
        # Fresh loaders per event, shared by this process's subscribers of the same message.
        loaders = message.scratch.setdefault("loaders", Loaders())
        info.context.fresh_loaders(loaders)
        event = await _shared(message.scratch, "event", _to_event(loaders, room_id, message))
        if event is not None:
            yield _for_viewer(message.scratch, event, viewer_id)


async def _shared(scratch: dict[str, Any], key: str, make: Coroutine[Any, Any, T]) -> T:
    """Run `make` once per message; every local subscriber of the message awaits that run."""
    task = scratch.get(key)
    if task is None:
        task = scratch[key] = asyncio.ensure_future(make)
    else:
        make.close()  # another subscriber's run is in flight or done
    return await asyncio.shield(task)


def _for_viewer(scratch: dict[str, Any], event: RoomEvent, viewer_id: int | None) -> RoomEvent:
    """One payload object per message and viewer: only votes differ between viewers, so
    subscribers with the same viewer share one execution (schema/execution.py)."""
    key = ("viewer-event", viewer_id)
    payload = scratch.get(key)
    if payload is None:
        payload = scratch[key] = copy.copy(event)
        payload.shared_results = {}  # type: ignore[union-attr]
    return payload


async def _to_event(loaders: Loaders, room_id: str, message: BusMessage) -> RoomEvent | None:
    payload = message.event
    at = _parse_at(payload.get("at"))
    kind = payload.get("kind")
    if kind == RoomEventKind.ROOM_JIRA_MAPPING_UPDATED:
        return RoomJiraMappingUpdated(room_id=strawberry.ID(room_id), at=at)
    issue_id = rooms.parse_issue_id(payload.get("issueId") or "")
    if issue_id is None:
        return None
    row = await loaders.issue.load(issue_id)
    if row is not None and str(row["room_id"]) != room_id:
        return None  # not this room's issue: ignore the hint
    if row is None or kind == RoomEventKind.ISSUE_REMOVED:
        return IssueRemoved(issue_id=strawberry.ID(str(issue_id)), issue=None, at=at)
    issue = Issue.from_row(row)
    event_type = _ISSUE_EVENTS.get(kind or "")
    return event_type(issue=issue, at=at) if event_type else None


_ISSUE_EVENTS: dict[str, Any] = {
    RoomEventKind.ISSUE_ADDED: IssueAdded,
    RoomEventKind.ISSUE_UPDATED: IssueUpdated,
    RoomEventKind.VOTING_UPDATED: VotingUpdated,
    RoomEventKind.ESTIMATE_PUSH_UPDATED: EstimatePushUpdated,
}


def _parse_at(value: object) -> datetime:
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        return datetime.now(UTC)
