"""`@prefetched`: a resolver whose value its parent may already have filled in."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

PREFETCHED_ATTRIBUTE = "_prefetched_attribute"
R = TypeVar("R", bound=Callable[..., Any])


def prefetched(attribute: str) -> Callable[[R], R]:
    """Marks a resolver that returns `source.<attribute>` whenever that is not None: the
    executor (schema/execution.py) reads the attribute directly and calls the resolver only
    when it is None."""

    def mark(resolver: R) -> R:
        setattr(resolver, PREFETCHED_ATTRIBUTE, attribute)
        return resolver

    return mark
