"""Document checks that run before validation, in time linear in the document: depth, cost,
introspection depth and fragment cycles.

Each fragment is measured once (memoised by name), so `...F1 ...F1` in F0, `...F2 ...F2` in
F1 and so on costs one visit per fragment, not one per path. Spreads are counted as written
(the worst case), which is what makes such a "fragment bomb" refuse itself: its cost doubles
with every level.

Cost is the worst-case number of fields the response can hold: every selected field counts 1
(a few large text fields count more, FIELD_WEIGHTS), times the product of the bounds of the
lists around it. A field with a `first` argument is bounded by it (a variable counts as the
largest page); a list without one by LIST_BOUNDS, the documented maximum of that list.
Introspection counts INTROSPECTION_COST per `__schema`/`__type` field and is bounded by its own
depth limit instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLList,
    GraphQLNamedType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    get_nullable_type,
)

from services.jira.estimate_fields import MAX_CANDIDATES, MAX_ISSUE_TYPES, MAX_OPTIONS
from services.jira.importing import MAX_KEYS
from services.jira.pages import DEFAULT_PAGE, MAX_PAGE
from services.rooms.cards import MAX_CARDS
from services.rooms.rooms import MAX_ISSUES_PER_ROOM, MAX_MEMBERS_PER_ROOM, MAX_ROOMS_PER_USER
from services.rooms.voting import MAX_KEPT_ROUNDS

# The documented maximum length of every list field without a `first` argument.
# tests/schema/test_limits.py fails when a list field of the schema is missing here.
LIST_BOUNDS: dict[str, int] = {
    "Query.myRooms": MAX_ROOMS_PER_USER,
    "Query.jiraSprints": 200,  # sprints a board shows as active or future
    "Room.issues": MAX_ISSUES_PER_ROOM,
    "Room.members": MAX_MEMBERS_PER_ROOM,
    "Room.memberships": MAX_MEMBERS_PER_ROOM,
    "Room.deck": MAX_CARDS,
    "Room.cards": MAX_CARDS,
    "Issue.votes": MAX_MEMBERS_PER_ROOM,  # one vote per member and round
    "Issue.rounds": MAX_KEPT_ROUNDS,
    "VotingRound.votes": MAX_MEMBERS_PER_ROOM,
    "VoteStats.mode": MAX_CARDS,
    "ImportJiraIssuesPayload.issues": MAX_KEYS,
    "JiraConnection.sites": 50,  # Jira sites one Atlassian account is granted
    "JiraConnection.scopes": 20,
    "JiraSite.scopes": 20,
    "JiraEstimationField.candidates": MAX_CANDIDATES,
    "JiraEstimateCandidate.options": MAX_OPTIONS,
    "JiraEstimateCandidate.issueTypes": MAX_ISSUE_TYPES,
    # A connection's edges are already bounded by the `first` of the field that returned it.
    "JiraProjectConnection.edges": 1,
    "JiraBoardConnection.edges": 1,
    "JiraIssueConnection.edges": 1,
    "JiraFilterConnection.edges": 1,
}
PAYLOAD_ERRORS_BOUND = MAX_KEYS  # `errors` of any payload: at most one per input item
# Fields whose values may be large count as this many fields (20,000 characters ~ 20 fields).
FIELD_WEIGHTS: dict[str, int] = {
    "Issue.description": 20,
    "Room.reportCsv": 2 * MAX_ISSUES_PER_ROOM,  # a row per issue, its title and Jira URL
}
INTROSPECTION_COST = 1000
MAX_INTROSPECTION_DEPTH = 20  # GraphiQL's own introspection query needs 14
_COST_CAP = 10**18  # multiplications stop growing here (the answer is "too much" anyway)


@dataclass(frozen=True)
class Limits:
    max_depth: int
    max_cost: int
    max_aliases: int


@dataclass(frozen=True)
class Measure:
    depth: int = 0
    cost: int = 0
    introspection_depth: int = 0
    aliases: int = 0


class _FragmentCycle(Exception):
    def __init__(self, name: str) -> None:
        self.name = name


def check_document(
    schema: GraphQLSchema, document: DocumentNode, limits: Limits
) -> list[GraphQLError]:
    """Errors for each operation over a limit (empty when within every limit)."""
    analysis = _Analysis(schema, document)
    errors: list[GraphQLError] = []
    for operation in document.definitions:
        if not isinstance(operation, OperationDefinitionNode):
            continue
        root = schema.get_root_type(operation.operation)
        try:
            measure = analysis.selection_set(root, operation.selection_set)
        except _FragmentCycle as cycle:
            errors.append(_error(f"Fragment {cycle.name!r} spreads itself.", "FRAGMENT_CYCLE"))
            break
        except RecursionError:  # fragments chained beyond what the interpreter can follow
            errors.append(_error("The document nests fragments too deeply.", "QUERY_TOO_DEEP"))
            break
        errors.extend(_over_limits(operation, measure, limits))
    return errors


def operation_cost(schema: GraphQLSchema, document: DocumentNode) -> dict[str, int]:
    """The cost of each named operation (for tests and the README's figures)."""
    analysis = _Analysis(schema, document)
    return {
        operation.name.value if operation.name else "": analysis.selection_set(
            schema.get_root_type(operation.operation), operation.selection_set
        ).cost
        for operation in document.definitions
        if isinstance(operation, OperationDefinitionNode)
    }


def _over_limits(
    operation: OperationDefinitionNode, measure: Measure, limits: Limits
) -> Iterable[GraphQLError]:
    name = operation.name.value if operation.name else "anonymous"
    if measure.depth > limits.max_depth:
        yield _error(
            f"'{name}' exceeds maximum operation depth of {limits.max_depth}.", "QUERY_TOO_DEEP"
        )
    if measure.introspection_depth > MAX_INTROSPECTION_DEPTH:
        yield _error(
            f"'{name}' nests introspection deeper than {MAX_INTROSPECTION_DEPTH}.",
            "QUERY_TOO_DEEP",
        )
    if measure.aliases > limits.max_aliases:
        yield _error(
            f"{measure.aliases} aliases found. Allowed: {limits.max_aliases}.", "TOO_MANY_ALIASES"
        )
    if measure.cost > limits.max_cost:
        shown = f"{measure.cost:,}" if measure.cost < _COST_CAP else "more than 10^18"
        yield _error(
            f"'{name}' could return {shown} fields, more than the {limits.max_cost:,} allowed "
            "(GRAPHQL_MAX_COST): ask for fewer items with `first`, or for fewer fields.",
            "QUERY_TOO_COMPLEX",
        )


def _error(message: str, code: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": code})


class _Analysis:
    def __init__(self, schema: GraphQLSchema, document: DocumentNode) -> None:
        self.schema = schema
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        self.measured: dict[str, Measure] = {}
        self.in_progress: set[str] = set()

    def selection_set(
        self, parent: GraphQLNamedType | None, selection_set: SelectionSetNode | None
    ) -> Measure:
        depth = cost = introspection = aliases = 0
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FieldNode):
                measure = self.field(parent, selection)
            elif isinstance(selection, FragmentSpreadNode):
                measure = self.fragment(selection.name.value)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                scope = self.schema.get_type(condition.name.value) if condition else parent
                measure = self.selection_set(scope, selection.selection_set)
            else:  # pragma: no cover - the three kinds above are all GraphQL has
                continue
            depth = max(depth, measure.depth)
            introspection = max(introspection, measure.introspection_depth)
            cost = min(cost + measure.cost, _COST_CAP)
            aliases = min(aliases + measure.aliases, _COST_CAP)
        return Measure(depth, cost, introspection, aliases)

    def fragment(self, name: str) -> Measure:
        if name in self.measured:
            return self.measured[name]
        if name in self.in_progress:
            raise _FragmentCycle(name)
        definition = self.fragments.get(name)
        if definition is None:  # unknown fragment: validation reports it
            return Measure()
        self.in_progress.add(name)
        scope = self.schema.get_type(definition.type_condition.name.value)
        measure = self.measured[name] = self.selection_set(scope, definition.selection_set)
        self.in_progress.discard(name)
        return measure

    def field(self, parent: GraphQLNamedType | None, node: FieldNode) -> Measure:
        name = node.name.value
        alias = 1 if node.alias else 0
        definition = _field(parent, name)
        scope = get_named_type(definition.type) if definition else None
        inner = self.selection_set(scope, node.selection_set)
        depth = inner.depth + 1 if node.selection_set else 0
        aliases = min(alias + inner.aliases, _COST_CAP)
        if name in ("__schema", "__type"):
            nesting = max(depth, inner.introspection_depth)
            return Measure(0, INTROSPECTION_COST, nesting, aliases)
        if definition is None:  # __typename, an introspection subfield or an unknown field
            nesting = max(depth, inner.introspection_depth)
            return Measure(depth, min(1 + inner.cost, _COST_CAP), nesting, aliases)
        key = f"{parent.name}.{name}"  # type: ignore[union-attr]
        weight = FIELD_WEIGHTS.get(key, 1)
        cost = min(_bound(key, definition, node) * (weight + inner.cost), _COST_CAP)
        return Measure(depth, cost, inner.introspection_depth, aliases)


def _field(parent: GraphQLNamedType | None, name: str) -> GraphQLField | None:
    fields = getattr(parent, "fields", None)
    return fields.get(name) if fields else None


def _bound(key: str, definition: GraphQLField, node: FieldNode) -> int:
    """How many times the field's value can repeat: its `first`, its list bound, or 1."""
    if "first" in definition.args:
        return _first(node)
    if not isinstance(get_nullable_type(definition.type), GraphQLList):
        return 1
    if key.endswith("Payload.errors"):
        return PAYLOAD_ERRORS_BOUND
    return LIST_BOUNDS.get(key, MAX_PAGE)


def _first(node: FieldNode) -> int:
    argument = next((a for a in node.arguments or () if a.name.value == "first"), None)
    if argument is None:
        return DEFAULT_PAGE
    if isinstance(argument.value, IntValueNode):
        return max(1, min(int(argument.value.value), MAX_PAGE))
    if isinstance(argument.value, VariableNode):
        return MAX_PAGE  # not known before execution: the largest page
    return DEFAULT_PAGE  # a value of the wrong type: validation refuses it
