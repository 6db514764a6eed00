"""GraphQL operations counted and timed per operation (agilekit_graphql_operation*).

Outcome: `refused` when the operation never ran (parse, validation, cost or depth limits),
`error` when it ran and its result holds errors, else `ok`. Operation names are bounded labels
(core.metrics.operation_name_label): the trusted-documents manifest's names, a few others, then
"other". Subscriptions are counted when their stream ends; only queries and mutations are timed.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator

from graphql import GraphQLError, OperationDefinitionNode, parse
from strawberry.extensions import SchemaExtension

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
        try:
            kind = operation_type_label(context.operation_type.value)
        except RuntimeError:  # no document: it did not parse
            kind = "unknown"
        name = operation_name_label(metrics.operation_names, context.operation_name)
        result = context.result
        if context.pre_execution_errors:
            outcome = REFUSED
        elif result is not None and result.errors:
            outcome = ERROR
        else:
            outcome = OK
        metrics.graphql_operations.labels(kind, name, outcome).inc()
        if kind != "subscription":
            metrics.graphql_duration.labels(kind, name).observe(time.perf_counter() - started)
