"""The JiraTransport observer: counts Jira requests and 429s in the process's metrics, and
wraps each attempt in a client span (core/tracing.py; a no-op span when tracing is off).

The span is named `jira <METHOD> <endpoint template>` and carries the method, the template
(custom field ids folded, as the metrics label), the cloud id and the status: never the URL,
its query string, a header or a token.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from opentelemetry.trace import NoOpTracer, SpanKind, Status, StatusCode, Tracer

from core.metrics import (
    Metrics,
    endpoint_label,
    method_label,
    rate_limit_reason_label,
    status_label,
)
from jira_cloud.budget import Call
from jira_cloud.observer import StatusSink


class MetricsObserver:
    """jira_cloud.observer.RequestObserver over `Metrics` (labels from the Call's template) and
    a tracer."""

    def __init__(self, metrics: Metrics, tracer: Tracer | None = None) -> None:
        self.metrics = metrics
        self.tracer = tracer or NoOpTracer()

    def request_done(self, call: Call, status: int | None) -> None:
        labels = (
            method_label(call.method),
            endpoint_label(self.metrics.endpoints, call.endpoint),
            status_label(status),
        )
        self.metrics.jira_requests.labels(*labels).inc()

    def rate_limited(self, call: Call, reason: str | None) -> None:
        self.metrics.jira_rate_limited.labels(rate_limit_reason_label(reason)).inc()

    @contextlib.contextmanager
    def request_span(self, call: Call) -> Iterator[StatusSink]:
        method = method_label(call.method)
        endpoint = endpoint_label(self.metrics.endpoints, call.endpoint)
        attributes = {
            "http.request.method": method,
            "url.template": endpoint,
            "agilekit.jira.cloud_id": call.site,
        }
        with self.tracer.start_as_current_span(
            f"jira {method} {endpoint}",
            kind=SpanKind.CLIENT,
            attributes=attributes,
            record_exception=False,  # an exception's text may hold a URL: the type is enough
            set_status_on_exception=False,
        ) as span:

            def record_status(status: int | None) -> None:
                if status is None:
                    span.set_status(Status(StatusCode.ERROR, "no response"))
                    return
                span.set_attribute("http.response.status_code", status)
                if status >= 400:
                    span.set_status(Status(StatusCode.ERROR, status_label(status)))

            yield record_status
