"""Plain fields read and serialized without graphql-core's per-field machinery.

A plain field is a Strawberry field with no resolver, permission or extension (or one marked
`@prefetched` whose attribute its parent filled) whose type is a scalar, an enum, or an object
(or list of objects) whose selected fields are all plain. schema/execution.py builds a reader
per selected field once per operation; a reader returns the field's serialized value, or
SLOW_PATH when the normal path must handle (and report) it.

Readers are specialised by type when they are built, so reading a room's hundreds of fields
costs a call and a type check each: a string leaf checks for a `str`, an enum leaf remembers
each member's name, an object reads its own plan into a dict.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from operator import attrgetter
from typing import Any

from graphql import GraphQLID, GraphQLString, Undefined

from schema.types.prefetch import PREFETCHED_ATTRIBUTE

SLOW_PATH = object()
Read = Callable[[Any], Any]
Plan = tuple[tuple[str, Read], ...]  # (response key, reader) per selected field

_BASIC_RESOLVER = "_get_basic_result"  # Strawberry's resolver for fields that are plain data
_DEFINITION = "strawberry-definition"  # a GraphQL field's StrawberryField (Strawberry's backref)
_STRING_LEAVES = (GraphQLString, GraphQLID)  # serialize a str as itself


def field_getter(field_def: Any) -> Read | None:
    """How to read a plain or prefetched field from its source; None: it needs its resolver."""
    resolve = field_def.resolve
    if getattr(resolve, "__name__", None) == _BASIC_RESOLVER:
        return _attribute_getter(resolve)
    field = (field_def.extensions or {}).get(_DEFINITION)
    resolver = getattr(field, "base_resolver", None)
    attribute = getattr(getattr(resolver, "wrapped_func", None), PREFETCHED_ATTRIBUTE, None)
    if attribute is None or field.extensions or field.permission_classes:  # type: ignore[union-attr]
        return None
    return lambda source: SLOW_PATH if (v := getattr(source, attribute)) is None else v


def _attribute_getter(resolve: Any) -> Read:
    """Strawberry's basic resolver is `getattr(source, python_name)` behind two calls: read
    the attribute directly when that is all it does (else keep the resolver)."""
    cells = dict(zip(resolve.__code__.co_freevars, resolve.__closure__ or (), strict=True))
    field = cells["field"].cell_contents if "field" in cells else None
    if (
        field is None
        or getattr(field, "base_resolver", True) is not None
        or getattr(field, "default_resolver", None) is not getattr
        or not isinstance(getattr(field, "python_name", None), str)
    ):
        return resolve  # type: ignore[no-any-return]
    return attrgetter(field.python_name)


def leaf_reader(get: Read, leaf: Any, non_null: bool) -> Read:
    if leaf in _STRING_LEAVES:

        def read_string(source: Any) -> Any:
            try:
                value = get(source)
            except Exception:
                return SLOW_PATH
            return value if type(value) is str else _serialized(leaf, value, non_null)

        return read_string
    members = getattr(leaf, "wrapped_cls", None)  # Strawberry's enums return their members
    if isinstance(members, type) and issubclass(members, Enum):
        names: dict[Any, Any] = {}

        def read_enum(source: Any) -> Any:
            try:
                value = get(source)
            except Exception:
                return SLOW_PATH
            if type(value) is not members:
                return _serialized(leaf, value, non_null)
            name = names.get(value)
            if name is None:
                name = _serialized(leaf, value, non_null)
                if name is not SLOW_PATH:
                    names[value] = name
            return name

        return read_enum
    return lambda source: _serialized(leaf, _get(get, source), non_null)


def object_reader(get: Read, plan: Plan, non_null: bool) -> Read:
    def read(source: Any) -> Any:
        value = _get(get, source)
        if value is None:
            return SLOW_PATH if non_null else None
        return SLOW_PATH if value is SLOW_PATH else read_object(plan, value)

    return read


def list_reader(get: Read, plan: Plan, non_null: bool, items_non_null: bool) -> Read:
    def read(source: Any) -> Any:
        value = _get(get, source)
        if value is None:
            return SLOW_PATH if non_null else None
        if type(value) is not list:
            return SLOW_PATH
        items = plain_objects(plan, value, items_non_null)
        return SLOW_PATH if items is None else items

    return read


def plain_objects(plan: Plan, items: list[Any], non_null: bool) -> list[Any] | None:
    """Each object's selected fields as a dict; None when one of them needs the normal path."""
    completed: list[Any] = []
    append = completed.append
    for item in items:
        if item is None:
            if non_null:
                return None
            append(None)
            continue
        data = read_object(plan, item)
        if data is SLOW_PATH:
            return None
        append(data)
    return completed


def read_object(plan: Plan, source: Any) -> Any:
    """The object's selected fields as a dict, or SLOW_PATH when one of them needs it."""
    data: dict[str, Any] = {}
    for key, read in plan:
        value = read(source)
        if value is SLOW_PATH:
            return SLOW_PATH
        data[key] = value
    return data


def _get(get: Read, source: Any) -> Any:
    try:
        return get(source)
    except Exception:
        return SLOW_PATH


def _serialized(leaf: Any, value: Any, non_null: bool) -> Any:
    if value is None:
        return SLOW_PATH if non_null else None
    if value is SLOW_PATH:
        return SLOW_PATH
    if type(value) is str and leaf in _STRING_LEAVES:
        return value
    try:
        coerced = leaf.coerce_output_value(value)
    except Exception:
        return SLOW_PATH
    return SLOW_PATH if coerced is None or coerced is Undefined else coerced
