"""The graphql-core executor the schema uses: two shortcuts for the hot paths of rooms.

1. Plain leaf fields (a Strawberry field with no resolver, permission or extension whose type is
   a scalar or enum) are read and serialized directly, skipping resolve-info construction and
   the generic completion machinery; anything unusual falls back to the normal path, which then
   reports errors exactly as before. A room page is hundreds of such fields. A plain field of
   an object type whose selected fields are all plain (recursively) is read the same way: a
   connection's `edges { cursor node { ... } }` is one loop per page. So is a list of such
   objects, and a resolver field marked `@prefetched("attribute")` whose attribute was filled
   by its parent (schema/types/prefetch.py; a room's issues with their votes: one loop).
2. Subscription events are executed once for every subscriber that would get the same result.
   When a subscription's source yields a payload object carrying `shared_results` (a dict), the
   event's execution is keyed by `share_key()` (operation text, operation name, variables) in
   that dict: the first subscriber executes it, every other subscriber handed the same payload
   object awaits that one result. The payload's producer decides who may share: it hands one
   object to subscribers whose results cannot differ (resolvers/room_events.py shares per
   message and viewer). Over websockets, such subscribers go further and form one group that
   runs, encodes and writes each event once for all (schema/broadcast.py): resolving a
   subscription's root field records its executor in `EXECUTOR` for that.
"""

from __future__ import annotations

import asyncio
import json
from operator import attrgetter
from typing import Any

from graphql import (
    GraphQLID,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLString,
    OperationType,
    Undefined,
    is_leaf_type,
)
from graphql.execution.collect_fields import FieldDetailsList
from graphql.pyutils import Path
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from schema.broadcast import EXECUTOR, resolved
from schema.types.prefetch import PREFETCHED_ATTRIBUTE

SHARED_RESULTS = "shared_results"
_BASIC_RESOLVER = "_get_basic_result"  # Strawberry's resolver for fields that are plain data
_DEFINITION = "strawberry-definition"  # a GraphQL field's StrawberryField (Strawberry's backref)

# (response key, reader, leaf type or object type, non-null, the object's plan or None,
#  None for a single value or, for a list of objects, whether its items are non-null)
LeafStep = tuple[str, Any, Any, bool, "LeafPlan | None", "bool | None"]
LeafPlan = tuple[LeafStep, ...]


class FastExecutionContext(StrawberryGraphQLCoreExecutionContext):
    def execute_field(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: FieldDetailsList,
        path: Path,
        position_context: Any,
    ) -> Any:
        steps: dict[tuple[Any, int], Any] = self.__dict__.setdefault("_steps", {})
        key = (parent_type, id(field_details_list))  # kept alive by collect_subfields' cache
        if key in steps:
            step = steps[key]
        else:
            step = steps[key] = self._leaf_step(parent_type, field_details_list)
        if step is not None:
            value = _read_leaf(step, source)
            if value is not _SLOW_PATH:
                return value
        return super().execute_field(
            parent_type, source, field_details_list, path, position_context
        )

    def collect_and_execute_subfields(
        self,
        return_type: GraphQLObjectType,
        field_details_list: FieldDetailsList,
        path: Path,
        result: Any,
        position_context: Any,
    ) -> Any:
        """Objects whose selected fields are all plain leaves become a dict in one loop."""
        plan = self._leaf_plan(return_type, field_details_list)
        if plan and (data := _read_object(plan, result)) is not _SLOW_PATH:
            return data
        return super().collect_and_execute_subfields(
            return_type, field_details_list, path, result, position_context
        )

    def complete_list_value(
        self,
        return_type: Any,
        field_details_list: FieldDetailsList,
        info: Any,
        path: Path,
        result: Any,
        position_context: Any,
    ) -> Any:
        """A list (a plain Python list) of objects that are all plain leaves: one loop."""
        item_type = return_type.of_type
        non_null = isinstance(item_type, GraphQLNonNull)
        object_type = item_type.of_type if non_null else item_type
        if type(result) is list and isinstance(object_type, GraphQLObjectType):
            plan = self._leaf_plan(object_type, field_details_list)
            if plan and object_type.is_type_of is None:
                items = _plain_objects(plan, result, non_null)
                if items is not None:
                    return items
        return super().complete_list_value(
            return_type, field_details_list, info, path, result, position_context
        )

    def _leaf_plan(
        self, return_type: GraphQLObjectType, field_details_list: FieldDetailsList
    ) -> LeafPlan | None:
        plans: dict[tuple[Any, int], LeafPlan | None] = self.__dict__.setdefault("_plans", {})
        key = (return_type, id(field_details_list))  # the list is kept alive by collect_subfields
        if key not in plans:
            grouped, defer_usages, _ = self.collect_subfields(return_type, field_details_list)
            steps = [self._leaf_step(return_type, details) for details in grouped.values()]
            plans[key] = (
                None
                if defer_usages or None in steps
                else tuple(
                    (response_key, *step[1:])  # type: ignore[misc]
                    for response_key, step in zip(grouped, steps, strict=True)
                )
            )
        return plans[key]

    def _leaf_step(
        self, parent_type: GraphQLObjectType, field_details_list: FieldDetailsList
    ) -> LeafStep | None:
        """A plain leaf field's step, or a plain object field's (its selection all plain);
        else None."""
        node = field_details_list[0].node
        field_def = parent_type.fields.get(node.name.value)
        if field_def is None or node.arguments or len(field_details_list) != 1:
            return None
        reader = _field_reader(field_def)
        if reader is None or (self.middleware_manager and self.middleware_manager.middlewares):
            return None
        non_null = isinstance(field_def.type, GraphQLNonNull)
        inner = field_def.type.of_type if non_null else field_def.type
        items_non_null = None
        if isinstance(inner, GraphQLList):
            items_non_null = isinstance(inner.of_type, GraphQLNonNull)
            inner = inner.of_type.of_type if items_non_null else inner.of_type
            if not isinstance(inner, GraphQLObjectType):
                return None  # lists of leaves take the normal path
        if is_leaf_type(inner):
            return node.name.value, reader, inner, non_null, None, None
        if isinstance(inner, GraphQLObjectType) and inner.is_type_of is None:
            plan = self._leaf_plan(inner, field_details_list)
            if plan:
                return node.name.value, reader, inner, non_null, plan, items_non_null
        return None

    def execute_operation(self, serially: bool | None = None) -> Any:
        results = getattr(self.root_value, SHARED_RESULTS, None)
        if not isinstance(results, dict) or self.operation.operation != OperationType.SUBSCRIPTION:
            return super().execute_operation(serially)
        key = self.share_key()
        shared = results.get(key)
        if shared is None:
            outcome = super().execute_operation(serially)
            shared = results[key] = (
                asyncio.ensure_future(outcome) if self.is_awaitable(outcome) else resolved(outcome)
            )
        if shared.done():  # no loop turn for what is computed already
            return shared.result()
        # shield: one subscriber going away must not cancel the others' result
        return asyncio.shield(shared)

    def build_resolve_info(
        self, field_def: Any, field_nodes: Any, parent_type: Any, path: Path
    ) -> Any:
        if path.prev is None and self.operation.operation == OperationType.SUBSCRIPTION:
            EXECUTOR.set(self)  # the subscription's resolver may run its events in a group
        return super().build_resolve_info(field_def, field_nodes, parent_type, path)

    def share_key(self) -> tuple[str, str, str]:
        """What, besides the payload, decides an event's result: the operation and its variables."""
        operation = self.operation
        text = operation.loc.source.body if operation.loc else str(id(operation))
        name = operation.name.value if operation.name else ""
        variables = json.dumps(self.variable_values.coerced, sort_keys=True, default=str)
        return text, name, variables


