"""The domain's background work as jobs: services.runtime.Scheduler over the process's queue.

Services ask for work by what it is (`push_estimate(issue_id, job_id)`); the job names and
their arguments are known here and beside the job functions, nowhere in services/.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from jobs.jira.auto_import import AUTO_IMPORT_SPRINT
from jobs.jira.push import PUSH_ESTIMATE
from jobs.jira.webhook_inbox import APPLY_JIRA_WEBHOOKS, window_job
from jobs.rooms.voting import REVEAL_ROUND
from services.runtime import Runtime


class JobSchedule:
    """Enqueues on `runtime.jobs`, read at call time (the queue starts after the runtime)."""

    def __init__(self, runtime: Runtime, clock: Callable[[], float] = time.time) -> None:
        self.runtime = runtime
        self._clock = clock
        self._queued_window: str | None = None  # the webhook window this process has queued

    async def push_estimate(self, issue_id: int, job_id: str) -> bool:
        assert self.runtime.jobs is not None, "runtime.jobs is not started"
        return await self.runtime.jobs.enqueue(PUSH_ESTIMATE, issue_id, job_id=job_id)

    async def auto_import_sprint(self, mapping_id: int, job_id: str) -> bool:
        return await self._best_effort(AUTO_IMPORT_SPRINT, mapping_id, job_id=job_id)

    async def apply_jira_webhooks(self) -> bool:
        """The batch job of this moment's window. Queued once per window by this process: the
        queue would refuse the same job id again anyway, and a burst's deliveries then cost no
        round trip to Redis after their window's first."""
        job_id, after_s = window_job(self._clock())
        if job_id == self._queued_window or self.runtime.jobs is None:
            return False
        # Claimed before the round trip: the window's other deliveries arrive meanwhile.
        self._queued_window = job_id
        try:
            return await self._best_effort(APPLY_JIRA_WEBHOOKS, job_id=job_id, defer_by=after_s)
        except BaseException:
            if self._queued_window == job_id:
                self._queued_window = None  # not queued: the window's next delivery tries again
            raise

    async def reveal_round(self, issue_id: int, voting_round: int, after_s: float) -> bool:
        job_id = f"reveal:{issue_id}:{voting_round}"
        return await self._best_effort(
            REVEAL_ROUND, issue_id, voting_round, job_id=job_id, defer_by=after_s
        )

    async def _best_effort(
        self, name: str, *args: Any, job_id: str, defer_by: float | None = None
    ) -> bool:
        """False without a queue: a cron sweeps what was not queued."""
        if self.runtime.jobs is None:
            return False
        return await self.runtime.jobs.enqueue(name, *args, job_id=job_id, defer_by=defer_by)
