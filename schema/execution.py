"""The graphql-core executor the schema uses: two shortcuts for the hot paths of rooms.

1. Plain leaf fields (a Strawberry field with no resolver, permission or extension whose type is
   a scalar or enum) are read and serialized directly by readers built once per operation
   (schema/plain_fields.py), skipping resolve-info construction and the generic completion
   machinery; anything unusual falls back to the normal path, which then
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
from typing import Any

from graphql import GraphQLList, GraphQLNonNull, GraphQLObjectType, OperationType, is_leaf_type
from graphql.execution.collect_fields import FieldDetailsList
from graphql.pyutils import Path
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from schema.broadcast import EXECUTOR, resolved
from schema.plain_fields import (
    SLOW_PATH,
    Plan,
    Read,
    field_getter,
    leaf_reader,
    list_reader,
    object_reader,
    plain_objects,
    read_object,
)

SHARED_RESULTS = "shared_results"
_PER_EVENT = "_per_event"  # set on the executor of one subscription event


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
            value = step[1](source)
            if value is not SLOW_PATH:
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
        if plan and (data := read_object(plan, result)) is not SLOW_PATH:
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
                items = plain_objects(plan, result, non_null)
                if items is not None:
                    return items
        return super().complete_list_value(
            return_type, field_details_list, info, path, result, position_context
        )

    def _leaf_plan(
        self, return_type: GraphQLObjectType, field_details_list: FieldDetailsList
    ) -> Plan | None:
        plans: dict[tuple[Any, int], Plan | None] = self.__dict__.setdefault("_plans", {})
        key = (return_type, id(field_details_list))  # the list is kept alive by collect_subfields
        if key not in plans:
            grouped, defer_usages, _ = self.collect_subfields(return_type, field_details_list)
            steps = [self._leaf_step(return_type, details) for details in grouped.values()]
            plans[key] = (
                None
                if defer_usages or None in steps
                else tuple(
                    (response_key, step[1])  # type: ignore[index]
                    for response_key, step in zip(grouped, steps, strict=True)
                )
            )
        return plans[key]

    def _leaf_step(
        self, parent_type: GraphQLObjectType, field_details_list: FieldDetailsList
    ) -> tuple[str, Read] | None:
        """A plain leaf field's reader, or a plain object field's (its selection all plain);
        else None."""
        node = field_details_list[0].node
        field_def = parent_type.fields.get(node.name.value)
        if field_def is None or node.arguments or len(field_details_list) != 1:
            return None
        get = field_getter(field_def)
        if get is None or (self.middleware_manager and self.middleware_manager.middlewares):
            return None
        non_null = isinstance(field_def.type, GraphQLNonNull)
        inner = field_def.type.of_type if non_null else field_def.type
        if is_leaf_type(inner):
            return node.name.value, leaf_reader(get, inner, non_null)
        items_non_null = None
        if isinstance(inner, GraphQLList):
            items_non_null = isinstance(inner.of_type, GraphQLNonNull)
            inner = inner.of_type.of_type if items_non_null else inner.of_type
        if not isinstance(inner, GraphQLObjectType) or inner.is_type_of is not None:
            return None  # lists of leaves, interfaces and unions take the normal path
        plan = self._leaf_plan(inner, field_details_list)
        if not plan:
            return None
        if items_non_null is None:
            return node.name.value, object_reader(get, plan, non_null)
        return node.name.value, list_reader(get, plan, non_null, items_non_null)

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

    def build_per_event_executor(self, payload: Any) -> Any:
        # The events' executors are shallow copies: these caches, made here, are shared by all.
        for cache in ("_plans", "_steps", "_root_fields"):
            self.__dict__.setdefault(cache, {})
        executor = super().build_per_event_executor(payload)
        executor.__dict__[_PER_EVENT] = True
        return executor

    def execute_collected_root_fields(
        self,
        root_type: GraphQLObjectType,
        root_value: Any,
        grouped_field_set: Any,
        serially: bool,
        new_defer_usages: Any,
    ) -> Any:
        """Every event of a subscription executes the root fields its first event collected.
        graphql-core collects them anew per event, and its subfield cache (shared by the events)
        is keyed by the identity of a field list: each event missed it and added entries that
        lived as long as the subscription (two per event for a room's IssueUpdated)."""
        if _PER_EVENT in self.__dict__:
            first = self.__dict__["_root_fields"].setdefault(
                root_type, (grouped_field_set, new_defer_usages)
            )
            grouped_field_set, new_defer_usages = first
        return super().execute_collected_root_fields(
            root_type, root_value, grouped_field_set, serially, new_defer_usages
        )

    def build_resolve_info(
        self, field_def: Any, field_nodes: Any, parent_type: Any, path: Path
    ) -> Any:
        if (
            path.prev is None
            and self.operation.operation == OperationType.SUBSCRIPTION
            and _PER_EVENT not in self.__dict__
        ):
            # The subscription's resolver may run its events in a group. Not an event's own
            # executor: a task started by its execution would keep it in its context, and so
            # the event's payload and that task in a cycle only a full GC pass frees.
            EXECUTOR.set(self)
        return super().build_resolve_info(field_def, field_nodes, parent_type, path)

    def share_key(self) -> tuple[str, str, str]:
        """What, besides the payload, decides an event's result: the operation and its variables."""
        operation = self.operation
        text = operation.loc.source.body if operation.loc else str(id(operation))
        name = operation.name.value if operation.name else ""
        variables = json.dumps(self.variable_values.coerced, sort_keys=True, default=str)
        return text, name, variables
