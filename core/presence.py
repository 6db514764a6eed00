"""Room presence: a member is online in a room while they hold at least one live `roomEvents`
subscription to it, on any server process.

Each subscription is a `Visit` (`enter` ... `leave`). `visit.arrived` is True when the visit
took its user online in that room; `leave` returns True when it took them offline. Without
Redis there is one process and visits live in its memory (they die with it). With Redis each
room is a sorted set `{prefix}:presence:{room_id}` of `"{user_id}:{token}"` scored by expiry
(unix seconds): a process refreshes the scores of its own visits every `refresh_s`, so the
visits of a process that died without leaving stop counting after `ttl_s` and are removed
lazily. Processes must share `ttl_s` and keep their clocks in sync to well within it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import redis.asyncio as aioredis

log = logging.getLogger(__name__)

# Drop expired members, then: does the user (ARGV[1] = "uid:") have a live member left?
_USER_LIVE = """
redis.call('zremrangebyscore', KEYS[1], '-inf', ARGV[2])
for _, member in ipairs(redis.call('zrange', KEYS[1], 0, -1)) do
  if string.sub(member, 1, #ARGV[1]) == ARGV[1] then return 1 end
end
return 0
"""
# ARGV: "uid:", now, member, expiry, ttl_ms. Returns 1 if no other live visit of the user.
_ENTER_SCRIPT = f"""
local function user_live() {_USER_LIVE} end
local live = user_live()
redis.call('zadd', KEYS[1], ARGV[4], ARGV[3])
redis.call('pexpire', KEYS[1], ARGV[5])
return 1 - live
"""
# ARGV: "uid:", now, member. Returns 1 if no live visit of the user remains.
_LEAVE_SCRIPT = f"""
redis.call('zrem', KEYS[1], ARGV[3])
local function user_live() {_USER_LIVE} end
return 1 - user_live()
"""


@dataclass(frozen=True, slots=True)
class Visit:
    """One live subscription of `user_id` to `room_id`; `token` makes it unique."""

    room_id: str
    user_id: int
    token: str
    arrived: bool  # this visit took the user online in the room


class Presence(Protocol):
    """`enter`: register one live subscription; `arrived` if the user was offline in the room.
    `leave`: end a visit; True iff this call took the user offline (a repeat returns False).
    `online`: for each room, in order, the ids of the users online there now.
    `close`: stop background work; visits still held then expire (or die with the memory).
    """

    async def enter(self, room_id: str, user_id: int) -> Visit: ...
    async def leave(self, visit: Visit) -> bool: ...
    async def online(self, room_ids: Sequence[str]) -> list[set[int]]: ...
    async def close(self) -> None: ...


def make_presence(
    redis: aioredis.Redis | None, prefix: str, *, ttl_s: float = 15.0, refresh_s: float = 5.0
) -> Presence:
    """Redis-backed presence shared by all processes, or in-memory for a single process."""
    if redis is None:
        return MemoryPresence()
    if not 0 < refresh_s < ttl_s:
        raise ValueError("presence needs 0 < refresh_s < ttl_s")
    return RedisPresence(redis, prefix, ttl_s=ttl_s, refresh_s=refresh_s)


class MemoryPresence:
    """One process: room -> token -> user id. Nothing to expire or refresh."""

    def __init__(self) -> None:
        self._rooms: dict[str, dict[str, int]] = {}

    async def enter(self, room_id: str, user_id: int) -> Visit:
        visits = self._rooms.setdefault(room_id, {})
        arrived = user_id not in visits.values()
        visit = Visit(room_id, user_id, secrets.token_hex(8), arrived)
        visits[visit.token] = user_id
        return visit

    async def leave(self, visit: Visit) -> bool:
        visits = self._rooms.get(visit.room_id, {})
        if visits.pop(visit.token, None) is None:
            return False  # already left (or not ours)
        if not visits:
            del self._rooms[visit.room_id]
        return visit.user_id not in visits.values()

    async def online(self, room_ids: Sequence[str]) -> list[set[int]]:
        return [set(self._rooms.get(room_id, {}).values()) for room_id in room_ids]

    async def close(self) -> None:
        return None


class RedisPresence:
    """Sorted sets in Redis; this process refreshes the visits it holds in one background task.

    `enter`, `leave` and `online` raise Redis errors to the caller; the refresh loop logs one
    WARNING per outage and keeps going (visits not refreshed meanwhile may expire, and are
    re-added by the first refresh that succeeds).
    """

    def __init__(
        self, redis: aioredis.Redis, prefix: str, *, ttl_s: float, refresh_s: float
    ) -> None:
        self.redis = redis
        self.prefix = prefix
        self.ttl_s = ttl_s
        self.refresh_s = refresh_s
        self._held: dict[str, Visit] = {}  # token -> visit, this process's live visits
        self._refresher: asyncio.Task[None] | None = None
        self._failing = False  # in an outage: warned once, waiting for a refresh to succeed
        self._ttl_ms = int(ttl_s * 1000)
        self._enter = redis.register_script(_ENTER_SCRIPT)
        self._leave = redis.register_script(_LEAVE_SCRIPT)

    def key(self, room_id: str) -> str:
        return f"{self.prefix}:presence:{room_id}"

    async def enter(self, room_id: str, user_id: int) -> Visit:
        token, now = secrets.token_hex(8), time.time()
        args = [f"{user_id}:", now, f"{user_id}:{token}", now + self.ttl_s, self._ttl_ms]
        arrived = bool(await self._enter(keys=[self.key(room_id)], args=args))
        visit = Visit(room_id, user_id, token, arrived)
        self._held[token] = visit
        if self._refresher is None or self._refresher.done():
            self._refresher = asyncio.create_task(self._refresh_forever(), name="presence")
        return visit

    async def leave(self, visit: Visit) -> bool:
        if self._held.pop(visit.token, None) is None:
            return False  # already left (or not ours)
        member = f"{visit.user_id}:{visit.token}"
        args = [f"{visit.user_id}:", time.time(), member]
        return bool(await self._leave(keys=[self.key(visit.room_id)], args=args))

    async def online(self, room_ids: Sequence[str]) -> list[set[int]]:
        now = time.time()  # an empty pipeline returns [] without a round trip
        async with self.redis.pipeline(transaction=False) as pipe:
            for room_id in room_ids:
                pipe.zrangebyscore(self.key(room_id), now, "+inf")
            results = await pipe.execute()
        return [{_user_id(member) for member in members} for members in results]

    async def close(self) -> None:
        if self._refresher is not None:
            self._refresher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._refresher
            self._refresher = None

    async def _refresh_forever(self) -> None:
        while True:
            await asyncio.sleep(self.refresh_s)
            try:
                await self.refresh()
            except Exception as exc:  # Redis down or slow: try again next time
                if not self._failing:
                    log.warning("presence: refresh failed, will retry: %s", exc)
                self._failing = True
            else:
                if self._failing:
                    log.warning("presence: refresh works again")
                self._failing = False

    async def refresh(self) -> None:
        """Push out the expiry of every visit held here (one round trip), dropping stale ones."""
        snapshot = list(self._held.values())  # nothing held: empty pipelines, no round trip
        now = time.time()
        by_room: dict[str, dict[str, float]] = defaultdict(dict)
        for visit in snapshot:
            by_room[visit.room_id][f"{visit.user_id}:{visit.token}"] = now + self.ttl_s
        async with self.redis.pipeline(transaction=False) as pipe:
            for room_id, members in by_room.items():
                key = self.key(room_id)
                pipe.zadd(key, members)  # re-adds a visit that expired during an outage
                pipe.pexpire(key, self._ttl_ms)
                pipe.zremrangebyscore(key, "-inf", now)
            await pipe.execute()
        # A visit left while the ZADD was in flight may have been re-added after its ZREM:
        # remove it again (a leave after this point sends its ZREM after our ZADD ran; if
        # this fails, the ghost expires within ttl_s).
        gone = [visit for visit in snapshot if visit.token not in self._held]
        if gone:
            async with self.redis.pipeline(transaction=False) as pipe:
                for visit in gone:
                    pipe.zrem(self.key(visit.room_id), f"{visit.user_id}:{visit.token}")
                await pipe.execute()


def _user_id(member: bytes | str) -> int:
    text = member.decode() if isinstance(member, bytes) else member
    return int(text.split(":", 1)[0])
