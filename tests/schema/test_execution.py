"""schema/execution.py: the leaf fast paths answer exactly like graphql-core's normal path, and
subscription payloads carrying `shared_results` are executed once per operation."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from enum import Enum
from typing import Any

import strawberry

from schema.execution import SHARED_RESULTS, FastExecutionContext


@strawberry.enum
class Color(Enum):
    RED = "red"
    BLUE = "blue"


@strawberry.type
class Leaf:
    name: str
    note: str | None
    color: Color
    count: int


@strawberry.type
class Box:
    label: str
    leaves: list[Leaf]
    maybe_leaves: list[Leaf | None]
    broken: str  # non-null, but the data below sets None for one box

    @strawberry.field
    def computed(self) -> str:
        return self.label.upper()


CALLS = {"computed": 0}


@strawberry.type
class Shared:
    value: int

    @strawberry.field
    def expensive(self) -> int:
        CALLS["computed"] += 1
        return self.value * 2


def boxes() -> list[Box]:
    leaves = [
        Leaf(name=f"n{i}", note=None if i % 2 else "x", color=Color.RED, count=i) for i in range(3)
    ]
    return [
        Box(label="a", leaves=leaves, maybe_leaves=[leaves[0], None], broken="ok"),
        Box(label="b", leaves=[], maybe_leaves=[], broken=None),  # type: ignore[arg-type]
    ]


@strawberry.type
class Query:
    @strawberry.field
    def boxes(self) -> list[Box]:
        return boxes()


@strawberry.type
class Subscription:
    @strawberry.subscription
    async def ticks(self, info: strawberry.Info) -> AsyncGenerator[Shared, None]:
        payload = info.context["payload"]
        yield payload


def schemas() -> tuple[strawberry.Schema, strawberry.Schema]:
    plain = strawberry.Schema(query=Query, subscription=Subscription)
    fast = strawberry.Schema(
        query=Query, subscription=Subscription, execution_context_class=FastExecutionContext
    )
    return plain, fast


QUERIES = [
    "{ boxes { label leaves { name note color count } } }",
    "{ boxes { label leaves { n: name c: color } maybeLeaves { name } } }",
    "{ boxes { computed leaves { __typename name } } }",
    "query($y: Boolean!) { boxes { leaves { name note @include(if: $y) } } }",
    "fragment F on Leaf { name count } { boxes { leaves { ...F ... on Leaf { color } } } }",
    "{ boxes { label broken } }",  # a non-null violation must surface the same error
]


async def test_fast_paths_answer_like_the_normal_path() -> None:
    plain, fast = schemas()
    for query in QUERIES:
        expected = await plain.execute(query, variable_values={"y": False})
        actual = await fast.execute(query, variable_values={"y": False})
        assert actual.data == expected.data, query
        assert [e.formatted for e in actual.errors or []] == [
            e.formatted for e in expected.errors or []
        ], query
    broken = await fast.execute(QUERIES[-1])
    assert broken.errors and "non-nullable" in broken.errors[0].message


async def next_result(schema: strawberry.Schema, payload: Any) -> Any:
    stream = await schema.subscribe(
        "subscription { ticks { value expensive } }", context_value={"payload": payload}
    )
    result = await anext(stream)
    await stream.aclose()
    return result


async def test_subscribers_given_one_shared_payload_execute_once() -> None:
    _, fast = schemas()
    CALLS["computed"] = 0
    shared = Shared(value=21)
    shared.shared_results = {}  # type: ignore[attr-defined]
    results = await asyncio.gather(*(next_result(fast, shared) for _ in range(5)))
    assert all(r.data == {"ticks": {"value": 21, "expensive": 42}} for r in results)
    assert CALLS["computed"] == 1
    assert len(getattr(shared, SHARED_RESULTS)) == 1

    unshared = [await next_result(fast, Shared(value=1)) for _ in range(3)]
    assert all(r.data == {"ticks": {"value": 1, "expensive": 2}} for r in unshared)
    assert CALLS["computed"] == 4
