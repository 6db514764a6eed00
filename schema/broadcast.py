"""Subscription events executed and encoded once per group of equal subscriptions.

A group is this process's subscriptions whose payloads cannot differ: the same source (a room),
the same viewer, the same operation text, name and variables. One task per group, its pump,
reads the source, executes each event once (with the executor of the subscription that started
the group), encodes it once and writes it to every member's socket: no per-subscriber GraphQL
execution, extension hooks, JSON encoding or task switch per event. A socket that cannot take a
frame at once gets it (and the ones after it) from a task of its own.

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
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Generator, Hashable
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
        self._frames: deque[str] = deque()  # waiting behind a write that could not finish
        self._sending: asyncio.Future[None] | None = None  # that write, then these frames
        self._ended = asyncio.Event()
        self._outcome: object = _OPEN  # _OPEN, None (ended) or the exception to raise

    def offer(self, payload_text: str) -> int:
        """Write a frame now if the socket takes it, else queue it; returns how many wait."""
        if self._outcome is not _OPEN:
            return 0
        if self._sending is None:
            self._write_now(payload_text)
            return 0
        if len(self._frames) >= self._limit:
            self._frames.clear()
            self.finish(self._overflow())
            return 0
        self._frames.append(payload_text)
        return len(self._frames)

    def finish(self, outcome: BaseException | None) -> None:
        if self._outcome is _OPEN:
            self._outcome = outcome
            self._ended.set()

    def __aiter__(self) -> Member:
        return self

    async def __anext__(self) -> None:
        """Waits until the member ends and its frames are written; never yields an item (the
        group writes the frames), so the subscription's own pipeline never runs per event."""
        await self._ended.wait()
        if self._sending is not None:
            await self._sending  # cancelled with the operation
        if isinstance(self._outcome, BaseException):
            raise self._outcome
        raise StopAsyncIteration

    async def aclose(self) -> None:
        """Leave the group (its last member stops its pump)."""
        self._group.leave(self)
        if self._sending is not None:
            self._sending.cancel()

    def _write_now(self, payload_text: str) -> None:
        """Runs the write in the pump: a socket that takes the frame costs no task switch (a
        loop turn per subscriber and event). A write that has to wait for the socket goes on in
        a task, and later frames queue behind it."""
        write = self.writer.write(payload_text)
        try:
            waiting_on = write.send(None)
        except StopIteration:
            return
        except Exception as exc:  # the socket is gone: this member ends with it
            self._fail(exc)
            return
        self._sending = asyncio.ensure_future(self._send_rest(_Resumed(write, waiting_on)))

    async def _send_rest(self, suspended: Awaitable[None]) -> None:
        try:
            await suspended
            while self._frames:
                await self.writer.write(self._frames.popleft())
        except Exception as exc:
            self._frames.clear()
            self._fail(exc)
        finally:
            self._sending = None

    def _fail(self, exc: Exception) -> None:
        """A failed write ends the member with its error, even one the group had completed."""
        if not isinstance(self._outcome, BaseException):
            self._outcome = exc
            self._ended.set()


class _Resumed:
    """Awaiting it finishes a coroutine that already ran up to its first suspension (on
    `waiting_on`), passing on what the awaiting task is sent or thrown (a cancellation)."""

    def __init__(self, coroutine: Coroutine[Any, Any, None], waiting_on: Any) -> None:
        self._coroutine = coroutine
        self._waiting_on = waiting_on

    def __await__(self) -> Generator[Any, Any, None]:
        coroutine, waiting_on = self._coroutine, self._waiting_on
        while True:
            try:
                sent = yield waiting_on
            except BaseException as exc:
                try:
                    waiting_on = coroutine.throw(exc)
                except StopIteration:
                    return
            else:
                try:
                    waiting_on = coroutine.send(sent)
                except StopIteration:
                    return


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
