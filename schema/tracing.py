"""A span per GraphQL operation (core/tracing.py; a no-op span when tracing is off).

The span starts as `graphql operation` and is renamed `graphql <type> <name>` once the document
is known; its attributes are `graphql.operation.type` and `graphql.operation.name` (a bounded
name, as the metrics label: core.metrics.operation_name_label) and `agilekit.graphql.outcome`
(ok, error, refused). It is the current span while the operation executes, so the Jira client
spans of its resolvers are its children. Never the document, its variables or a header.
"""

from __future__ import annotations

from collections.abc import Iterator

from opentelemetry.trace import SpanKind, Status, StatusCode, Tracer
from strawberry.extensions import SchemaExtension

from core.metrics import Metrics
from schema.metrics import OK, operation_labels


class OperationTracing(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        runtime = getattr(self.execution_context.context, "runtime", None)
        tracing = getattr(runtime, "tracing", None)
        if tracing is None or not tracing.enabled:
            yield
            return
        tracer: Tracer = tracing.tracer
        with tracer.start_as_current_span(
            "graphql operation",
            kind=SpanKind.SERVER,
            record_exception=False,
            set_status_on_exception=False,
        ) as span:
            yield
            metrics: Metrics = runtime.metrics  # type: ignore[union-attr]
            labels = operation_labels(self.execution_context, metrics)
            span.update_name(f"graphql {labels.kind} {labels.name}")
            span.set_attribute("graphql.operation.type", labels.kind)
            span.set_attribute("graphql.operation.name", labels.name)
            span.set_attribute("agilekit.graphql.outcome", labels.outcome)
            if labels.outcome != OK:
                span.set_status(Status(StatusCode.ERROR, labels.outcome))
