"""The Strawberry schema, composed from the per-domain resolver modules."""

from __future__ import annotations

from functools import lru_cache

import strawberry
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)
from strawberry.tools import merge_types

from core.settings import Settings
from resolvers import (
    jira_browse,
    jira_connection,
    jira_import,
    jira_mapping,
    jira_push,
    rooms,
    users,
)
from schema.execution import FastExecutionContext
from schema.extensions import MaskUnexpectedErrors

# One entry per domain module; each defines Query / Mutation (/ Subscription) fragments.
QUERIES: tuple[type, ...] = (users.Query, jira_connection.Query, jira_browse.Query, rooms.Query)
MUTATIONS: tuple[type, ...] = (users.Mutation, jira_connection.Mutation, rooms.Mutation)
MUTATIONS += (jira_push.Mutation,)
MUTATIONS += (jira_import.Mutation,)
MUTATIONS += (jira_mapping.Mutation,)
SUBSCRIPTIONS: tuple[type, ...] = (rooms.Subscription,)
EXTRA_TYPES: tuple[type, ...] = ()


def build_schema(settings: Settings | None = None) -> strawberry.Schema:
    settings = settings or Settings()
    subscription = merge_types("Subscription", SUBSCRIPTIONS) if SUBSCRIPTIONS else None
    # Limit rules built once: the validation cache keys on the rule classes, and each limiter
    # instance makes new ones. Cached parses also share one AST between, e.g., the hundreds of
    # identical roomEvents subscriptions of a process (less memory, shorter GC pauses).
    limit_rules = [
        *QueryDepthLimiter(max_depth=settings.graphql_max_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=settings.graphql_max_aliases).validation_rules,
    ]
    return strawberry.Schema(
        query=merge_types("Query", QUERIES),
        mutation=merge_types("Mutation", MUTATIONS),
        subscription=subscription,
        types=EXTRA_TYPES,
        execution_context_class=FastExecutionContext,
        extensions=[
            # Factories, not instances: Strawberry builds fresh extensions per request.
            lambda: MaxTokensLimiter(max_token_count=settings.graphql_max_tokens),
            lambda: AddValidationRules(limit_rules),
            lambda: ParserCache(maxsize=512),
            lambda: ValidationCache(maxsize=512),
            MaskUnexpectedErrors,
        ],
    )


@lru_cache
def sdl() -> str:
    """The schema as SDL: what schema/schema.graphql must hold."""
    return build_schema().as_str() + "\n"
