"""The Strawberry schema, composed from the per-domain resolver modules."""

from __future__ import annotations

from functools import lru_cache

import strawberry
from strawberry.extensions import MaxAliasesLimiter, MaxTokensLimiter, QueryDepthLimiter
from strawberry.tools import merge_types

from core.settings import Settings
from resolvers import users
from schema.extensions import MaskUnexpectedErrors

# One entry per domain module; each defines Query / Mutation (/ Subscription) fragments.
QUERIES: tuple[type, ...] = (users.Query,)
MUTATIONS: tuple[type, ...] = (users.Mutation,)
SUBSCRIPTIONS: tuple[type, ...] = ()
EXTRA_TYPES: tuple[type, ...] = ()


def build_schema(settings: Settings | None = None) -> strawberry.Schema:
    settings = settings or Settings()
    subscription = merge_types("Subscription", SUBSCRIPTIONS) if SUBSCRIPTIONS else None
    return strawberry.Schema(
        query=merge_types("Query", QUERIES),
        mutation=merge_types("Mutation", MUTATIONS),
        subscription=subscription,
        types=EXTRA_TYPES,
        extensions=[
            QueryDepthLimiter(max_depth=settings.graphql_max_depth),
            MaxTokensLimiter(max_token_count=settings.graphql_max_tokens),
            MaxAliasesLimiter(max_alias_count=settings.graphql_max_aliases),
            MaskUnexpectedErrors,
        ],
    )


@lru_cache
def sdl() -> str:
    """The schema as SDL: what schema/schema.graphql must hold."""
    return build_schema().as_str() + "\n"
