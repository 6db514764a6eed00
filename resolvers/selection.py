"""What a query selects below the current field, fragments included: a resolver skips Jira
requests for a field nobody asked for."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from strawberry.types import Info
from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField, Selection


def selects(info: Info[Any, Any], name: str) -> bool:
    """Whether the current field's selection names `name` (camelCase), directly or through a
    fragment spread or inline fragment."""
    return any(_names(field.selections, name) for field in info.selected_fields)


def _names(selections: Iterable[Selection], name: str) -> bool:
    for selection in selections:
        if isinstance(selection, SelectedField) and selection.name == name:
            return True
        if isinstance(selection, FragmentSpread | InlineFragment):
            if _names(selection.selections, name):
                return True
    return False
