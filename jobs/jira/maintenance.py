"""Housekeeping jobs."""

from __future__ import annotations

import logging
from typing import Any

from services.jira import maintenance

log = logging.getLogger(__name__)

PURGE_EXPIRED = "purge_expired"


async def purge_expired(ctx: dict[str, Any]) -> int:
    deleted = await maintenance.purge_expired()
    if deleted:
        log.info("purged %d expired row(s)", deleted)
    return deleted
