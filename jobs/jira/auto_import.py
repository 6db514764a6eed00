"""Jobs: auto-import polls (services/jira/auto_import.py). A cron every 5 minutes fans out one
job per due mapping, so one slow or failing Jira site does not hold up the others."""

from __future__ import annotations

from typing import Any

from services.jira.auto_import import due_mapping_ids, enqueue_poll, poll_mapping
from services.jira.webhooks.reconcile import check_sites

POLL_AUTO_IMPORTS = "poll_auto_imports"
AUTO_IMPORT_SPRINT = "auto_import_sprint"


async def poll_auto_imports(ctx: dict[str, Any]) -> int:
    runtime = ctx["runtime"]
    due = await due_mapping_ids()
    for mapping_id in due:
        await enqueue_poll(runtime, mapping_id)
    # The webhooks rooms rely on: one listing per (connection, site); gone ones stop
    # showing ACTIVE until the daily refresh (or a reconnect) registers them again.
    await check_sites(runtime)
    return len(due)


async def auto_import_sprint(ctx: dict[str, Any], mapping_id: int) -> str:
    result = await poll_mapping(ctx["runtime"], int(mapping_id))
    return f"created={result.created} updated={result.updated}"
