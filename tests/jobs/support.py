"""Job test support: settings under a private Redis prefix and an in-process burst worker."""

from __future__ import annotations

import uuid
import warnings
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import redis.asyncio as aioredis
from arq.worker import Worker

from core.jobs import ArqJobQueue
from core.settings import Settings
from models.jira import OAuthState
from models.users import User
from services.jira.maintenance import PURGE_GRACE
from tests.support import REDIS_URL, unique_name
from wiring import worker_options


@asynccontextmanager
async def job_settings(database_url: str, redis_prefix: str) -> AsyncIterator[Settings]:
    """Settings with a queue of their own; every arq key of it is deleted afterwards."""
    prefix = f"{redis_prefix}:{unique_name('jobs')}"
    settings = Settings(database_url=database_url, redis_url=REDIS_URL, redis_prefix=prefix)
    try:
        yield settings
    finally:
        client = aioredis.from_url(REDIS_URL)
        # The queue lives under the prefix; arq's own keys are `arq:<kind>:<prefix>:<id>`.
        for pattern in (f"{prefix}*", f"arq:*:{prefix}:*"):
            async for key in client.scan_iter(match=pattern, count=500):
                await client.delete(key)
        await client.aclose()


async def run_burst_worker(settings: Settings, **overrides: Any) -> Worker:
    """Run the real worker options in burst mode here (the test process has the ORM open)."""
    options: dict[str, Any] = {
        **worker_options(settings),
        "on_startup": None,  # init_db/close_db would re-initialise the test process's ORM
        "on_shutdown": None,
        "poll_delay": 0.02,
        **overrides,
    }
    worker = Worker(**options, burst=True, handle_signals=False)
    try:
        await worker.async_run()
    finally:
        with warnings.catch_warnings():  # arq 0.28 calls redis' deprecated close()
            warnings.simplefilter("ignore", DeprecationWarning)
            await worker.close()
    return worker


@asynccontextmanager
async def arq_queue(settings: Settings) -> AsyncIterator[ArqJobQueue]:
    queue = ArqJobQueue.from_settings(settings)
    try:
        yield queue
    finally:
        await queue.close()


async def make_states() -> dict[str, int]:
    """One OAuth state per age: long expired, expired within the grace, still valid."""
    email = f"purge-{uuid.uuid4().hex[:8]}@example.com"
    user = await User.create(subject=f"test|{email}", email=email)
    now = datetime.now(UTC)
    ages = {
        "long_expired": now - PURGE_GRACE - timedelta(minutes=5),
        "just_expired": now - PURGE_GRACE + timedelta(minutes=5),
        "valid": now + timedelta(minutes=10),
    }
    ids = {}
    for label, expires_at in ages.items():
        state = await OAuthState.create(
            state_hash=uuid.uuid4().hex, user=user, expires_at=expires_at
        )
        ids[label] = state.id
    return ids


async def remaining(ids: dict[str, int]) -> set[str]:
    kept = set(await OAuthState.filter(id__in=ids.values()).values_list("id", flat=True))
    return {label for label, state_id in ids.items() if state_id in kept}
