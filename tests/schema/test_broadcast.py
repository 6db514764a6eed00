"""Groups of equal subscriptions: one read and one execution per event for all members, with a
real graphql-core executor and a writer that records (or holds back) what reaches a socket."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from graphql import GraphQLError, build_schema, parse
from graphql.execution import Executor

from schema.broadcast import Broadcasts, Member
from schema.extensions import encode_result

SCHEMA = build_schema("type Query { noop: String } type Subscription { greeting: String }")
KEY = ("room", 1, "greeting")


class RecordingWriter:
    def __init__(self, broadcasts: Broadcasts, held: asyncio.Event | None = None) -> None:
        self.broadcasts = broadcasts
        self.payloads: list[Any] = []
        self._held = held

    async def write(self, payload_text: str) -> None:
        if self._held is not None:
            await self._held.wait()
        self.payloads.append(json.loads(payload_text)["data"]["greeting"])


class Source:
    """A room's events: what is put in, until None (the end) or an exception."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[Any] = asyncio.Queue()
        self.started = 0
        self.closed = 0

    def __call__(self) -> AsyncIterator[dict[str, str]]:
        self.started += 1
        return self._events()

    async def _events(self) -> AsyncIterator[dict[str, str]]:
        try:
            while (item := await self.queue.get()) is not None:
                if isinstance(item, Exception):
                    raise item
                yield {"greeting": item}
        finally:
            self.closed += 1


class Overflow(Exception):
    pass


def executor() -> Executor:
    return Executor.build(SCHEMA, parse("subscription { greeting }"))


def join(broadcasts: Broadcasts, source: Source, writer: RecordingWriter) -> Member:
    return broadcasts.join(KEY, writer, executor(), source, Overflow)


async def drain(member: Member) -> None:
    async for _ in member:
        pass


async def settle() -> None:
    for _ in range(20):
        await asyncio.sleep(0)


async def test_members_get_every_event_in_order_from_one_read() -> None:
    broadcasts, source = Broadcasts(16, encode_result), Source()
    writers = [RecordingWriter(broadcasts) for _ in range(3)]
    members = [join(broadcasts, source, writer) for writer in writers]
    assert [m.started_group for m in members] == [True, False, False]
    tasks = [asyncio.create_task(drain(m)) for m in members]
    for greeting in ("a", "b", "c"):
        source.queue.put_nowait(greeting)
    source.queue.put_nowait(None)
    await asyncio.wait_for(asyncio.gather(*tasks), 5)
    assert [w.payloads for w in writers] == [["a", "b", "c"]] * 3
    assert (source.started, source.closed, broadcasts.group_count()) == (1, 1, 0)


async def test_the_first_member_leaving_keeps_the_group_going() -> None:
    broadcasts, source = Broadcasts(16, encode_result), Source()
    first, second = RecordingWriter(broadcasts), RecordingWriter(broadcasts)
    leaving, staying = join(broadcasts, source, first), join(broadcasts, source, second)
    tasks = [asyncio.create_task(drain(m)) for m in (leaving, staying)]
    source.queue.put_nowait("a")
    await settle()
    tasks[0].cancel()
    await leaving.aclose()
    source.queue.put_nowait("b")
    await settle()
    assert (first.payloads, second.payloads) == (["a"], ["a", "b"])
    assert source.closed == 0 and broadcasts.group_count() == 1
    await staying.aclose()
    tasks[1].cancel()


async def test_the_last_member_leaving_stops_the_read_and_a_new_one_starts_again() -> None:
    broadcasts, source = Broadcasts(16, encode_result), Source()
    member = join(broadcasts, source, RecordingWriter(broadcasts))
    task = asyncio.create_task(drain(member))
    await settle()
    task.cancel()
    await member.aclose()
    await settle()
    assert (source.started, source.closed, broadcasts.group_count()) == (1, 1, 0)
    again = join(broadcasts, source, RecordingWriter(broadcasts))
    assert again.started_group and source.started == 2
    await again.aclose()


async def test_a_member_that_cannot_keep_up_is_ended_alone() -> None:
    broadcasts, source = Broadcasts(2, encode_result), Source()
    held = RecordingWriter(broadcasts, held=asyncio.Event())  # its socket takes nothing
    fast = RecordingWriter(broadcasts)
    slow_member, fast_member = join(broadcasts, source, held), join(broadcasts, source, fast)
    slow_task = asyncio.create_task(drain(slow_member))
    fast_task = asyncio.create_task(drain(fast_member))
    for greeting in "abcd":  # one in the held write, two queued, the fourth overflows
        source.queue.put_nowait(greeting)
    await settle()
    held._held.set()  # type: ignore[union-attr]
    with pytest.raises(Overflow):
        await asyncio.wait_for(slow_task, 5)
    source.queue.put_nowait("e")
    source.queue.put_nowait(None)
    await asyncio.wait_for(fast_task, 5)
    assert fast.payloads == list("abcde")
    assert held.payloads == ["a"]  # the rest was dropped with the member


async def test_a_failing_read_ends_every_member_with_its_error() -> None:
    broadcasts, source = Broadcasts(16, encode_result), Source()
    members = [join(broadcasts, source, RecordingWriter(broadcasts)) for _ in range(2)]
    tasks = [asyncio.create_task(drain(m)) for m in members]
    source.queue.put_nowait(GraphQLError("slow", extensions={"code": "SLOW_SUBSCRIBER"}))
    outcomes = await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), 5)
    assert [getattr(o, "extensions", None) for o in outcomes] == [{"code": "SLOW_SUBSCRIBER"}] * 2
    assert broadcasts.group_count() == 0


async def test_frames_offered_while_a_write_waits_follow_it_in_order() -> None:
    broadcasts, source = Broadcasts(16, encode_result), Source()
    waiting = RecordingWriter(broadcasts, held=asyncio.Event())
    member = join(broadcasts, source, waiting)
    task = asyncio.create_task(drain(member))
    for greeting in "abc":
        source.queue.put_nowait(greeting)
    await settle()
    assert waiting.payloads == []  # "a" waits for the socket, "b" and "c" behind it
    waiting._held.set()  # type: ignore[union-attr]
    await settle()
    source.queue.put_nowait("d")  # written at once again
    source.queue.put_nowait(None)
    await asyncio.wait_for(task, 5)
    assert waiting.payloads == list("abcd")


class GoneWriter(RecordingWriter):
    async def write(self, payload_text: str) -> None:
        raise ConnectionResetError("the socket is gone")


async def test_a_write_that_fails_ends_that_member_alone_with_its_error() -> None:
    broadcasts, source = Broadcasts(16, encode_result), Source()
    ok = RecordingWriter(broadcasts)
    gone_member, ok_member = (
        join(broadcasts, source, GoneWriter(broadcasts)),
        join(broadcasts, source, ok),
    )
    gone_task, ok_task = (
        asyncio.create_task(drain(gone_member)),
        asyncio.create_task(drain(ok_member)),
    )
    source.queue.put_nowait("a")
    with pytest.raises(ConnectionResetError):
        await asyncio.wait_for(gone_task, 5)
    await gone_member.aclose()  # as the operation's end does
    source.queue.put_nowait("b")
    source.queue.put_nowait(None)
    await asyncio.wait_for(ok_task, 5)
    assert ok.payloads == ["a", "b"]
