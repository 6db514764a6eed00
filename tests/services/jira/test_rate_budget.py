"""The Jira request budget on the real Redis: two clients (as two processes would) share one
budget and together never take more than it allows; pauses and write spacing are shared too."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as aioredis

from core.settings import Settings
from jira_cloud.buckets import LocalBudget
from jira_cloud.budget import Bucket, Call, Policy, call_for
from services.jira.rate_budget import RedisBudget, make_jira_budget, policy_for
from tests.support import REDIS_URL, unique_name

MYSELF = Call("site-a", "GET", "rest/api/3/myself")


@pytest.fixture
async def prefix(redis_client: aioredis.Redis, redis_prefix: str) -> str:
    """A budget's own key prefix under the run's (redis_client deletes the run's keys)."""
    return f"{redis_prefix}:{unique_name('budget')}:jira:rl"


@pytest.fixture
async def clients() -> AsyncIterator[list[aioredis.Redis]]:
    """Two connections of their own: the budgets of two processes."""
    made = [aioredis.from_url(REDIS_URL), aioredis.from_url(REDIS_URL)]
    yield made
    for client in made:
        await client.aclose()


def test_policy_from_settings() -> None:
    policy = policy_for(Settings())
    assert policy.app == Bucket(10, 10) and policy.site == Bucket(5, 10)
    assert policy.issue_write_interval == 0.5
    tuned = policy_for(Settings(jira_rate_per_second=3, jira_rate_burst=7))
    assert tuned.app == Bucket(3, 7)
    off = policy_for(Settings(jira_rate_per_second=0, jira_site_rate_per_second=0))
    assert off.app is None and off.site is None


async def test_without_redis_the_budget_is_in_process(clients: list[aioredis.Redis]) -> None:
    assert isinstance(make_jira_budget(Settings(), None), LocalBudget)
    assert isinstance(make_jira_budget(Settings(), clients[0]), RedisBudget)


async def test_two_processes_never_exceed_one_budget(
    clients: list[aioredis.Redis], prefix: str
) -> None:
    rate, burst, seconds = 40.0, 10.0, 1.5
    budgets = [RedisBudget(client, prefix, Policy(app=Bucket(rate, burst))) for client in clients]
    granted: list[float] = []
    started = time.monotonic()

    async def hammer(budget: RedisBudget) -> None:
        while (now := time.monotonic()) - started < seconds:
            wait = await budget.acquire(MYSELF)
            if wait == 0:
                granted.append(now - started)
            else:
                await asyncio.sleep(wait)

    await asyncio.gather(*(hammer(budget) for budget in budgets for _ in range(8)))
    # Any window of w seconds holds at most the burst plus w seconds of the rate (+1: the
    # clocks of this process and Redis' TIME are read a moment apart).
    granted.sort()
    for width in (0.25, 0.5, seconds):
        most = max(sum(1 for t in granted if s <= t < s + width) for s in granted)
        assert most <= burst + rate * width + 1, (width, most)
    assert len(granted) >= 0.8 * (burst + rate * seconds)  # and the budget was used


async def test_a_pause_is_seen_by_every_process(clients: list[aioredis.Redis], prefix: str) -> None:
    first, second = (RedisBudget(client, prefix, Policy()) for client in clients)
    await first.penalize(MYSELF, "jira-quota-tenant-based", 2.0)
    fields = Call("site-a", "GET", "rest/api/3/field")
    assert 1.9 <= await second.acquire(fields) <= 2.0
    assert await second.acquire(Call("site-b", "GET", "rest/api/3/field")) == 0
    await second.penalize(MYSELF, "jira-quota-tenant-based", 0.5)  # never shortens it
    assert await first.acquire(fields) > 1.5


async def test_writes_to_one_issue_are_spaced_across_processes(
    clients: list[aioredis.Redis], prefix: str
) -> None:
    policy = Policy(issue_write_interval=1.0)
    first, second = (RedisBudget(client, prefix, policy) for client in clients)
    assert await first.acquire(call_for("site-a", "PUT", "rest/api/3/issue/PLAT-1")) == 0
    comment = call_for("site-a", "POST", "rest/api/3/issue/PLAT-1/comment")
    assert 0.9 <= await second.acquire(comment) <= 1.0
    assert await second.acquire(call_for("site-a", "PUT", "rest/api/3/issue/PLAT-2")) == 0


async def test_keys_live_under_the_prefix_and_expire(
    clients: list[aioredis.Redis], prefix: str
) -> None:
    budget = RedisBudget(clients[0], prefix, Policy(app=Bucket(2, 4), site=Bucket(1, 1)))
    assert await budget.acquire(MYSELF) == 0
    await budget.penalize(MYSELF, "jira-burst-based", 3)
    keys = sorted([key.decode() async for key in clients[0].scan_iter(match=f"{prefix}:*")])
    assert keys == [
        f"{prefix}:bucket:app",
        f"{prefix}:bucket:site:site-a",
        f"{prefix}:pause:endpoint:site-a:GET rest/api/3/myself",
    ]
    ttls = [await clients[0].pttl(key) for key in keys]
    assert 0 < ttls[0] <= 3000 and 0 < ttls[1] <= 2000 and 0 < ttls[2] <= 3000


async def test_when_redis_fails_the_process_paces_itself(prefix: str) -> None:
    unreachable = aioredis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.5)
    try:
        budget = RedisBudget(unreachable, prefix, Policy(app=Bucket(1, 1)))
        assert await budget.acquire(MYSELF) == 0  # from the in-process fallback
        assert 0.9 <= await budget.acquire(MYSELF) <= 1.0
        assert budget.degraded
    finally:
        await unreachable.aclose()
