"""Jobs: push one issue's final estimate to its Jira issue (services/jira/push.py), and a
sweeper that re-queues pushes whose job was lost, so no link stays PENDING for ever."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from arq.worker import Retry

from core.errors import TryLater
from services.jira.push import orphaned_push_issue_ids, run_push

PUSH_ESTIMATE = "push_estimate"
SWEEP_PENDING_PUSHES = "sweep_pending_pushes"


async def push_estimate(ctx: dict[str, Any], issue_id: int) -> str:
    try:
        return await run_push(ctx["runtime"], int(issue_id), int(ctx.get("job_try", 1)))
    except TryLater as later:
        raise Retry(defer=later.after_s) from None


async def sweep_pending_pushes(ctx: dict[str, Any]) -> int:
    """Re-queue orphaned PENDING pushes; a push that is in fact still queued runs twice, which
    the claim and the read-back make harmless."""
    runtime = ctx["runtime"]
    sweep = datetime.now(UTC).strftime("%Y%m%d%H%M")
    issue_ids = await orphaned_push_issue_ids(runtime.settings)
    for issue_id in issue_ids:
        await runtime.jobs.enqueue(PUSH_ESTIMATE, issue_id, job_id=f"push:{issue_id}:sweep:{sweep}")
    return len(issue_ids)
