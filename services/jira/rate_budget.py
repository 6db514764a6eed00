"""The Jira request budget of this deployment: one for every server and worker, on Redis.

JIRA_RATE_PER_SECOND / JIRA_RATE_BURST (app-wide), JIRA_SITE_RATE_PER_SECOND /
JIRA_SITE_RATE_BURST (each Jira site) and JIRA_ISSUE_WRITE_INTERVAL_S (writes to one issue) make
the Policy (jira_cloud/budget.py). With REDIS_URL every process takes from the same buckets,
atomically, in one Lua script on Redis' own clock (TIME), so processes' clocks never matter;
without it (the embedded default) the process keeps them in memory (jira_cloud/buckets.py).

Keys, under REDIS_PREFIX, each with a TTL (a bucket's: the time it takes to fill, after which a
missing key is the same full bucket; a pause's: its Retry-After):
  {prefix}:jira:rl:bucket:app                      hash t (tokens), ts (µs of Redis TIME)
  {prefix}:jira:rl:bucket:site:{cloudId}
  {prefix}:jira:rl:bucket:issue:{cloudId}:{KEY}    write spacing (1 token, 1/interval a second)
  {prefix}:jira:rl:pause:app | pause:site:{cloudId} | pause:endpoint:{cloudId}:{METHOD template}
  | pause:issue:{cloudId}:{KEY}                    set by a 429, for its Retry-After
When Redis fails the process falls back to its own in-memory budget (logged once per outage):
Jira calls never fail because the budget cannot be reached.
"""

from __future__ import annotations

import logging
import math

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from core.settings import Settings
from jira_cloud.buckets import LocalBudget
from jira_cloud.budget import Bucket, Call, Policy, RequestBudget, pause_key, pause_scope

log = logging.getLogger(__name__)

# KEYS: the pauses (ARGV[1] of them), then the buckets; ARGV[2..]: each bucket's rate, burst.
# Returns 0 (a token taken from every bucket) or the microseconds to wait (nothing taken).
ACQUIRE = """
local pauses = tonumber(ARGV[1])
local wait = 0
for i = 1, pauses do
  local ttl = redis.call('PTTL', KEYS[i])
  if ttl * 1000 > wait then wait = ttl * 1000 end
end
if wait > 0 then return wait end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local tokens = {}
for j = pauses + 1, #KEYS do
  local rate = tonumber(ARGV[2 * (j - pauses)])
  local burst = tonumber(ARGV[2 * (j - pauses) + 1])
  local state = redis.call('HMGET', KEYS[j], 't', 'ts')
  local have, at = tonumber(state[1]), tonumber(state[2])
  if have == nil or at == nil then have, at = burst, now end
  have = math.min(burst, have + math.max(0, now - at) / 1000000 * rate)
  tokens[j] = have
  if have < 1 then
    local need = math.ceil((1 - have) / rate * 1000000)
    if need > wait then wait = need end
  end
end
if wait > 0 then return wait end
for j = pauses + 1, #KEYS do
  local rate = tonumber(ARGV[2 * (j - pauses)])
  local burst = tonumber(ARGV[2 * (j - pauses) + 1])
  redis.call('HSET', KEYS[j], 't', string.format('%.6f', tokens[j] - 1),
    'ts', string.format('%.0f', now))
  redis.call('PEXPIRE', KEYS[j], math.ceil(burst / rate * 1000) + 1000)
end
return 0
"""

# KEYS[1]: the pause; ARGV[1]: its length (ms); never shortens a longer pause.
PAUSE = """
local ms = tonumber(ARGV[1])
if redis.call('PTTL', KEYS[1]) < ms then
  redis.call('SET', KEYS[1], '1', 'PX', ms)
end
return 0
"""


def policy_for(settings: Settings) -> Policy:
    return Policy(
        app=_bucket(settings.jira_rate_per_second, settings.jira_rate_burst, 1),
        site=_bucket(settings.jira_site_rate_per_second, settings.jira_site_rate_burst, 2),
        issue_write_interval=settings.jira_issue_write_interval_s,
    )


def _bucket(rate: float, burst: float | None, default_seconds: float) -> Bucket | None:
    """`rate` a second holding `burst` (default: `default_seconds` of the rate); None for 0."""
    return Bucket(rate, burst or max(1.0, rate * default_seconds)) if rate > 0 else None


def make_jira_budget(settings: Settings, redis: aioredis.Redis | None) -> RequestBudget:
    """The budget every JiraClient of this process uses (services/jira/clients.py)."""
    policy = policy_for(settings)
    if redis is None:
        return LocalBudget(policy)
    return RedisBudget(redis, f"{settings.redis_prefix}:jira:rl", policy)


class RedisBudget:
    """A RequestBudget shared by every process on one Redis (see the module's keys)."""

    def __init__(self, redis: aioredis.Redis, prefix: str, policy: Policy) -> None:
        self.redis, self.prefix, self.policy = redis, prefix, policy
        self._acquire = redis.register_script(ACQUIRE)
        self._pause = redis.register_script(PAUSE)
        self.fallback = LocalBudget(policy)
        self.degraded = False

    def key(self, name: str) -> str:
        return f"{self.prefix}:{name}"

    async def acquire(self, call: Call) -> float:
        pauses = [self.key(name) for name in self.policy.pauses(call)]
        buckets = self.policy.buckets(call)
        args: list[float] = [len(pauses)]
        for _, bucket in buckets:
            args += [bucket.rate, bucket.burst]
        keys = pauses + [self.key(name) for name, _ in buckets]
        try:
            wait_us = int(await self._acquire(keys=keys, args=args))
        except RedisError as exc:
            self._degrade(exc)
            return await self.fallback.acquire(call)
        self._recover()
        return wait_us / 1_000_000

    async def penalize(self, call: Call, reason: str | None, retry_after: float) -> None:
        await self.fallback.penalize(call, reason, retry_after)  # this process, at once
        ms = max(1, math.ceil(retry_after * 1000))
        try:
            key = self.key(pause_key(pause_scope(reason, call), call))
            await self._pause(keys=[key], args=[ms])
        except RedisError as exc:
            self._degrade(exc)

    def _degrade(self, exc: Exception) -> None:
        if not self.degraded:
            log.warning("jira budget: Redis failed (%s), pacing in process", type(exc).__name__)
        self.degraded = True

    def _recover(self) -> None:
        if self.degraded:
            log.info("jira budget: back on Redis")
        self.degraded = False
