"""Cron: keep the Jira webhook registrations of room mappings alive.

Dynamic webhooks expire 30 days after registration (or the last refresh). Running daily,
not weekly, means a missed run or a Jira outage costs a day of margin rather than a week,
and a webhook deleted in Jira (or expired while a connection needed re-consent) is
re-registered within a day, so auto-import and title sync do not go silent for long.
"""

from __future__ import annotations

from typing import Any

from services.jira.webhooks.registrations import refresh_all

REFRESH_JIRA_WEBHOOKS = "refresh_jira_webhooks"


async def refresh_jira_webhooks(ctx: dict[str, Any]) -> dict[str, int]:
    return await refresh_all(ctx["runtime"])
