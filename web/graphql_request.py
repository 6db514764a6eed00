"""What a GraphQL request is: its body or query string read strictly, trusted documents resolved.

Anything that is not a GraphQL request (a body that is not a JSON object, not valid UTF-8, JSON
nested beyond the parser's recursion limit, fields of the wrong type) raises BadGraphQLRequest,
which the view answers with 400 and a GraphQL-style error. `{"documentId": "sha256:<hex>"}` names a
trusted document (GraphQL over HTTP, appendix A); with `GRAPHQL_DOCUMENTS=trusted` a request
with query text is refused and nothing runs.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from schema.documents import TrustedDocuments


class BadGraphQLRequest(Exception):
    def __init__(self, message: str, code: str = "BAD_REQUEST", status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status

    def body(self) -> dict[str, Any]:
        return {"errors": [{"message": self.message, "extensions": {"code": self.code}}]}


@dataclass(frozen=True)
class RequestRules:
    """What this server accepts: its trusted documents, whether only those, and how long a
    document may be (GRAPHQL_MAX_DOCUMENT_BYTES, the same on HTTP and websockets)."""

    documents: TrustedDocuments
    trusted_only: bool = False
    max_document_characters: int = 100_000


@dataclass(frozen=True)
class GraphQLRequest:
    query: str
    variables: dict[str, Any] | None
    operation_name: str | None
    extensions: dict[str, Any] | None


def decode_json(data: str | bytes) -> object:
    """JSON as Python objects; BadGraphQLRequest for bad UTF-8, bad JSON or deep nesting."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError:
            raise BadGraphQLRequest("The request body is not valid UTF-8.") from None
    try:
        return json.loads(data)
    except RecursionError:
        raise BadGraphQLRequest("The JSON nests too deeply.") from None
    except ValueError:
        raise BadGraphQLRequest("The request body is not valid JSON.") from None


def from_json_body(body: bytes, rules: RequestRules) -> GraphQLRequest:
    return from_payload(decode_json(body), rules)


def from_query_params(params: Mapping[str, str], rules: RequestRules) -> GraphQLRequest:
    payload: dict[str, Any] = {key: params[key] for key in params}
    for key in ("variables", "extensions"):
        if isinstance(payload.get(key), str):
            payload[key] = decode_json(payload[key])
    return from_payload(payload, rules)


def from_payload(payload: object, rules: RequestRules) -> GraphQLRequest:
    """A GraphQL request from a decoded body, a query string or a websocket `subscribe`."""
    if not isinstance(payload, dict):
        raise BadGraphQLRequest("A GraphQL request is a JSON object (batching is not enabled).")
    query = _optional(payload, "query", str)
    document_id = _optional(payload, "documentId", str)
    variables = _optional(payload, "variables", dict)
    operation_name = _optional(payload, "operationName", str)
    extensions = _optional(payload, "extensions", dict)
    if query is not None and document_id is not None:
        raise BadGraphQLRequest("Send either `query` or `documentId`, not both.")
    if document_id is not None:
        query = rules.documents.text(document_id)
        if query is None:
            raise BadGraphQLRequest(
                "No trusted document has this documentId.", "PERSISTED_DOCUMENT_NOT_FOUND"
            )
    elif rules.trusted_only and query is not None:
        raise BadGraphQLRequest(
            "This server runs trusted documents only: send a `documentId`, not `query`.",
            "TRUSTED_DOCUMENTS_ONLY",
        )
    elif query is not None and len(query) > rules.max_document_characters:
        raise BadGraphQLRequest(
            f"The document has {len(query):,} characters, more than the "
            f"{rules.max_document_characters:,} allowed (GRAPHQL_MAX_DOCUMENT_BYTES).",
            "DOCUMENT_TOO_LARGE",
            status=413,
        )
    if not query:
        raise BadGraphQLRequest("The request has no `query` (or `documentId`).")
    return GraphQLRequest(query, variables, operation_name, extensions)


def _optional(payload: dict[str, Any], key: str, kind: type) -> Any:
    value = payload.get(key)
    if value is not None and not isinstance(value, kind):
        expected = "a string" if kind is str else "an object"
        raise BadGraphQLRequest(f"`{key}` must be {expected} or null.")
    return value
