"""Job: push one issue's final estimate to its Jira issue (services/jira_push.py)."""

from __future__ import annotations

from typing import Any

from services.jira_push import run_push


async def push_estimate(ctx: dict[str, Any], issue_id: int) -> str:
    return await run_push(ctx["runtime"], int(issue_id), int(ctx.get("job_try", 1)))
