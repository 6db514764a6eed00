"""The Strawberry schema, composed from the per-domain resolver modules (one literal per domain)."""

from __future__ import annotations

from functools import lru_cache

import strawberry
from graphql import GraphQLError
from graphql.validation import (
    ASTValidationRule,
    MaxIntrospectionDepthRule,
    NoSchemaIntrospectionCustomRule,
)
from strawberry.extensions import MaxTokensLimiter
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext

from core.settings import Settings
from resolvers import room_events, rooms, users, voting
from resolvers.jira import browse as jira_browse
from resolvers.jira import connection as jira_connection
from resolvers.jira import filters as jira_filters
from resolvers.jira import importing as jira_import
from resolvers.jira import mapping as jira_mapping
from resolvers.jira import push as jira_push
from schema.documents import DocumentCache, DocumentPipeline
from schema.execution import FastExecutionContext
from schema.extensions import MaskUnexpectedErrors, log_errors
from schema.limits import Limits
from schema.metrics import OperationMetrics
from schema.tracing import OperationTracing

# One entry per domain module; each defines Query / Mutation (/ Subscription) fragments.
QUERIES: tuple[type, ...] = (
    users.Query,
    jira_connection.Query,
    jira_browse.Query,
    jira_filters.Query,
    rooms.Query,
)
MUTATIONS: tuple[type, ...] = (
    users.Mutation,
    jira_connection.Mutation,
    rooms.Mutation,
    voting.Mutation,
    jira_push.Mutation,
    jira_import.Mutation,
    jira_mapping.Mutation,
)
SUBSCRIPTIONS: tuple[type, ...] = (room_events.Subscription,)


class Schema(strawberry.Schema):
    """Our documents pipeline, and errors logged by what they mean (schema.extensions)."""

    documents: DocumentCache

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        log_errors(errors)


def build_schema(settings: Settings | None = None) -> Schema:
    settings = settings or Settings()
    limits = Limits(
        max_depth=settings.graphql_max_depth,
        max_cost=settings.graphql_max_cost,
        max_aliases=settings.graphql_max_aliases,
    )
    rules: tuple[type[ASTValidationRule], ...] = (MaxIntrospectionDepthRule,)
    if not settings.graphql_introspection:
        rules += (NoSchemaIntrospectionCustomRule,)
    schema: Schema
    documents = DocumentCache(lambda: schema._schema, limits, rules)
    schema = Schema(
        query=merge_types("Query", QUERIES),
        mutation=merge_types("Mutation", MUTATIONS),
        subscription=merge_types("Subscription", SUBSCRIPTIONS),
        execution_context_class=FastExecutionContext,
        extensions=[
            OperationMetrics,  # first: it times and counts everything after it
            OperationTracing,  # the operation's span: the parent of its Jira client spans
            # Factories, not instances: Strawberry builds fresh extensions per request.
            lambda: MaxTokensLimiter(max_token_count=settings.graphql_max_tokens),
            lambda: DocumentPipeline(documents),
            MaskUnexpectedErrors,
        ],
    )
    schema.documents = documents
    return schema


@lru_cache
def sdl() -> str:
    """The schema as SDL: what schema/schema.graphql must hold."""
    return build_schema().as_str() + "\n"