_SLOW_PATH = object()
_STRING_LEAVES = (GraphQLString, GraphQLID)  # serialize a str as itself


def _field_reader(field_def: Any) -> Any:
    """How to read a plain or prefetched field from its source; None: it needs its resolver."""
    resolve = field_def.resolve
    if getattr(resolve, "__name__", None) == _BASIC_RESOLVER:
        return _reader(resolve)
    field = (field_def.extensions or {}).get(_DEFINITION)
    resolver = getattr(field, "base_resolver", None)
    attribute = getattr(getattr(resolver, "wrapped_func", None), PREFETCHED_ATTRIBUTE, None)
    if attribute is None or field.extensions or field.permission_classes:  # type: ignore[union-attr]
        return None
    return lambda source: _SLOW_PATH if (v := getattr(source, attribute)) is None else v


def _reader(resolve: Any) -> Any:
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
        return resolve
    return attrgetter(field.python_name)


def _plain_objects(plan: LeafPlan, items: list[Any], non_null: bool) -> list[Any] | None:
    completed: list[Any] = []
    for item in items:
        if item is None:
            if non_null:
                return None
            completed.append(None)
            continue
        data = _read_object(plan, item)
        if data is _SLOW_PATH:
            return None
        completed.append(data)
    return completed


def _read_object(plan: LeafPlan, source: Any) -> Any:
    """The object's selected fields as a dict, or _SLOW_PATH when one of them needs it."""
    data: dict[str, Any] = {}
    for step in plan:
        value = _read_leaf(step, source)
        if value is _SLOW_PATH:
            return _SLOW_PATH
        data[step[0]] = value
    return data


def _read_leaf(step: LeafStep, source: Any) -> Any:
    """The serialized value, or _SLOW_PATH when the normal path must handle (and report) it."""
    _, resolve, leaf, non_null, plan, items_non_null = step
    try:
        value = resolve(source)
    except Exception:
        return _SLOW_PATH
    if value is None:
        return _SLOW_PATH if non_null else None
    if value is _SLOW_PATH:
        return _SLOW_PATH
    if items_non_null is not None:
        if type(value) is not list:
            return _SLOW_PATH
        assert plan is not None
        items = _plain_objects(plan, value, items_non_null)
        return _SLOW_PATH if items is None else items
    if plan is not None:
        return _read_object(plan, value)
    if type(value) is str and leaf in _STRING_LEAVES:
        return value
    try:
        coerced = leaf.coerce_output_value(value)
    except Exception:
        return _SLOW_PATH
    return _SLOW_PATH if coerced is None or coerced is Undefined else coerced
