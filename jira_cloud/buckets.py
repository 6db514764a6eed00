"""Token-bucket maths (pure functions) and the in-process RequestBudget built on them.

A bucket's state is (tokens, at): the tokens it held at time `at`. It refills at `rate` a
second up to `burst`; a missing state is a full bucket. Redis runs the same maths in Lua
(services/jira/rate_budget.py); tests/jira_cloud/test_buckets.py pins them down.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from jira_cloud.budget import Bucket, Call, Policy, pause_key, pause_scope

State = tuple[float, float]  # (tokens, at)
_PRUNE_ABOVE = 10_000  # states kept before forgotten (full) ones are dropped


def refill(state: State | None, now: float, bucket: Bucket) -> float:
    """The tokens the bucket holds at `now`."""
    if state is None:
        return bucket.burst
    tokens, at = state
    return min(bucket.burst, tokens + max(0.0, now - at) * bucket.rate)


def wait_for(tokens: float, bucket: Bucket, cost: float = 1.0) -> float:
    """Seconds until a bucket holding `tokens` holds `cost` (0 when it already does)."""
    return 0.0 if tokens >= cost else (cost - tokens) / bucket.rate


def take(state: State | None, now: float, bucket: Bucket, cost: float = 1.0) -> tuple[State, float]:
    """Take `cost` tokens at `now`: (the new state, 0), or (the unchanged state, seconds to
    wait) when the bucket holds too few."""
    tokens = refill(state, now, bucket)
    wait = wait_for(tokens, bucket, cost)
    if wait > 0:
        return (state if state is not None else (tokens, now)), wait
    return (tokens - cost, now), 0.0


def take_all(
    states: list[State | None], now: float, buckets: list[Bucket]
) -> tuple[list[State | None], float]:
    """One token from every bucket, or from none: (new states, 0) or (the states, the longest
    wait)."""
    tokens = [refill(state, now, bucket) for state, bucket in zip(states, buckets, strict=True)]
    wait = max((wait_for(t, b) for t, b in zip(tokens, buckets, strict=True)), default=0.0)
    if wait > 0:
        return states, wait
    return [(t - 1.0, now) for t in tokens], 0.0


class LocalBudget:
    """A RequestBudget held in this process's memory (one event loop; no awaits inside, so
    each step is atomic). The embedded default, and the fallback when a shared one fails."""

    def __init__(self, policy: Policy, clock: Callable[[], float] = time.monotonic) -> None:
        self.policy = policy
        self.clock = clock
        self.states: dict[str, State] = {}
        self.paused_until: dict[str, float] = {}

    async def acquire(self, call: Call) -> float:
        return self.acquire_now(call)

    def acquire_now(self, call: Call) -> float:
        now = self.clock()
        paused = max((self.paused_until.get(k, 0.0) for k in self.policy.pauses(call)), default=0)
        if paused > now:
            return paused - now
        named = self.policy.buckets(call)
        states = [self.states.get(key) for key, _ in named]
        new_states, wait = take_all(states, now, [bucket for _, bucket in named])
        if wait > 0:
            return wait
        for (key, _), state in zip(named, new_states, strict=True):
            if state is not None:
                self.states[key] = state
        if len(self.states) > _PRUNE_ABOVE:
            self._prune(now)
        return 0.0

    async def penalize(self, call: Call, reason: str | None, retry_after: float) -> None:
        key = pause_key(pause_scope(reason, call), call)
        until = self.clock() + max(0.0, retry_after)
        self.paused_until[key] = max(until, self.paused_until.get(key, 0.0))

    def _prune(self, now: float) -> None:
        longest = max((b.full_after for b in (self.policy.app, self.policy.site) if b), default=0.0)
        longest = max(longest, self.policy.issue_write_interval)
        self.states = {k: s for k, s in self.states.items() if now - s[1] < longest}
        self.paused_until = {k: t for k, t in self.paused_until.items() if t > now}
