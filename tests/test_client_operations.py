"""Every operation the frontend uses (client/**/*.graphql) is valid against the built schema.

Fragments may be shared between files, as GraphQL Code Generator allows: each file is checked
together with the fragments it spreads, wherever they are defined.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
from graphql import (
    DocumentNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLSchema,
    OperationDefinitionNode,
    Source,
    parse,
    validate,
    visit,
)
from graphql.language import Visitor

from core.settings import Settings
from schema.composition import build_schema
from schema.limits import Limits, check_document

ROOT = Path(__file__).resolve().parent.parent
CLIENT_DIR = ROOT / "client"
CLIENT_FILES = sorted(CLIENT_DIR.rglob("*.graphql"))


def relative(path: Path) -> str:
    return str(path.relative_to(ROOT))


@cache
def graphql_schema() -> GraphQLSchema:
    return build_schema()._schema


@cache
def documents() -> dict[Path, DocumentNode]:
    return {path: parse(Source(path.read_text(), relative(path))) for path in CLIENT_FILES}


def all_fragments() -> dict[str, FragmentDefinitionNode]:
    return {
        definition.name.value: definition
        for document in documents().values()
        for definition in document.definitions
        if isinstance(definition, FragmentDefinitionNode)
    }


class _SpreadCollector(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def enter_fragment_spread(self, node: FragmentSpreadNode, *_: object) -> None:
        self.names.add(node.name.value)


def with_used_fragments(document: DocumentNode) -> DocumentNode:
    """The document plus the fragments (from any client file) it spreads, transitively."""
    available = all_fragments()
    own = {d.name.value for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    definitions, pending, seen = list(document.definitions), [document], set(own)
    while pending:
        collector = _SpreadCollector()
        visit(pending.pop(), collector)
        for name in sorted(collector.names - seen):
            seen.add(name)
            if name in available:  # unknown names are left for validate() to report
                definitions.append(available[name])
                pending.append(DocumentNode(definitions=(available[name],)))
    return DocumentNode(definitions=tuple(definitions))


def test_client_has_operations() -> None:
    assert relative(CLIENT_DIR / "viewer.graphql") in [relative(p) for p in CLIENT_FILES]


@pytest.mark.parametrize("path", CLIENT_FILES, ids=relative)
def test_operations_are_valid_against_schema(path: Path) -> None:
    document = with_used_fragments(documents()[path])

    errors = validate(graphql_schema(), document)

    assert not errors, "\n".join(f"{relative(path)}: {error}" for error in errors)


@pytest.mark.parametrize("path", CLIENT_FILES, ids=relative)
def test_operations_run_under_the_default_limits(path: Path) -> None:
    """The app's own operations are never refused by GRAPHQL_MAX_COST and the other limits
    (the server pins them as trusted documents at start-up)."""
    settings = Settings()
    limits = Limits(
        max_depth=settings.graphql_max_depth,
        max_cost=settings.graphql_max_cost,
        max_aliases=settings.graphql_max_aliases,
    )

    errors = check_document(graphql_schema(), with_used_fragments(documents()[path]), limits)

    assert not errors, "\n".join(f"{relative(path)}: {error.message}" for error in errors)


def test_operation_and_fragment_names_are_unique_and_present() -> None:
    """Codegen turns names into TypeScript types: each must exist and be unique."""
    seen: dict[str, str] = {}
    for path, document in documents().items():
        for definition in document.definitions:
            assert isinstance(definition, OperationDefinitionNode | FragmentDefinitionNode)
            assert definition.name, f"{relative(path)}: every operation needs a name"
            name = definition.name.value
            assert name not in seen, f"{name} defined in {seen[name]} and {relative(path)}"
            seen[name] = relative(path)


def test_invalid_operation_is_reported() -> None:
    document = with_used_fragments(parse("query Broken { viewer { noSuchField } }"))

    errors = validate(graphql_schema(), document)

    assert [error.message for error in errors] == [
        "Cannot query field 'noSuchField' on type 'User'."
    ]
