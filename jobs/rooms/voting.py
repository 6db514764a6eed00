"""Jobs: a round's timer (services/rooms/voting.py). `reveal_round` is queued deferred to the
round's end; a sweep every few seconds reveals any round whose job was lost (a restarted
in-process queue, an emptied Redis). Revealing twice is impossible: the second finds it done."""

from __future__ import annotations

from typing import Any

from services.rooms.voting import overdue_rounds, reveal_when_due

REVEAL_ROUND = "reveal_round"
REVEAL_OVERDUE_ROUNDS = "reveal_overdue_rounds"
SWEEP_SECONDS = frozenset(range(0, 60, 5))


async def reveal_round(ctx: dict[str, Any], issue_id: int, voting_round: int) -> bool:
    return await reveal_when_due(ctx["runtime"], int(issue_id), int(voting_round))


async def reveal_overdue_rounds(ctx: dict[str, Any]) -> int:
    revealed = 0
    for issue_id, voting_round in await overdue_rounds():
        revealed += await reveal_when_due(ctx["runtime"], issue_id, voting_round)
    return revealed
