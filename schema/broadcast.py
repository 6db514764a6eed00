"""Subscription events executed and encoded once per group of equal subscriptions.

A group is this process's subscriptions whose payloads cannot differ: the same source (a room),
the same viewer, the same operation text, name and variables. One task per group, its pump,
reads the source, executes each event once (with the executor of the subscription that started
the group) and encodes it once. Each member's own operation task then only writes the frames
to its socket: no per-subscriber GraphQL execution, extension hooks or JSON encoding per event.

A transport opts in by setting `WRITER` for the operation's task (web/graphql_ws.py); the
executor sets `EXECUTOR` when it resolves a subscription's root field (schema/execution.py).
Without both, a subscription runs Strawberry's per-event pipeline as usual.

Members join and leave at any time; a member joining a running group gets the events the group
reads from then on. The pump's end ends every member: a normal end completes them, an error
reaches each as its own. A member whose socket cannot keep up (`limit` frames unsent) is
ended alone with the error `overflow()` makes.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Callable, Hashable
from contextlib import aclosing
from contextvars import ContextVar
from typing import Any, Protocol

from graphql import ExecutionResult


class FrameWriter(Protocol):
    """An operation's way to its socket: `write` sends one `next` message around a payload."""

    broadcasts: Broadcasts

    async def write(self, payload_text: str) -> None: ...


WRITER: ContextVar[FrameWriter | None] = ContextVar("subscription_writer", default=None)
EXECUTOR: ContextVar[Any] = ContextVar("subscription_executor", default=None)
_OPEN = object()
# The pump yields to the writers once a member has this many frames queued; before that it
# goes on with the next event (a subscriber behind a busy room catches up in fewer loop turns).
YIELD_AT_BACKLOG = 8


class Member:
    def __init__(
        self,
        group: Group,
        writer: FrameWriter,
        limit: int,
        overflow: Callable[[], Exception],
        started_group: bool,
    ) -> None:
        self.writer = writer
        self.started_group = started_group  # True for the member whose source the group reads
        self._group = group
        self._limit = limit
        self._overflow = overflow
        self._frames: deque[str] = deque()
        self._ready = asyncio.Event()
        self._outcome: object = _OPEN  # _OPEN, None (ended) or the exception to raise
        self._writing: asyncio.Future[None] | None = None

    def offer(self, payload_text: str) -> int:
        """Queue a frame; returns how many are queued now."""
        if self._outcome is not _OPEN:
            return 0
        if len(self._frames) >= self._limit:
            self._frames.clear()
            self.finish(self._overflow())
            return 0
        self._frames.append(payload_text)
        self._ready.set()
        return len(self._frames)

    def finish(self, outcome: BaseException | None) -> None:
        if self._outcome is _OPEN:
            self._outcome = outcome
            self._ready.set()

    def __aiter__(self) -> Member:
        return self

    async def __anext__(self) -> None:
        """Writes the group's frames until the member ends; never yields an item (the frames
        go straight to the writer), so the subscription's own pipeline never runs per event.
        The writing runs in a task of its own: waking it per event is cheaper than resuming
        the operation's deep stack (Strawberry, graphql-core and the resolver's generators)."""
        if self._writing is None:
            self._writing = asyncio.ensure_future(self._write_until_ended())
        await self._writing  # cancelled with the operation
        raise StopAsyncIteration

    async def aclose(self) -> None:
        """Leave the group (its last member stops its pump)."""
        self._group.leave(self)
        if self._writing is not None:
            self._writing.cancel()

    async def _write_until_ended(self) -> None:
        while True:
            while self._frames:
                await self.writer.write(self._frames.popleft())
            if self._outcome is not _OPEN:
                if isinstance(self._outcome, BaseException):
                    raise self._outcome
                return
            self._ready.clear()
            await self._ready.wait()


class Group:
    def __init__(
        self,
        broadcasts: Broadcasts,
        key: Hashable,
        source: AsyncIterator[Any],
        executor: Any,
    ) -> None:
        self.key = key
        self.members: list[Member] = []
        self._broadcasts = broadcasts
        self._executor = executor
        self._task = asyncio.ensure_future(self._pump(source))

    def leave(self, member: Member) -> None:
        if member in self.members:
            self.members.remove(member)
        if not self.members:
            self._broadcasts.forget(self)
            self._task.cancel()

    async def _pump(self, source: AsyncIterator[Any]) -> None:
        outcome: BaseException | None = None
        try:
            async with aclosing(source):  # type: ignore[type-var]
                async for payload in source:
                    text = await self._render(payload)
                    backlog = max((member.offer(text) for member in self.members), default=0)
                    if backlog >= min(YIELD_AT_BACKLOG, max(1, self._broadcasts.limit // 2)):
                        # Let the members write: only one whose socket cannot take its
                        # frames should fall `limit` behind, not one the pump outran.
                        await asyncio.sleep(0)
        except Exception as exc:  # cancellation (the last member left) is not caught here
            outcome = exc
        finally:
            self._broadcasts.forget(self)
            for member in self.members:
                member.finish(outcome)

    async def _render(self, payload: Any) -> str:
        result = self._executor.build_per_event_executor(payload).execute_operation()
        if self._executor.is_awaitable(result):
            result = await result
        return self._broadcasts.encode(result)


class Broadcasts:
    """This process's groups, by key."""

    def __init__(self, limit: int, encode: Callable[[ExecutionResult], str]) -> None:
        self.limit = limit
        self.encode = encode  # an event's result as the `next` payload's JSON
        self._groups: dict[Hashable, Group] = {}

    def forget(self, group: Group) -> None:
        if self._groups.get(group.key) is group:
            del self._groups[group.key]

    def group_count(self) -> int:
        return len(self._groups)

    def join(
        self,
        key: Hashable,
        writer: FrameWriter,
        executor: Any,
        source: Callable[[], AsyncIterator[Any]],
        overflow: Callable[[], Exception],
    ) -> Member:
        """A member of the group for `key`; `source()` is called only to start a new group."""
        group = self._groups.get(key)
        started = group is None
        if group is None:
            group = self._groups[key] = Group(self, key, source(), executor)
        member = Member(group, writer, self.limit, overflow, started)
        group.members.append(member)
        return member


def resolved(value: Any) -> asyncio.Future[Any]:
    """A future already holding `value`: what a shared per-event read or execution stores when
    it finished without waiting, so later subscribers take it without a loop turn."""
    future = asyncio.get_running_loop().create_future()
    future.set_result(value)
    return future
