"""Top-level GraphQL errors: authentication and authorization failures, with extensions.code.

Expected failures of an operation are its payload's `errors` instead (resolvers/payloads.py).
"""

from __future__ import annotations

from graphql import GraphQLError


class TopLevelError(GraphQLError):
    """Authentication/authorization failures: top-level errors with extensions.code."""

    code = "FORBIDDEN"
    default_message = "Forbidden."

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.default_message, extensions={"code": self.code})


class Unauthenticated(TopLevelError):
    code = "UNAUTHENTICATED"
    default_message = "Authentication required: send a valid bearer token."


class Forbidden(TopLevelError):
    code = "FORBIDDEN"
    default_message = "You are not allowed to do this."


class PremiumRequired(TopLevelError):
    code = "PREMIUM_REQUIRED"
    default_message = "This feature requires the PREMIUM plan."
