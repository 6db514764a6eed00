"""GraphQL operations counted and timed per operation (agilekit_graphql_operation*).

Outcome: `refused` when the operation never ran (parse, validation, cost or depth limits),
`error` when it ran and its result holds errors, else `ok`. Operation names are bounded labels
(core.metrics.operation_name_label): the trusted-documents manifest's names, a few others, then
"other". Subscriptions are counted when their stream ends; only queries and mutations are timed.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from graphql import GraphQLError, OperationDefinitionNode, parse
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionContext

from core.metrics import Metrics, operation_name_label, operation_type_label

REFUSED, ERROR, OK = "refused", "error", "ok"


def manifest_operation_names(documents: Iterable[str]) -> set[str]:
    """The operation names the trusted documents define (their labels are never folded)."""
    names: set[str] = set()
    for text in documents:
        try:
            definitions = parse(text, no_location=True).definitions
        except GraphQLError:
            continue
        names.update(
            d.name.value for d in definitions if isinstance(d, OperationDefinitionNode) and d.name
        )
    return names


@dataclass(frozen=True, slots=True)
class OperationLabels:
    """An operation's bounded labels: its type, its name and its outcome."""

    kind: str
    name: str
    outcome: str


def operation_labels(context: ExecutionContext, metrics: Metrics) -> OperationLabels:
    """The labels of an operation that has ended (metrics and its span share them)."""
    try:
        kind = operation_type_label(context.operation_type.value)
    except RuntimeError:  # no document: it did not parse
        kind = "unknown"
    name = operation_name_label(metrics.operation_names, context.operation_name)
    if context.pre_execution_errors:
        outcome = REFUSED
    elif context.result is not None and context.result.errors:
        outcome = ERROR
    else:
        outcome = OK
    return OperationLabels(kind, name, outcome)


class OperationMetrics(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        started = time.perf_counter()
        yield
        context = self.execution_context
        metrics: Metrics | None = getattr(
            getattr(context.context, "runtime", None), "metrics", None
        )
        if metrics is None:
            return
        labels = operation_labels(context, metrics)
        metrics.graphql_operations.labels(labels.kind, labels.name, labels.outcome).inc()
        if labels.kind != "subscription":
            elapsed = time.perf_counter() - started
            metrics.graphql_duration.labels(labels.kind, labels.name).observe(elapsed)
