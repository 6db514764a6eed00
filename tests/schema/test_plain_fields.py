"""schema/plain_fields.py: readers built per field type serialize as graphql-core would, and
hand anything unusual (a null where none may be, a failing read) to the normal path."""

from __future__ import annotations

from enum import StrEnum
from operator import attrgetter
from types import SimpleNamespace
from typing import Any

import strawberry
from graphql import GraphQLInt, GraphQLString

from schema.plain_fields import SLOW_PATH, leaf_reader, list_reader, plain_objects


@strawberry.enum
class Swapped(StrEnum):
    """Each member's value is the other's name: a plain string and a member differ."""

    A = "B"
    B = "A"


@strawberry.type
class Query:
    swapped: Swapped


SWAPPED = strawberry.Schema(query=Query)._schema.type_map["Swapped"]


def read(reader: Any, **fields: Any) -> Any:
    return reader(SimpleNamespace(**fields))


def failing(source: Any) -> Any:
    raise RuntimeError("the attribute's getter failed")


def test_a_string_leaf_is_read_as_is_and_other_values_are_coerced() -> None:
    reader = leaf_reader(attrgetter("x"), GraphQLString, non_null=True)
    assert read(reader, x="text") == "text"
    assert read(reader, x=12) == "12"
    assert read(reader, x=None) is SLOW_PATH  # the normal path reports the non-null error
    assert leaf_reader(failing, GraphQLString, non_null=False)(object()) is SLOW_PATH
    assert read(leaf_reader(attrgetter("x"), GraphQLString, non_null=False), x=None) is None


def test_an_enum_leaf_remembers_member_names_without_mistaking_a_plain_value_for_one() -> None:
    reader = leaf_reader(attrgetter("x"), SWAPPED, non_null=True)
    assert read(reader, x=Swapped.A) == "A"
    assert read(reader, x=Swapped.A) == "A"  # from what it remembered
    assert read(reader, x="A") == "B"  # the value "A" is member B's, whatever was cached
    assert read(reader, x="nonsense") is SLOW_PATH


def test_other_scalars_coerce_and_an_uncoercible_value_takes_the_normal_path() -> None:
    reader = leaf_reader(attrgetter("x"), GraphQLInt, non_null=True)
    assert read(reader, x=7) == 7
    assert read(reader, x="seven") is SLOW_PATH


def test_a_list_of_objects_becomes_dicts_unless_an_item_needs_the_normal_path() -> None:
    plan = (("v", leaf_reader(attrgetter("v"), GraphQLString, non_null=False)),)
    items = [SimpleNamespace(v="a"), SimpleNamespace(v=None)]
    assert plain_objects(plan, items, non_null=True) == [{"v": "a"}, {"v": None}]
    assert plain_objects(plan, [None], non_null=True) is None
    assert plain_objects(plan, [None], non_null=False) == [None]
    reader = list_reader(attrgetter("items"), plan, non_null=True, items_non_null=True)
    assert read(reader, items=items) == [{"v": "a"}, {"v": None}]
    assert read(reader, items=(1, 2)) is SLOW_PATH  # not a list: completed the usual way
    assert read(reader, items=None) is SLOW_PATH
