"""Jobs: push one issue's final estimate to its Jira issue (services/jira/push.py), and a
sweeper that re-queues pushes whose job was lost, so no link stays PENDING for ever."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from services.jira.push import JOB_NAME, orphaned_push_issue_ids, run_push


async def push_estimate(ctx: dict[str, Any], issue_id: int) -> str:
    return await run_push(ctx["runtime"], int(issue_id), int(ctx.get("job_try", 1)))


async def sweep_pending_pushes(ctx: dict[str, Any]) -> int:
    """Re-queue orphaned PENDING pushes; a push that is in fact still queued runs twice, which
    the claim and the read-back make harmless."""
    runtime = ctx["runtime"]
    sweep = datetime.now(UTC).strftime("%Y%m%d%H%M")
    issue_ids = await orphaned_push_issue_ids(runtime.settings)
    for issue_id in issue_ids:
        await runtime.jobs.enqueue(JOB_NAME, issue_id, job_id=f"push:{issue_id}:sweep:{sweep}")
    return len(issue_ids)
