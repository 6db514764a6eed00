"""schema/execution.py: the leaf fast paths answer exactly like graphql-core's normal path, and
subscription payloads carrying `shared_results` are executed once per operation."""

from __future__ import annotations

import asyncio
import dataclasses
import gc
from collections.abc import AsyncGenerator, AsyncIterator
from enum import Enum
from typing import Any

import strawberry
from graphql import parse

from schema.broadcast import Broadcasts
from schema.execution import SHARED_RESULTS, FastExecutionContext
from schema.extensions import encode_result
from schema.types.prefetch import prefetched


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
class Pair:
    """A connection's edge: a cursor and a plain object node."""

    cursor: str
    node: Leaf
    maybe: Leaf | None = None


@strawberry.type
class Box:
    label: str
    leaves: list[Leaf]
    pairs: list[Pair]
    bad_pairs: list[Pair]
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

    @strawberry.field
    async def later(self) -> int:
        await asyncio.sleep(0)
        return self.value


def boxes() -> list[Box]:
    leaves = [
        Leaf(name=f"n{i}", note=None if i % 2 else "x", color=Color.RED, count=i) for i in range(3)
    ]
    pairs = [
        Pair(cursor=f"c{i}", node=leaf, maybe=leaf if i else None) for i, leaf in enumerate(leaves)
    ]
    broken_pair = Pair(cursor="x", node=None)  # type: ignore[arg-type]
    return [
        Box(
            label="a",
            leaves=leaves,
            pairs=pairs,
            bad_pairs=[],
            maybe_leaves=[leaves[0], None],
            broken="ok",
        ),
        Box(label="b", leaves=[], pairs=[], bad_pairs=[broken_pair], maybe_leaves=[], broken=None),  # type: ignore[arg-type]
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
    "{ boxes { label pairs { cursor node { name color } maybe { count } } } }",
    "{ boxes { pairs { node { name computed: __typename } } } }",
    "{ boxes { badPairs { cursor node { name } } } }",
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


async def test_plain_nested_objects_are_read_in_one_loop(monkeypatch: Any) -> None:
    """An edge's plain node is read with its edge: no per-edge field execution."""
    _, fast = schemas()
    owner = next(c for c in FastExecutionContext.__mro__[1:] if "execute_field" in c.__dict__)
    original = owner.execute_field
    executed: list[str] = []

    def counting(self: Any, parent_type: Any, *args: Any) -> Any:
        executed.append(parent_type.name)
        return original(self, parent_type, *args)

    monkeypatch.setattr(owner, "execute_field", counting)
    result = await fast.execute("{ boxes { pairs { cursor node { name count } } } }")
    assert result.data is not None
    assert result.data["boxes"][0]["pairs"][1] == {
        "cursor": "c1",
        "node": {"name": "n1", "count": 1},
    }
    assert executed == ["Query"], executed  # boxes and their lists of pairs: one loop
    executed.clear()
    result = await fast.execute("{ boxes { badPairs { cursor node { name count } } } }")
    # box b's pair has a null non-null node: the normal path reports it (and nulls up to data)
    assert [e.path for e in result.errors or []] == [["boxes", 1, "badPairs", 0, "node"]]
    assert executed == ["Query", "Box", "Pair"], executed  # only box b and its pair fall back


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


class Writer:
    broadcasts: Broadcasts

    def __init__(self) -> None:
        self.payloads: list[str] = []

    async def write(self, payload_text: str) -> None:
        self.payloads.append(payload_text)


async def test_an_events_execution_leaves_no_cycle_for_the_collector() -> None:
    """Refcounting alone frees each event's executor, as a group of subscribers runs it: a
    cycle waits for the collector's rarer passes (500 subscribers' worth once stalled a server
    for a second)."""
    _, fast = schemas()
    executor = FastExecutionContext.build(
        fast._schema, parse("subscription { ticks { value later } }")
    )

    async def events() -> AsyncIterator[Shared]:
        for value in range(5):
            payload = Shared(value=value)
            payload.shared_results = {}  # type: ignore[attr-defined]
            yield payload

    broadcasts, writer = Broadcasts(16, encode_result), Writer()
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        member = broadcasts.join("ticks", writer, executor, events, RuntimeError)
        async for _ in member:
            pass
        await member.aclose()
        del member
        await asyncio.sleep(0)
        gc.collect()
        leaked = sum(isinstance(o, FastExecutionContext) for o in gc.garbage)
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
    assert len(writer.payloads) == 5 and '"later":4' in writer.payloads[-1]
    assert leaked == 0


async def test_a_subscriptions_events_reuse_what_its_first_event_collected() -> None:
    """graphql-core collects the root fields anew for each event, and its subfield cache
    (shared by the events' executors) is keyed by a field list's identity: every event missed
    it and left an entry for as long as the subscription lived."""
    _, fast = schemas()
    for selection in ("ticks { value expensive }", "ticks { value }"):  # normal and fast path
        executor = FastExecutionContext.build(
            fast._schema, parse(f"subscription {{ {selection} }}")
        )
        data = []
        for value in range(50):
            result = executor.build_per_event_executor(Shared(value=value)).execute_operation()
            data.append((await result if executor.is_awaitable(result) else result).data)
        expected = [{"value": v, "expensive": 2 * v} for v in range(50)]
        if "expensive" not in selection:
            expected = [{"value": v} for v in range(50)]
        assert data == [{"ticks": fields} for fields in expected]
        assert len(executor._relevant_sub_fields) == 1  # Shared's subfields, collected once


@strawberry.type
class Shelf:
    label: str
    filled: strawberry.Private[list[Leaf] | None] = None
    resolved: strawberry.Private[list[str]] = dataclasses.field(default_factory=list)

    @strawberry.field
    @prefetched("filled")
    def leaves(self) -> list[Leaf]:
        self.resolved.append(self.label)  # only when its parent did not fill it
        return [Leaf(name=f"{self.label}-late", note=None, color=Color.BLUE, count=0)]


SHELVES: list[Shelf] = []


@strawberry.type
class ShelfQuery:
    @strawberry.field
    def shelves(self) -> list[Shelf]:
        return SHELVES


async def test_a_prefetched_resolver_field_is_read_from_its_attribute_when_filled() -> None:
    schema = strawberry.Schema(query=ShelfQuery, execution_context_class=FastExecutionContext)
    leaf = Leaf(name="early", note="n", color=Color.RED, count=1)
    SHELVES[:] = [Shelf(label="full", filled=[leaf]), Shelf(label="empty")]
    result = await schema.execute("{ shelves { label leaves { name color } } }")
    assert result.errors is None and result.data == {
        "shelves": [
            {"label": "full", "leaves": [{"name": "early", "color": "RED"}]},
            {"label": "empty", "leaves": [{"name": "empty-late", "color": "BLUE"}]},
        ]
    }
    assert [shelf.resolved for shelf in SHELVES] == [[], ["empty"]]
