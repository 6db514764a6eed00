"""Room events: the hints services publish on the bus after a change is committed.

An event is `{"kind": RoomEventKind, "issueId": str | None, "at": ISO-8601 UTC}`, and for
MEMBER_UPDATED also `"userId": str` and `"removed": bool`; receivers read the current state
from the database. Publishing never fails the change that caused it. Given a tracer, a
publish is the span `room_event publish` (room id, kind, issue id).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from opentelemetry.trace import SpanKind, Tracer

from core.bus import RoomBus

log = logging.getLogger(__name__)


class RoomEventKind(StrEnum):
    ISSUE_ADDED = "ISSUE_ADDED"
    ISSUE_UPDATED = "ISSUE_UPDATED"
    ISSUE_REMOVED = "ISSUE_REMOVED"
    VOTING_UPDATED = "VOTING_UPDATED"
    ESTIMATE_PUSH_UPDATED = "ESTIMATE_PUSH_UPDATED"
    ROOM_JIRA_MAPPING_UPDATED = "ROOM_JIRA_MAPPING_UPDATED"
    ROOM_UPDATED = "ROOM_UPDATED"  # name, cards, autoReveal, defaultVotingSeconds
    MEMBER_UPDATED = "MEMBER_UPDATED"  # joined, role changed, removed or left, online or not


def room_event(kind: RoomEventKind, issue_id: int | None = None, **extra: object) -> dict[str, Any]:
    return {
        "kind": kind.value,
        "issueId": str(issue_id) if issue_id is not None else None,
        "at": datetime.now(UTC).isoformat(),
        **extra,
    }


async def publish_room_event(
    bus: RoomBus | None,
    room_id: object,
    kind: RoomEventKind,
    issue_id: int | None = None,
    *,
    tracer: Tracer | None = None,
) -> None:
    """Tell the room's subscribers that something changed. Call after the transaction commits."""
    if tracer is None:
        await _publish(bus, room_id, room_event(kind, issue_id))
        return
    attributes = {"agilekit.room.id": str(room_id), "agilekit.room_event.kind": kind.value}
    if issue_id is not None:
        attributes["agilekit.issue.id"] = str(issue_id)
    with tracer.start_as_current_span(
        "room_event publish", kind=SpanKind.PRODUCER, attributes=attributes
    ):
        await _publish(bus, room_id, room_event(kind, issue_id))


async def publish_member_event(
    bus: RoomBus | None,
    room_id: object,
    user_id: int,
    *,
    removed: bool = False,
    role: str | None = None,
    joined_at: datetime | None = None,
) -> None:
    """A member joined, changed role, went online or offline, or (`removed`, with the role and
    joining time they had) is gone."""
    extra: dict[str, object] = {"userId": str(user_id), "removed": removed}
    if role is not None:
        extra["role"] = role
    if joined_at is not None:
        extra["joinedAt"] = joined_at.isoformat()
    await _publish(bus, room_id, room_event(RoomEventKind.MEMBER_UPDATED, **extra))


async def _publish(bus: RoomBus | None, room_id: object, event: dict[str, Any]) -> None:
    if bus is None:
        return
    kind = event["kind"]
    try:
        await bus.publish(str(room_id), event)
    except Exception:  # a lost hint must not undo or fail a committed change
        log.exception("room event %s for room %s not published", kind, room_id)
