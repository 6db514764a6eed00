"""Room events: the hints services publish on the bus after a change is committed.

An event is `{"kind": RoomEventKind, "issueId": str | None, "at": ISO-8601 UTC}`; receivers read
the current state from the database. Publishing never fails the change that caused it.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from core.bus import RoomBus

log = logging.getLogger(__name__)


class RoomEventKind(StrEnum):
    ISSUE_ADDED = "ISSUE_ADDED"
    ISSUE_UPDATED = "ISSUE_UPDATED"
    ISSUE_REMOVED = "ISSUE_REMOVED"
    VOTING_UPDATED = "VOTING_UPDATED"
    ESTIMATE_PUSH_UPDATED = "ESTIMATE_PUSH_UPDATED"
    ROOM_JIRA_MAPPING_UPDATED = "ROOM_JIRA_MAPPING_UPDATED"


def room_event(kind: RoomEventKind, issue_id: int | None = None) -> dict[str, Any]:
    return {
        "kind": kind.value,
        "issueId": str(issue_id) if issue_id is not None else None,
        "at": datetime.now(UTC).isoformat(),
    }


async def publish_room_event(
    bus: RoomBus | None, room_id: object, kind: RoomEventKind, issue_id: int | None = None
) -> None:
    """Tell the room's subscribers that something changed. Call after the transaction commits."""
    if bus is None:
        return
    try:
        await bus.publish(str(room_id), room_event(kind, issue_id))
    except Exception:  # a lost hint must not undo or fail a committed change
        log.exception("room event %s for room %s not published", kind, room_id)
