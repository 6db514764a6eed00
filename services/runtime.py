"""The process-wide collaborators services, jobs and resolvers share.

wiring.py builds one Runtime per process (server or worker), opens its connections and
connects its hooks; nothing else creates collaborators or fills hook lists, and no module keeps
a runtime of its own.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, Protocol

import httpx
import redis.asyncio as aioredis

from core.bus import RoomBus
from core.jobs import JobQueue
from core.locks import KeyedLocks
from core.metrics import Metrics
from core.presence import Presence, make_presence
from core.settings import Settings
from core.tracing import TraceCarrier, Tracing
from jira_cloud.budget import RequestBudget

if TYPE_CHECKING:  # the domains' types, for the hook signatures only
    from models.jira import JiraConnection
    from models.rooms import Issue, Vote
    from services.jira.webhooks.payloads import JiraEvent

log = logging.getLogger(__name__)

IssueEstimatedHook = Callable[["Runtime", "Issue", str, "list[Vote]"], Awaitable[None]]
JiraEventHook = Callable[["Runtime", "JiraEvent"], Awaitable[None]]
DisconnectHook = Callable[["Runtime", "JiraConnection"], Awaitable[None]]


@dataclass
class Hooks:
    """The paths from one domain into another, connected in wiring.py. Each runs after its
    change is committed; a failing hook is logged and neither undoes the change nor stops the
    hooks after it."""

    # rooms -> Jira push: voting on an issue completed with a final estimate
    issue_estimated: list[IssueEstimatedHook] = field(default_factory=list)
    # Jira webhook inbox -> auto-import: an issue created in a sprint or moved into one
    jira_issue_entered: list[JiraEventHook] = field(default_factory=list)
    # Jira connection -> webhook registrations: a connection is about to be deleted
    before_jira_disconnect: list[DisconnectHook] = field(default_factory=list)


async def run_hooks(hooks: Sequence[Callable[..., Awaitable[None]]], *args: Any) -> None:
    for hook in list(hooks):
        try:
            await hook(*args)
        except Exception:  # one failing integration must not break the change or other hooks
            log.exception("hook %s failed", getattr(hook, "__qualname__", hook))


class Scheduler(Protocol):
    """Work the domain hands to the job queue (ids only). jobs/schedule.py implements it: the
    job names and their arguments live there, beside the job functions."""

    async def push_estimate(self, issue_id: int, job_id: str) -> bool: ...

    async def auto_import_sprint(self, mapping_id: int, job_id: str) -> bool: ...

    async def apply_jira_webhooks(self) -> bool: ...

    async def reveal_round(self, issue_id: int, voting_round: int, after_s: float) -> bool: ...


@dataclass
class Runtime:
    settings: Settings
    redis: aioredis.Redis | None = None  # set when REDIS_URL is configured
    jira_http: httpx.AsyncClient | None = None  # one pooled client per process
    # Paces every Jira call: shared through Redis when it is set (services/jira/rate_budget.py).
    jira_budget: RequestBudget | None = None
    jobs: JobQueue | None = None  # arq or in-process
    bus: RoomBus | None = None  # room events: Redis or in-memory
    scheduler: Scheduler | None = None  # None: nothing runs in the background (some tests)
    hooks: Hooks = field(default_factory=Hooks)
    metrics: Metrics = field(default_factory=Metrics)  # this process's (core/metrics.py)
    tracing: Tracing = field(default_factory=Tracing.off)  # core/tracing.py; off by default
    # Story-points field ids per Jira site, with their expiry (services/jira/browse.py).
    jira_story_points_fields: dict[str, tuple[float, tuple[str, ...]]] = field(default_factory=dict)
    # sites that do not serve Jira Software's token-paged issue lists, until when (monotonic)
    jira_agile_lists_only: dict[str, float] = field(default_factory=dict)

    @cached_property
    def locks(self) -> KeyedLocks:
        """Single-flight locks: in this process, and across processes when Redis is set."""
        return KeyedLocks(self.redis, self.settings.redis_prefix)

    @cached_property
    def trace_carrier(self) -> TraceCarrier:
        """Traceparents handed from a request to the job it queued (core/tracing.py)."""
        return TraceCarrier(self.redis, self.settings.redis_prefix)

    @cached_property
    def presence(self) -> Presence:
        """Who holds a live roomEvents subscription: across processes when Redis is set."""
        return make_presence(self.redis, self.settings.redis_prefix)
