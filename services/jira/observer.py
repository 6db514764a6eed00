"""The JiraTransport observer that counts Jira requests and 429s in the process's metrics."""

from __future__ import annotations

from core.metrics import (
    Metrics,
    endpoint_label,
    method_label,
    rate_limit_reason_label,
    status_label,
)
from jira_cloud.budget import Call


class MetricsObserver:
    """jira_cloud.observer.RequestObserver over `Metrics`: labels from the Call's template."""

    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics

    def request_done(self, call: Call, status: int | None) -> None:
        labels = (
            method_label(call.method),
            endpoint_label(self.metrics.endpoints, call.endpoint),
            status_label(status),
        )
        self.metrics.jira_requests.labels(*labels).inc()

    def rate_limited(self, call: Call, reason: str | None) -> None:
        self.metrics.jira_rate_limited.labels(rate_limit_reason_label(reason)).inc()
