"""Every Prometheus metric AgileKit exports, defined in one place.

Each process (server or worker) builds one `Metrics` in wiring.build_runtime and reaches it
through `runtime.metrics`; importing this module registers nothing. `GET /metrics` (web/metrics.py)
and `agilekit worker --metrics-port` render `Metrics.registry`.

Label values are bounded: GraphQL operation names are those of the trusted-documents manifest
plus at most MAX_OPERATION_NAMES others (the rest are "other"); Jira endpoints are path templates
(ids, issue keys and custom field ids replaced); RateLimit-Reason values outside Atlassian's
documented set are "other". No label ever holds a token, a secret, a query string or a URL.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

CONTENT_TYPE = CONTENT_TYPE_LATEST
OTHER = "other"
ANONYMOUS = "anonymous"
MAX_OPERATION_NAMES = 30  # distinct operation names outside the manifest, then "other"
MAX_ENDPOINTS = 200  # distinct Jira endpoint templates, then "other"
MAX_LABEL_CHARACTERS = 100
GRAPHQL_OUTCOMES = ("ok", "error", "refused")
OPERATION_TYPES = frozenset({"query", "mutation", "subscription"})
HTTP_METHODS = frozenset({"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"})
RATE_LIMIT_REASONS = frozenset(
    {
        "jira-burst-based",
        "jira-quota-tenant-based",
        "jira-quota-based",
        "jira-quota-global-based",
        "jira-cost-based",
        "jira-per-issue-on-write",
    }
)
GRAPHQL_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
LAG_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0)
_NAME = re.compile(r"^[_A-Za-z][_0-9A-Za-z]*$")
_CUSTOM_FIELD = re.compile(r"\bcustomfield_\d+\b")


class BoundedLabels:
    """Label values as given while they are `known` or among the first `max_extra` others seen;
    every later value is "other". Thread-safe (the worker's scrape runs beside the jobs)."""

    def __init__(self, known: Iterable[str] = (), max_extra: int = MAX_OPERATION_NAMES) -> None:
        self.known = frozenset(known)
        self.max_extra = max_extra
        self._extra: set[str] = set()
        self._lock = threading.Lock()

    def label(self, value: str) -> str:
        if value in self.known or value in self._extra:
            return value
        with self._lock:
            if len(self._extra) < self.max_extra:
                self._extra.add(value)
                return value
        return OTHER


def operation_name_label(names: BoundedLabels, name: str | None) -> str:
    """A GraphQL operation name as a label: "anonymous", a GraphQL Name, or "other"."""
    if not name:
        return ANONYMOUS
    if len(name) > MAX_LABEL_CHARACTERS or not _NAME.match(name):
        return OTHER
    return names.label(name)


def operation_type_label(value: str | None) -> str:
    lowered = (value or "").lower()
    return lowered if lowered in OPERATION_TYPES else "unknown"


def method_label(method: str) -> str:
    upper = method.upper()
    return upper if upper in HTTP_METHODS else OTHER


def endpoint_label(endpoints: BoundedLabels, template: str) -> str:
    """A Jira path template (jira_cloud.budget.endpoint_template) with custom field ids folded."""
    folded = _CUSTOM_FIELD.sub("{field}", template.split("?", 1)[0])
    if len(folded) > MAX_LABEL_CHARACTERS or "//" in folded or ":" in folded:
        return OTHER
    return endpoints.label(folded)


def status_label(status: int | None) -> str:
    """The HTTP status, or "error" when no response came (timeout, connection refused)."""
    if status is None:
        return "error"
    return str(status) if 100 <= status <= 599 else OTHER


def rate_limit_reason_label(reason: str | None) -> str:
    lowered = (reason or "").strip().lower()
    if not lowered:
        return "none"
    return lowered if lowered in RATE_LIMIT_REASONS else OTHER


class Metrics:
    """One process's metrics, on a registry of its own (so tests may build many)."""

    def __init__(
        self, registry: CollectorRegistry | None = None, operation_names: Iterable[str] = ()
    ) -> None:
        self.registry = registry or CollectorRegistry()
        r = self.registry
        self.operation_names = BoundedLabels(operation_names, MAX_OPERATION_NAMES)
        self.endpoints = BoundedLabels((), MAX_ENDPOINTS)
        self.graphql_operations = Counter(
            "agilekit_graphql_operations",
            "GraphQL operations by type, name and outcome (ok, error, refused).",
            ("operation_type", "operation_name", "outcome"),
            registry=r,
        )
        self.graphql_duration = Histogram(
            "agilekit_graphql_operation_duration_seconds",
            "Time from receiving a GraphQL operation to its result (subscriptions: to the stream).",
            ("operation_type", "operation_name"),
            buckets=GRAPHQL_BUCKETS,
            registry=r,
        )
        self.jira_requests = Counter(
            "agilekit_jira_requests",
            "Requests sent to Jira by method, endpoint template and status (error: no response).",
            ("method", "endpoint", "status"),
            registry=r,
        )
        self.jira_rate_limited = Counter(
            "agilekit_jira_rate_limited",
            "Jira 429 answers by RateLimit-Reason.",
            ("reason",),
            registry=r,
        )
        self.webhook_deliveries = Counter(
            "agilekit_webhook_deliveries",
            "Jira webhook deliveries received: stored, duplicate or refused.",
            ("outcome",),
            registry=r,
        )
        self.webhook_apply_lag = Histogram(
            "agilekit_webhook_apply_lag_seconds",
            "From Jira's event timestamp to the delivery applied and its room events published.",
            buckets=LAG_BUCKETS,
            registry=r,
        )
        self.estimate_pushes = Counter(
            "agilekit_estimate_pushes",
            "Estimate pushes to Jira that ended, by outcome (EstimatePushStatus).",
            ("outcome",),
            registry=r,
        )
        self.token_refreshes = Counter(
            "agilekit_token_refreshes",
            "Jira OAuth token refreshes by outcome (ok, needs_reauth, unavailable, lost_race).",
            ("outcome",),
            registry=r,
        )
        self.subscriptions_active = Gauge(
            "agilekit_subscriptions_active",
            "roomEvents subscriptions open in this process.",
            registry=r,
        )
        self.jobs_queued = Gauge(
            "agilekit_jobs_queued", "Jobs waiting in the queue (read at scrape).", registry=r
        )
        self.jobs_oldest_age = Gauge(
            "agilekit_jobs_oldest_age_seconds",
            "How long the oldest due job has waited (0 when none is due; read at scrape).",
            registry=r,
        )
        self.connections_needing_reauth = Gauge(
            "agilekit_jira_connections_needing_reauth",
            "Jira connections whose user must consent again (read at scrape).",
            registry=r,
        )

    def render(self) -> bytes:
        return generate_latest(self.registry)
