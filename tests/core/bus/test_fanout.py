"""Local fan-out: bounded queues, slow subscribers ended with an error, unsubscribe on close."""

from __future__ import annotations

import asyncio

import pytest

from core.bus import LocalFanout, MemoryBus, SlowSubscriber
from core.bus.fanout import iterate


async def test_messages_reach_only_the_rooms_subscribers_in_order() -> None:
    bus = MemoryBus()
    first, second, other = bus.subscribe("a"), bus.subscribe("a"), bus.subscribe("b")
    for n in range(3):
        await bus.publish("a", {"n": n})
    assert [(await anext(first)).event["n"] for _ in range(3)] == [0, 1, 2]
    assert [(await anext(second)).event["n"] for _ in range(3)] == [0, 1, 2]
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(anext(other), 0.05)


async def test_one_message_object_is_shared_by_local_subscribers() -> None:
    bus = MemoryBus()
    first, second = bus.subscribe("a"), bus.subscribe("a")
    await bus.publish("a", {"n": 1})
    assert (await anext(first)) is (await anext(second))


async def test_slow_subscriber_is_closed_with_an_error_and_memory_stays_bounded() -> None:
    fanout = LocalFanout(queue_size=4)
    slow, fast = fanout.subscribe("r"), fanout.subscribe("r")
    received = []
    for n in range(10):
        fanout.deliver("r", {"n": n})
        received.append((await anext(fast)).event["n"])
    assert received == list(range(10))
    assert fanout.subscriber_count("r") == 1  # the slow one was dropped at the 5th message
    with pytest.raises(SlowSubscriber):
        await anext(slow)
    with pytest.raises(StopAsyncIteration):
        await anext(slow)


async def test_closing_unregisters_and_wakes_a_waiting_reader() -> None:
    fanout = LocalFanout()
    subscription = fanout.subscribe("r")
    messages = iterate(subscription)
    waiting = asyncio.ensure_future(anext(messages))
    await asyncio.sleep(0)
    subscription.close()
    with pytest.raises(StopAsyncIteration):
        await waiting
    assert fanout.subscriber_count() == 0


async def test_generator_close_unregisters() -> None:
    fanout = LocalFanout()
    messages = iterate(fanout.subscribe("r"))
    fanout.deliver("r", {"n": 1})
    assert (await anext(messages)).event == {"n": 1}
    await messages.aclose()
    assert fanout.subscriber_count() == 0


async def test_a_queued_issue_update_makes_a_newer_equal_one_redundant() -> None:
    """A subscriber reads the issue when it delivers the event: the queued one will show the
    newest state, so an equal event behind it is dropped (its place kept: no starvation) and a
    burst of edits to a few issues cannot overflow the queue."""
    fanout = LocalFanout(queue_size=4)
    reader = fanout.subscribe("r")
    for n in range(50):
        for issue in ("1", "2"):
            fanout.deliver("r", {"kind": "ISSUE_UPDATED", "issueId": issue, "n": n})
    fanout.deliver("r", {"kind": "ISSUE_REMOVED", "issueId": "1"})
    fanout.deliver("r", {"kind": "ISSUE_REMOVED", "issueId": "1"})  # not supersedable
    got = [(await anext(reader)).event for _ in range(4)]
    assert [(e["kind"], e["issueId"]) for e in got] == [
        ("ISSUE_UPDATED", "1"),
        ("ISSUE_UPDATED", "2"),
        ("ISSUE_REMOVED", "1"),
        ("ISSUE_REMOVED", "1"),
    ]
    assert got[0]["n"] == 0  # the first one queued, kept in its place
    fanout.deliver(
        "r", {"kind": "ISSUE_UPDATED", "issueId": "1", "n": 99}
    )  # delivered: queued again
    assert (await anext(reader)).event["n"] == 99
    assert fanout.subscriber_count("r") == 1


async def test_an_update_read_ahead_of_its_delivery_no_longer_supersedes() -> None:
    fanout = LocalFanout(queue_size=8)
    reader = fanout.subscribe("r")
    fanout.deliver("r", {"kind": "ISSUE_UPDATED", "issueId": "1", "n": 1})
    [queued] = reader.queued(5)
    queued.scratch["loaders"] = object()  # its reads started now: a later change must follow
    fanout.deliver("r", {"kind": "ISSUE_UPDATED", "issueId": "2", "n": 2})
    fanout.deliver("r", {"kind": "ISSUE_UPDATED", "issueId": "1", "n": 3})  # takes 1's place
    fanout.deliver("r", {"kind": "ISSUE_UPDATED", "issueId": "1", "n": 4})  # 3 will read it
    assert [(await anext(reader)).event["n"] for _ in range(2)] == [3, 2]
    assert not reader.queued(5)


async def test_an_update_another_subscriber_already_read_no_longer_supersedes() -> None:
    """Local subscribers share one message object: once one of them has delivered it (its
    scratch holds what was read), the message is stale for the others still holding it."""
    fanout = LocalFanout(queue_size=8)
    fast, slow = fanout.subscribe("r"), fanout.subscribe("r")
    fanout.deliver("r", {"kind": "VOTING_UPDATED", "issueId": "7", "n": 1})
    first = await anext(fast)
    first.scratch["event"] = "read at n=1"  # what the resolver shares with the other readers
    fanout.deliver("r", {"kind": "VOTING_UPDATED", "issueId": "7", "n": 2})
    assert [(await anext(slow)).event["n"]] == [2]  # not the stale n=1
    assert (await anext(fast)).event["n"] == 2
    assert not slow.queued(5) and not fast.queued(5)
