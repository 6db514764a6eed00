"""Every job function and cron definition: the arq worker and the in-process queue run these.

Features append theirs here. Job functions take `(ctx, *ids)`: ids, never secrets (arguments
are stored in Redis as JSON). `ctx["runtime"]` is the process's core.runtime.Runtime.
"""

from __future__ import annotations

from arq.cron import CronJob, cron
from arq.worker import Function, func

from core.settings import get_settings
from jobs.jira import auto_import as jira_auto_import
from jobs.jira import maintenance
from jobs.jira import push as jira_push
from jobs.jira import tokens as jira_tokens
from jobs.jira import webhook_inbox as jira_webhooks_ingest
from jobs.jira import webhook_registrations as jira_webhooks

FUNCTIONS: list[Function] = [
    func(maintenance.purge_expired, name="purge_expired"),
    func(jira_tokens.refresh_expiring_tokens, name="refresh_expiring_tokens"),
    func(jira_push.push_estimate, name="push_estimate"),
    func(jira_push.sweep_pending_pushes, name="sweep_pending_pushes"),
    func(jira_webhooks_ingest.process_jira_webhook, name="process_jira_webhook"),
    func(jira_webhooks.refresh_jira_webhooks, name="refresh_jira_webhooks"),
    func(jira_auto_import.poll_auto_imports, name="poll_auto_imports"),
    func(jira_auto_import.auto_import_sprint, name="auto_import_sprint"),
]

CRON_JOBS: list[CronJob] = [
    cron(
        jira_auto_import.poll_auto_imports,
        name="cron:poll_auto_imports",
        minute=set(range(0, 60, 5)),
        second=30,
    ),
    cron(
        jira_push.sweep_pending_pushes,
        name="cron:sweep_pending_pushes",
        minute=set(range(1, 60, 5)),
        second=45,
    ),
    cron(maintenance.purge_expired, name="cron:purge_expired", minute=17, second=0),
    cron(
        jira_tokens.refresh_expiring_tokens,
        name="cron:refresh_expiring_tokens",
        minute={5, 35},
        second=0,
    ),
    cron(
        jira_webhooks_ingest.sweep_jira_webhooks,
        name="cron:sweep_jira_webhooks",
        second=jira_webhooks_ingest.sweep_seconds(get_settings().webhook_sweep_interval_s),
    ),
    # Daily although Jira's expiry is 30 days: see jobs/jira/webhook_registrations.py.
    cron(
        jira_webhooks.refresh_jira_webhooks,
        name="cron:refresh_jira_webhooks",
        hour=3,
        minute=41,
        second=0,
    ),
]
