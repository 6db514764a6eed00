"""Every job function and cron definition: the arq worker and the in-process queue run these.

Job functions take `(ctx, *ids)`: ids, never secrets (arguments are stored in Redis as JSON).
`ctx["runtime"]` is the process's services.runtime.Runtime. Each name is a constant beside its
job function.
"""

from __future__ import annotations

from arq.cron import CronJob, cron
from arq.worker import Function, func

from core.settings import Settings
from jobs.jira import auto_import, maintenance, push, tokens, webhook_inbox, webhook_registrations
from jobs.rooms import voting

FUNCTIONS: list[Function] = [
    func(maintenance.purge_expired, name=maintenance.PURGE_EXPIRED),
    func(tokens.refresh_expiring_tokens, name=tokens.REFRESH_EXPIRING_TOKENS),
    func(push.push_estimate, name=push.PUSH_ESTIMATE),
    func(push.sweep_pending_pushes, name=push.SWEEP_PENDING_PUSHES),
    # A window's id is used once: no result is kept (thousands of windows a day).
    func(webhook_inbox.apply_jira_webhooks, name=webhook_inbox.APPLY_JIRA_WEBHOOKS, keep_result=0),
    func(webhook_inbox.process_jira_webhook, name=webhook_inbox.PROCESS_JIRA_WEBHOOK),
    func(
        webhook_registrations.refresh_jira_webhooks,
        name=webhook_registrations.REFRESH_JIRA_WEBHOOKS,
    ),
    func(auto_import.poll_auto_imports, name=auto_import.POLL_AUTO_IMPORTS),
    func(auto_import.auto_import_sprint, name=auto_import.AUTO_IMPORT_SPRINT),
    func(voting.reveal_round, name=voting.REVEAL_ROUND),
    func(voting.reveal_overdue_rounds, name=voting.REVEAL_OVERDUE_ROUNDS),
]


def cron_jobs(settings: Settings) -> list[CronJob]:
    """The schedules, in UTC (none when RUN_SCHEDULES is off); the inbox sweep's interval is a
    setting."""
    if not settings.run_schedules:
        return []
    every_5_minutes = set(range(0, 60, 5))
    return [
        cron(
            voting.reveal_overdue_rounds,
            name=f"cron:{voting.REVEAL_OVERDUE_ROUNDS}",
            second=set(voting.SWEEP_SECONDS),
        ),
        cron(
            auto_import.poll_auto_imports,
            name=f"cron:{auto_import.POLL_AUTO_IMPORTS}",
            minute=every_5_minutes,
            second=30,
        ),
        cron(
            push.sweep_pending_pushes,
            name=f"cron:{push.SWEEP_PENDING_PUSHES}",
            minute={minute + 1 for minute in every_5_minutes},
            second=45,
        ),
        cron(
            maintenance.purge_expired,
            name=f"cron:{maintenance.PURGE_EXPIRED}",
            minute=17,
            second=0,
        ),
        cron(
            tokens.refresh_expiring_tokens,
            name=f"cron:{tokens.REFRESH_EXPIRING_TOKENS}",
            minute={5, 35},
            second=0,
        ),
        cron(
            webhook_inbox.sweep_jira_webhooks,
            name=f"cron:{webhook_inbox.SWEEP_JIRA_WEBHOOKS}",
            second=webhook_inbox.sweep_seconds(settings.webhook_sweep_interval_s),
        ),
        # Daily although Jira's expiry is 30 days: see jobs/jira/webhook_registrations.py.
        cron(
            webhook_registrations.refresh_jira_webhooks,
            name=f"cron:{webhook_registrations.REFRESH_JIRA_WEBHOOKS}",
            hour=3,
            minute=41,
            second=0,
        ),
    ]
