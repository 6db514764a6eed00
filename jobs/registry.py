"""Every job function and cron definition: the arq worker and the in-process queue run these.

Features append theirs here. Job functions take `(ctx, *ids)`: ids, never secrets (arguments
are stored in Redis as JSON). `ctx["runtime"]` is the process's core.runtime.Runtime.
"""

from __future__ import annotations

from arq.cron import CronJob, cron
from arq.worker import Function, func

from jobs import jira_tokens, maintenance

FUNCTIONS: list[Function] = [
    func(maintenance.purge_expired, name="purge_expired"),
    func(jira_tokens.refresh_expiring_tokens, name="refresh_expiring_tokens"),
]

CRON_JOBS: list[CronJob] = [
    cron(maintenance.purge_expired, name="cron:purge_expired", minute=17, second=0),
    cron(
        jira_tokens.refresh_expiring_tokens,
        name="cron:refresh_expiring_tokens",
        minute={5, 35},
        second=0,
    ),
]
