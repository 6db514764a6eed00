"""core/group_commit.py: concurrent submissions written together, each answered on its own."""

from __future__ import annotations

import asyncio
import contextvars
from typing import Any

import pytest

from core.group_commit import GroupCommit


class Writes:
    """A write that waits for `answer`, records each group, and refuses odd numbers."""

    def __init__(self) -> None:
        self.groups: list[list[int]] = []
        self.answer = asyncio.Event()
        self.answer.set()

    async def __call__(self, items: list[int]) -> list[int]:
        self.groups.append(items)
        await self.answer.wait()
        if any(item % 2 for item in items):
            raise ValueError(f"odd in {items}")
        return [item * 10 for item in items]


async def write_in_flight(
    item: int, **options: Any
) -> tuple[Writes, GroupCommit[int, int], asyncio.Task[int]]:
    """A commit whose first write (of `item`) is in flight, waiting for `writes.answer`."""
    writes = Writes()
    commit = GroupCommit(writes, **options)
    writes.answer.clear()
    first = asyncio.create_task(commit.submit(item))
    await asyncio.sleep(0)
    return writes, commit, first


async def test_a_lone_submission_is_written_at_once() -> None:
    writes = Writes()
    assert await GroupCommit(writes).submit(2) == 20
    assert writes.groups == [[2]]


async def test_submissions_arriving_during_a_write_go_together_in_the_next() -> None:
    writes, commit, first = await write_in_flight(2)
    rest = [asyncio.create_task(commit.submit(n)) for n in (4, 6, 8)]
    await asyncio.sleep(0)
    writes.answer.set()
    assert [await first, *await asyncio.gather(*rest)] == [20, 40, 60, 80]
    assert writes.groups == [[2], [4, 6, 8]]


async def test_a_group_is_at_most_max_group_items() -> None:
    writes = Writes()
    commit = GroupCommit(writes, max_group=2)
    results = await asyncio.gather(*(commit.submit(n) for n in (2, 4, 6, 8, 10)))
    assert results == [20, 40, 60, 80, 100]
    assert writes.groups == [[2, 4], [6, 8], [10]]


async def test_a_failing_group_is_written_one_by_one_so_only_the_culprit_fails() -> None:
    writes = Writes()
    commit = GroupCommit(writes)
    results = await asyncio.gather(*(commit.submit(n) for n in (2, 3, 4)), return_exceptions=True)
    assert results[0] == 20 and results[2] == 40
    assert isinstance(results[1], ValueError) and str(results[1]) == "odd in [3]"
    assert writes.groups == [[2, 3, 4], [2], [3], [4]]


async def test_a_cancelled_submitter_leaves_the_others_answered() -> None:
    writes = Writes()
    commit = GroupCommit(writes)
    writes.answer.clear()
    gone, stays = asyncio.create_task(commit.submit(2)), asyncio.create_task(commit.submit(4))
    await asyncio.sleep(0)
    gone.cancel()
    writes.answer.set()
    assert await stays == 40
    with pytest.raises(asyncio.CancelledError):
        await gone
    assert writes.groups == [[2, 4]]  # the hung-up client's row is still written


async def test_a_wrong_number_of_results_fails_each_submitter_not_the_writer() -> None:
    async def only_sixes(items: list[int]) -> list[int]:
        return [item for item in items if item == 6]

    commit = GroupCommit(only_sixes)
    results = await asyncio.gather(commit.submit(2), commit.submit(4), return_exceptions=True)
    assert all(isinstance(result, RuntimeError) for result in results), results
    assert await commit.submit(6) == 6  # the writer goes on


async def test_a_failure_that_is_no_items_fails_the_whole_group_in_one_write() -> None:
    writes, commit, first = await write_in_flight(2, isolates=lambda exc: False)
    rest = [asyncio.create_task(commit.submit(n)) for n in (3, 4)]
    await asyncio.sleep(0)
    writes.answer.set()
    assert await first == 20
    results = await asyncio.gather(*rest, return_exceptions=True)
    assert [str(result) for result in results] == ["odd in [3, 4]"] * 2
    assert writes.groups == [[2], [3, 4]]


async def test_a_writer_cancelled_mid_write_leaves_no_submitter_waiting() -> None:
    writes, commit, first = await write_in_flight(2)
    behind = asyncio.create_task(commit.submit(4))
    await asyncio.sleep(0)
    assert commit._writer is not None
    commit._writer.cancel()  # the process shutting down
    for submitter in (first, behind):
        with pytest.raises(asyncio.CancelledError):
            await asyncio.wait_for(submitter, 1)
    writes.answer.set()
    assert await commit.submit(6) == 60  # a new writer starts


async def test_aclose_waits_for_the_writes_in_flight() -> None:
    writes, commit, submitted = await write_in_flight(2)
    closing = asyncio.create_task(commit.aclose())
    await asyncio.sleep(0.01)
    assert not closing.done()
    writes.answer.set()
    await closing
    assert submitted.done() and submitted.result() == 20


async def test_the_write_runs_outside_the_first_submitters_context() -> None:
    seen: list[str | None] = []
    request = contextvars.ContextVar[str | None]("request", default=None)

    async def write(items: list[int]) -> list[int]:
        seen.append(request.get())
        return items

    commit = GroupCommit(write)
    request.set("first request")
    assert await commit.submit(1) == 1
    assert seen == [None]
