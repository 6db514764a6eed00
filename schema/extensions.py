"""Schema extensions: expected errors pass through; anything else is masked and logged."""

from __future__ import annotations

import logging

from graphql import GraphQLError
from strawberry.extensions import MaskErrors

from core.logging import request_id_var

log = logging.getLogger("agilekit.graphql")


def is_unexpected(error: GraphQLError) -> bool:
    """Validation/parse errors and our TopLevelErrors are expected; any other exception is not."""
    original = error.original_error
    return original is not None and not isinstance(original, GraphQLError)


class MaskUnexpectedErrors(MaskErrors):
    def __init__(self) -> None:
        super().__init__(should_mask_error=is_unexpected)

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        request_id = request_id_var.get()
        log.error(
            "unexpected error in %s",
            ".".join(map(str, error.path or [])) or "operation",
            exc_info=error.original_error,
        )
        return GraphQLError(
            message=f"Internal server error. Request id: {request_id}",
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            extensions={"code": "INTERNAL_SERVER_ERROR", "requestId": request_id},
        )
