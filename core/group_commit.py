"""Group commit: writes submitted while one is in flight go to the database together.

The first submission is written at once (nothing waits for a timer); those arriving while that
write is in flight wait for it and then go together, one statement and one commit for the
group. Each submitter gets its own result, or its own exception: a group whose write fails is
written again one item at a time, so the failure belongs to the item that caused it. Failures
that are not any one item's (`isolates(exc)` false: the server is down or unreachable) go to
every submitter of the group at once: retrying each item would only queue them behind it.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")

MAX_GROUP = 100


class GroupCommit(Generic[T, R]):
    """`write(items)` answers one result per item, in their order."""

    def __init__(
        self,
        write: Callable[[list[T]], Awaitable[list[R]]],
        max_group: int = MAX_GROUP,
        *,
        isolates: Callable[[Exception], bool] = lambda exc: True,
    ) -> None:
        self._write = write
        self._max_group = max_group
        self._isolates = isolates
        self._waiting: list[tuple[T, asyncio.Future[R]]] = []
        self._writer: asyncio.Task[None] | None = None
        self.groups = 0  # writes made (for tests and benchmarks)

    async def submit(self, item: T) -> R:
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._waiting.append((item, future))
        if self._writer is None or self._writer.done():
            # A context of its own: the write serves many callers, not the first one's request
            # (its request id, its span, a transaction it might be in).
            self._writer = asyncio.create_task(
                self._write_waiting(), name="group-commit", context=contextvars.Context()
            )
        return await future

    async def aclose(self) -> None:
        """Wait for the writes already submitted (before closing what they write to)."""
        if self._writer is not None:
            await asyncio.wait([self._writer])

    async def _write_waiting(self) -> None:
        try:
            while self._waiting:
                group = self._waiting[: self._max_group]
                del self._waiting[: self._max_group]
                try:
                    await self._write_group(group)
                finally:  # cancelled (shutdown) mid-group: nobody is left waiting forever
                    for _, future in group:
                        _settle(future, error=asyncio.CancelledError())
        except BaseException as exc:
            for _, future in self._waiting:
                _settle(future, error=exc)
            self._waiting.clear()
            raise
        finally:
            self._writer = None

    async def _write_group(self, group: list[tuple[T, asyncio.Future[R]]]) -> None:
        self.groups += 1
        try:
            results = await self._write([item for item, _ in group])
            if len(results) != len(group):
                raise RuntimeError(f"{len(results)} results for {len(group)} items")
        except Exception as exc:
            if len(group) == 1 or not self._isolates(exc):
                for _, future in group:
                    _settle(future, error=exc)
                return
            for one in group:
                await self._write_group([one])
            return
        for (_, future), result in zip(group, results, strict=True):
            _settle(future, result)


def _settle(
    future: asyncio.Future[R], result: R | None = None, error: BaseException | None = None
) -> None:
    if future.done():  # its submitter was cancelled (a client that hung up): the write stands
        return
    if isinstance(error, asyncio.CancelledError):
        future.cancel()
    elif error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)  # type: ignore[arg-type]
