"""schema.limits: linear-time depth, cost, alias and introspection checks, fragment cycles."""

from __future__ import annotations

import time
from functools import cache
from pathlib import Path

import pytest
from graphql import (
    GraphQLList,
    GraphQLObjectType,
    GraphQLSchema,
    get_introspection_query,
    get_nullable_type,
    parse,
)

from core.settings import Settings
from schema.composition import build_schema
from schema.limits import (
    INTROSPECTION_COST,
    LIST_BOUNDS,
    Limits,
    check_document,
    operation_cost,
)
from services.jira.pages import MAX_PAGE
from services.rooms.rooms import MAX_ISSUES_PER_ROOM

LIMITS = Limits(max_depth=12, max_cost=Settings().graphql_max_cost, max_aliases=30)
CLIENT_DIR = Path(__file__).resolve().parents[2] / "client"


@cache
def graphql_schema() -> GraphQLSchema:
    return build_schema()._schema


def codes(document: str, limits: Limits = LIMITS) -> list[str]:
    errors = check_document(graphql_schema(), parse(document), limits)
    return [(error.extensions or {})["code"] for error in errors]


def fragment_bomb(levels: int, leaf: str = "__typename") -> str:
    spreads = [f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(levels)]
    return " ".join(["query { ...F0 }", *spreads, f"fragment F{levels} on Query {{ {leaf} }}"])


def test_a_fragment_bomb_is_refused_in_linear_time() -> None:
    document = parse(fragment_bomb(30))
    started = time.perf_counter()
    errors = check_document(graphql_schema(), document, LIMITS)
    elapsed = time.perf_counter() - started
    assert [e.extensions["code"] for e in errors] == ["QUERY_TOO_COMPLEX"]  # type: ignore[index]
    assert "1,073,741,824" in errors[0].message  # 2^30 spreads, counted as written
    assert elapsed < 0.05, elapsed
    deeper = parse(fragment_bomb(200))  # far past 2^n territory: still one visit per fragment
    started = time.perf_counter()
    assert codes(fragment_bomb(200)) == ["QUERY_TOO_COMPLEX"]
    assert check_document(graphql_schema(), deeper, LIMITS)
    assert time.perf_counter() - started < 0.2
    chain = parse(fragment_bomb(5000))  # deeper than Python's recursion limit: refused, not 500
    assert [e.extensions["code"] for e in check_document(graphql_schema(), chain, LIMITS)] == [  # type: ignore[index]
        "QUERY_TOO_DEEP"
    ]


def test_fragment_cycles_are_refused_without_recursing_forever() -> None:
    assert codes("query { ...A } fragment A on Query { ...B } fragment B on Query { ...A }") == [
        "FRAGMENT_CYCLE"
    ]
    assert codes("query { ...A } fragment A on Query { ...A }") == ["FRAGMENT_CYCLE"]


def test_depth_counts_levels_below_the_root_field_through_fragments() -> None:
    deep = "query { room(id: 1) { ...I } } fragment I on Room { issues { jiraLink { key } } }"
    assert codes(deep, Limits(max_depth=3, max_cost=10**9, max_aliases=30)) == []
    assert codes(deep, Limits(max_depth=2, max_cost=10**9, max_aliases=30)) == ["QUERY_TOO_DEEP"]


def test_amplification_through_aliases_is_refused() -> None:
    """Finding 7: 30 aliases of a room's issues with descriptions returned 126 MB."""
    aliases = " ".join(f"a{i}: room(id: 1) {{ issues {{ id description }} }}" for i in range(30))
    assert codes(f"{{ {aliases} }}") == ["QUERY_TOO_COMPLEX"]
    one = operation_cost(graphql_schema(), parse("{ room(id: 1) { issues { id description } } }"))
    assert one[""] == 1 * (1 + MAX_ISSUES_PER_ROOM * (1 + 1 + 20))  # description weighs 20
    assert one[""] <= LIMITS.max_cost


def test_aliases_are_counted_once_per_fragment_too() -> None:
    fragment = " ".join(f"a{i}: __typename" for i in range(20))
    document = f"query {{ ...A ...A }} fragment A on Query {{ {fragment} }}"
    assert codes(document) == ["TOO_MANY_ALIASES"]  # 40 > 30, counted as written


def test_first_bounds_a_connection_and_a_variable_counts_as_the_largest_page() -> None:
    def cost(arguments: str) -> int:
        field = f"jiraIssues(source: {{sprintId: 1}}{arguments})"
        document = f"query($n: Int) {{ {field} {{ edges {{ node {{ key }} }} }} }}"
        return operation_cost(graphql_schema(), parse(document))[""]

    assert cost(", first: 10") == 10 * (1 + 1 + 1 + 1)
    assert cost(", first: 100000") == MAX_PAGE * 4  # clamped as the resolver clamps it
    assert cost(", first: $n") == MAX_PAGE * 4
    assert cost("") == 50 * 4


def test_introspection_has_its_own_depth_limit_and_graphiqls_query_passes() -> None:
    """Finding 8: `ofType` nested 50 deep was answered."""
    nested = "ofType { " * 50 + "name" + " }" * 50
    assert codes(f'{{ __type(name: "Query") {{ {nested} }} }}') == ["QUERY_TOO_DEEP"]
    assert codes(get_introspection_query()) == []
    flat = operation_cost(graphql_schema(), parse("{ __schema { types { name } } }"))
    assert flat[""] == INTROSPECTION_COST


def test_every_list_field_of_the_schema_has_a_documented_bound() -> None:
    unbounded = []
    for name, type_ in graphql_schema().type_map.items():
        if name.startswith("__") or not isinstance(type_, GraphQLObjectType):
            continue
        for field_name, field in type_.fields.items():
            key = f"{name}.{field_name}"
            listed = isinstance(get_nullable_type(field.type), GraphQLList)
            bounded = key in LIST_BOUNDS or "first" in field.args or key.endswith("Payload.errors")
            if listed and not bounded:
                unbounded.append(key)
    assert unbounded == [], f"add these to schema.limits.LIST_BOUNDS: {unbounded}"


@pytest.mark.parametrize("path", sorted(CLIENT_DIR.rglob("*.graphql")), ids=lambda p: p.name)
def test_every_client_operation_fits_the_default_cost_limit(path: Path) -> None:
    fragments = "\n".join(p.read_text() for p in CLIENT_DIR.rglob("*.graphql") if p != path)
    document = parse(path.read_text() + "\n" + fragments)
    for name, cost in operation_cost(graphql_schema(), document).items():
        assert cost <= LIMITS.max_cost, (name, cost)
