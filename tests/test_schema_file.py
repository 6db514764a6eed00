"""The committed schema/schema.graphql (codegen's input) is the schema the code builds."""

from __future__ import annotations

import difflib

from schema.composition import sdl
from schema.export import SCHEMA_FILE


def test_committed_schema_file_is_current() -> None:
    committed = SCHEMA_FILE.read_text(encoding="utf-8")
    built = sdl()
    diff = "".join(
        difflib.unified_diff(
            committed.splitlines(keepends=True),
            built.splitlines(keepends=True),
            fromfile="schema/schema.graphql (committed)",
            tofile="schema built by the code",
            n=1,
        )
    )
    assert committed == built, (
        f"schema/schema.graphql is stale: run `make schema` and commit the result.\n{diff[:4000]}"
    )
