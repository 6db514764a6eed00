"""The roomEvents subscription: every change in a room, to its members, in order.

Refuses non-members and unknown rooms alike with FORBIDDEN. While it runs, the subscriber counts
as online in the room (presence, across processes; MEMBER_UPDATED announces each change). Every
event re-checks membership, through one read shared by this process's subscribers of the
event: a removed member's subscriptions end at the removal's own event, on every process.
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import AsyncGenerator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.types import Info

from core.bus import BusMessage, SlowSubscriber
from core.bus import Subscription as BusSubscription
from core.bus.fanout import iterate
from resolvers.errors import Forbidden
from resolvers.permissions import require_user
from resolvers.rooms import guarded
from schema.broadcast import EXECUTOR, WRITER, FrameWriter, Member, resolved
from schema.context import Context
from schema.loaders import Loaders
from schema.types.issues import Issue
from schema.types.room_events import (
    EstimatePushUpdated,
    IssueAdded,
    IssueRemoved,
    IssueUpdated,
    MemberUpdated,
    RoomEvent,
    RoomJiraMappingUpdated,
    RoomUpdated,
    VotingUpdated,
)
from schema.types.rooms import Room, RoomMember
from services.rooms import rooms
from services.rooms.access import RoomAccessDenied, parse_issue_id
from services.rooms.events import RoomEventKind, publish_member_event
from services.runtime import Runtime

SLOW_SUBSCRIBER = "SLOW_SUBSCRIBER"  # extensions.code when a client fell too far behind
READ_AHEAD = 50  # queued events whose issue reads join the current event's query


@strawberry.type
class Subscription:
    @strawberry.subscription(description="Every change in a room you are a member of, in order.")
    async def room_events(
        self, info: Info[Context, None], room_id: strawberry.ID
    ) -> AsyncGenerator[RoomEvent, None]:
        # A plain coroutine returning the generator: refusals surface before the stream starts.
        user = await require_user(info)
        room = await guarded(rooms.room_for_member(user.id, room_id))
        bus = info.context.runtime.bus
        if room is None or bus is None:
            raise Forbidden(RoomAccessDenied.default_message)
        events = _Events(info, str(room.id), user.id, bus.subscribe(str(room.id)))
        return _present(events, WRITER.get(), EXECUTOR.get())


@dataclass
class _Events:
    info: Info[Context, None]
    room_id: str
    user_id: int
    subscription: BusSubscription

    def __call__(self) -> AsyncGenerator[RoomEvent, None]:
        return _room_events(self.info, self.room_id, self.user_id, self.subscription)


async def _present(
    events: _Events, writer: FrameWriter | None, executor: Any
) -> AsyncGenerator[RoomEvent, None]:
    """The events, with the subscriber online in the room for as long as they flow."""
    info, room_id, user_id = events.info, events.room_id, events.user_id
    runtime = info.context.runtime
    active = runtime.metrics.subscriptions_active
    active.inc()
    deliveries = _deliveries(events, writer, executor)  # before arriving: it sees the arrival
    visit = None
    try:
        visit = await runtime.presence.enter(room_id, user_id)
        if visit.arrived:
            await publish_member_event(runtime.bus, room_id, user_id)
        async for event in deliveries:
            yield event
    finally:
        try:
            # Stop receiving before the departure goes out: when a whole room leaves at once
            # (the meeting ends), a subscription still open while its own departure went to
            # Redis queued everyone else's and ended as a slow subscriber.
            await deliveries.aclose()
        finally:
            active.dec()
            if visit is not None:
                await asyncio.shield(_leave(runtime, visit, room_id, user_id))


async def _leave(runtime: Runtime, visit: Any, room_id: str, user_id: int) -> None:
    if await runtime.presence.leave(visit):
        await publish_member_event(runtime.bus, room_id, user_id)


def _deliveries(
    events: _Events, writer: FrameWriter | None, executor: Any
) -> AsyncGenerator[RoomEvent, None] | Member:
    """Through the transport, the subscriber joins the group of this process's subscribers
    with the same viewer and operation, which executes and encodes each event once for all
    (schema/broadcast.py); else it executes its events itself."""
    if writer is None or executor is None:
        return events()
    key = ("roomEvents", events.room_id, events.user_id, executor.share_key())
    member = writer.broadcasts.join(key, writer, executor, events, _slow_subscriber)
    if not member.started_group:
        events.subscription.close()  # the group reads the room through its own subscription
    return member


def _slow_subscriber() -> GraphQLError:
    return GraphQLError(SlowSubscriber.default_message, extensions={"code": SLOW_SUBSCRIBER})


async def _room_events(
    info: Info[Context, None], room_id: str, viewer_id: int, subscription: BusSubscription
) -> AsyncGenerator[RoomEvent, None]:
    room_uuid = rooms.parse_room_id(room_id)
    messages = iterate(subscription)
    try:
        while True:
            try:
                message = await anext(messages)
            except StopAsyncIteration:
                return
            except SlowSubscriber as exc:  # ends this subscription with a clear, expected error
                raise GraphQLError(str(exc), extensions={"code": SLOW_SUBSCRIBER}) from None
            # Fresh loaders per event, shared by this process's subscribers of the same message.
            loaders = message.scratch.get("loaders")
            if loaders is None:
                loaders = message.scratch["loaders"] = Loaders(info.context.runtime.presence)
                _lend_to_queued(loaders, subscription)
            info.context.fresh_loaders(loaders)
            # The membership check and the event's own reads run together (one round trip);
            # what is read already (read ahead, or by another subscriber) costs no loop turn.
            reading = message.scratch.get("event")  # one read per message for every subscriber
            if reading is None:
                reading = message.scratch["event"] = _reading(loaders, room_id, message)
            member_ids = await loaders.room_member_ids.load(room_uuid)
            event = reading.result() if reading.done() else await asyncio.shield(reading)
            if viewer_id not in member_ids:
                return  # removed, or left: the subscription ends
            if event is not None:
                yield _for_viewer(message.scratch, event, viewer_id)
    finally:
        subscription.close()  # now, not when the generator above is finalised


def _lend_to_queued(loaders: Loaders, subscription: BusSubscription) -> None:
    """A subscriber behind the room: the events queued behind this one read with its loaders,
    their issues in this event's query (one round trip for a backlog, not one per event).
    They were published before this read, so what they show is at least as new as their
    change. Never past a member change: membership is read again after it."""
    for queued in subscription.queued(READ_AHEAD):
        if queued.event.get("kind") == RoomEventKind.MEMBER_UPDATED or "loaders" in queued.scratch:
            break
        queued.scratch["loaders"] = loaders  # its reads start now (core/bus/fanout.py)
        issue_id = parse_issue_id(queued.event.get("issueId") or "")
        if issue_id is not None:  # awaited when the queued event is delivered
            loaders.issue.load(issue_id).add_done_callback(_observed)


def _observed(read: asyncio.Future[Any]) -> None:
    if not read.cancelled():
        read.exception()  # a failed read is reported where it is awaited, not as unretrieved


def _for_viewer(scratch: dict[str, Any], event: RoomEvent, viewer_id: int | None) -> RoomEvent:
    """One payload object per message and viewer: only votes differ between viewers, so
    subscribers with the same viewer share one execution (schema/execution.py)."""
    key = ("viewer-event", viewer_id)
    payload = scratch.get(key)
    if payload is None:
        payload = scratch[key] = copy.copy(event)
        payload.shared_results = {}  # type: ignore[union-attr]
    return payload


def _reading(loaders: Loaders, room_id: str, message: BusMessage) -> asyncio.Future[Any]:
    """The message's event, done at once when what it shows has been read (read ahead)."""
    payload = message.event
    kind = payload.get("kind")
    issue_id = parse_issue_id(payload.get("issueId") or "")
    if kind in _ISSUE_KINDS and issue_id is not None:
        read = loaders.issue.load(issue_id)
        if read.done() and not read.cancelled() and read.exception() is None:
            at = _parse_at(payload.get("at"))
            return resolved(_issue_event(room_id, kind, issue_id, read.result(), at))
    return asyncio.ensure_future(_to_event(loaders, room_id, message))


