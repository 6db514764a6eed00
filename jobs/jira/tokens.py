"""Cron: keep Jira access tokens fresh and refresh tokens from idling out."""

from __future__ import annotations

from typing import Any

from services.jira.tokens import refresh_expiring_connections

REFRESH_EXPIRING_TOKENS = "refresh_expiring_tokens"


async def refresh_expiring_tokens(ctx: dict[str, Any]) -> int:
    return await refresh_expiring_connections(ctx["runtime"])
