"""Errors as operators need them: expected ones pass through and are logged briefly at INFO;
anything else is masked in the response and logged once at ERROR with its traceback."""

from __future__ import annotations

import logging
from typing import Any

from graphql import ExecutionResult, GraphQLError
from strawberry.extensions import MaskErrors

from core import encoding
from core.logging import request_id_var
from core.text import clip

log = logging.getLogger(__name__)
LOGGED_MESSAGE_CHARACTERS = 300


def is_unexpected(error: GraphQLError) -> bool:
    """Validation/parse errors and our TopLevelErrors are expected; any other exception is not."""
    original = error.original_error
    return original is not None and not isinstance(original, GraphQLError)


def log_errors(errors: list[GraphQLError]) -> None:
    for error in errors:
        where = ".".join(map(str, error.path or [])) or "operation"
        if is_unexpected(error):
            log.error("unexpected error in %s", where, exc_info=error.original_error)
        else:
            code = (error.extensions or {}).get("code", "GRAPHQL")
            message = clip(error.message, LOGGED_MESSAGE_CHARACTERS)
            log.info("refused %s in %s: %s", code, where, message)


class MaskUnexpectedErrors(MaskErrors):
    def __init__(self) -> None:
        super().__init__(should_mask_error=is_unexpected)

    def _process_result(self, result: object) -> None:
        # Runs for every subscription event of every subscriber; Strawberry's isinstance check
        # against a runtime Protocol costs ~20 us each time, a result without errors none.
        if getattr(result, "errors", None):
            super()._process_result(result)

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        request_id = request_id_var.get()
        return GraphQLError(
            message=f"Internal server error. Request id: {request_id}",
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            extensions={"code": "INTERNAL_SERVER_ERROR", "requestId": request_id},
        )


def encode_result(result: ExecutionResult) -> str:
    """The `next` payload Strawberry would send, unexpected errors masked and logged."""
    body: dict[str, Any] = {"data": result.data}
    if result.errors:
        log_errors(result.errors)
        masked = (
            _MASK.anonymise_error(error) if is_unexpected(error) else error
            for error in result.errors
        )
        body["errors"] = [error.formatted for error in masked]
    return encoding.dumps(body)


_MASK = MaskUnexpectedErrors()