async def _to_event(loaders: Loaders, room_id: str, message: BusMessage) -> RoomEvent | None:
    payload = message.event
    at = _parse_at(payload.get("at"))
    kind = payload.get("kind")
    if kind == RoomEventKind.ROOM_JIRA_MAPPING_UPDATED:
        return RoomJiraMappingUpdated(room_id=strawberry.ID(room_id), at=at)
    if kind == RoomEventKind.ROOM_UPDATED:
        room = await rooms.get_room(room_id)
        return RoomUpdated(room=Room.from_model(room), at=at) if room else None
    if kind == RoomEventKind.MEMBER_UPDATED:
        return await _member_event(loaders, room_id, payload, at)
    issue_id = parse_issue_id(payload.get("issueId") or "")
    if issue_id is None:
        return None
    return _issue_event(room_id, kind, issue_id, await loaders.issue.load(issue_id), at)


def _issue_event(
    room_id: str, kind: object, issue_id: int, row: dict[str, Any] | None, at: datetime
) -> RoomEvent | None:
    if row is not None and str(row["room_id"]) != room_id:
        return None  # not this room's issue: ignore the hint
    if row is None or kind == RoomEventKind.ISSUE_REMOVED:
        return IssueRemoved(issue_id=strawberry.ID(str(issue_id)), issue=None, at=at)
    event_type = _ISSUE_EVENTS.get(str(kind))
    return event_type(issue=Issue.from_row(row), at=at) if event_type else None


async def _member_event(
    loaders: Loaders, room_id: str, payload: dict[str, Any], at: datetime
) -> MemberUpdated | None:
    """The member as they are now; a removed one as they were (the event says their role)."""
    user_id = parse_issue_id(payload.get("userId") or "")  # the same positive-int rule
    if user_id is None:
        return None
    room_uuid = rooms.parse_room_id(room_id)
    rows = await loaders.room_memberships.load(room_uuid)
    row = next((row for row in rows if row["user_id"] == user_id), None)
    if row is None:
        role, joined = payload.get("role") or "VOTER", payload.get("joinedAt")
        row = {"user_id": user_id, "role": role, "joined_at": _parse_at(joined)}
    member = RoomMember.from_row(room_uuid, row)  # type: ignore[arg-type]
    return MemberUpdated(membership=member, removed=bool(payload.get("removed")), at=at)


_ISSUE_EVENTS: dict[str, Any] = {
    RoomEventKind.ISSUE_ADDED: IssueAdded,
    RoomEventKind.ISSUE_UPDATED: IssueUpdated,
    RoomEventKind.VOTING_UPDATED: VotingUpdated,
    RoomEventKind.ESTIMATE_PUSH_UPDATED: EstimatePushUpdated,
}


_ISSUE_KINDS = frozenset({*_ISSUE_EVENTS, RoomEventKind.ISSUE_REMOVED})


def _parse_at(value: object) -> datetime:
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        return datetime.now(UTC)
