"""An ended operation's labels, which its metrics and its span share."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from graphql import ExecutionResult, GraphQLError
from prometheus_client import CollectorRegistry

from core.metrics import MAX_OPERATION_NAMES, Metrics
from schema.metrics import ERROR, OK, REFUSED, OperationLabels, operation_labels


class _Type:
    def __init__(self, value: str | None) -> None:
        self._value = value

    @property
    def value(self) -> str:
        if self._value is None:
            raise RuntimeError("no document")  # as Strawberry's when the text did not parse
        return self._value


@dataclass
class Ended:
    """What operation_labels reads of Strawberry's ExecutionContext."""

    type_value: str | None = "query"
    operation_name: str | None = "Room"
    pre_execution_errors: list[GraphQLError] | None = None
    result: ExecutionResult | None = field(default_factory=lambda: ExecutionResult({}, None))

    @property
    def operation_type(self) -> _Type:
        return _Type(self.type_value)


@pytest.mark.parametrize(
    ("ended", "expected"),
    [
        (Ended(), OperationLabels("query", "Room", OK)),
        (
            Ended(type_value="mutation", operation_name=None),
            OperationLabels("mutation", "anonymous", OK),
        ),
        (
            Ended(result=ExecutionResult(None, [GraphQLError("x")])),
            OperationLabels("query", "Room", ERROR),
        ),
        (
            Ended(
                type_value=None,
                operation_name=None,
                pre_execution_errors=[GraphQLError("x")],
                result=None,
            ),
            OperationLabels("unknown", "anonymous", REFUSED),
        ),
        (Ended(operation_name="not a name!"), OperationLabels("query", "other", OK)),
    ],
)
def test_labels_of_an_ended_operation(ended: Ended, expected: OperationLabels) -> None:
    metrics = Metrics(CollectorRegistry(), operation_names=["Room"])
    assert operation_labels(ended, metrics) == expected  # type: ignore[arg-type]


def test_names_past_the_bound_are_folded_into_other() -> None:
    metrics = Metrics(CollectorRegistry(), operation_names=[])
    names = [
        operation_labels(Ended(operation_name=f"Op{n}"), metrics).name  # type: ignore[arg-type]
        for n in range(MAX_OPERATION_NAMES + 1)
    ]
    assert names[:-1] == [f"Op{n}" for n in range(MAX_OPERATION_NAMES)]
    assert names[-1] == "other"
