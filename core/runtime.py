"""The process-wide collaborators the app, resolvers and jobs share, built once at start-up."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx
import redis.asyncio as aioredis

from core.bus import RoomBus
from core.jobs import JobQueue
from core.settings import Settings

# Every outbound call to Atlassian has a timeout; one pooled client per process.
JIRA_HTTP_TIMEOUT = httpx.Timeout(connect=5.0, read=20.0, write=20.0, pool=10.0)


@dataclass
class Runtime:
    settings: Settings
    redis: aioredis.Redis | None = None  # set when REDIS_URL is configured
    jira_http: httpx.AsyncClient | None = None
    jobs: JobQueue | None = None  # set by start_runtime: arq or in-process
    bus: RoomBus | None = None  # room events; set by start_runtime: Redis or in-memory
    extras: dict[str, Any] = field(default_factory=dict)


def make_redis(settings: Settings) -> aioredis.Redis | None:
    if not settings.redis_url:
        return None
    return aioredis.from_url(
        settings.redis_url, socket_timeout=5, socket_connect_timeout=3, health_check_interval=30
    )


def make_jira_http() -> httpx.AsyncClient:
    return httpx.AsyncClient(
        timeout=JIRA_HTTP_TIMEOUT,
        limits=httpx.Limits(max_connections=50, max_keepalive_connections=20),
        headers={"user-agent": "AgileKit/0.1"},
    )
