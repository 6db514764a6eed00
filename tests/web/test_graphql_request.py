"""web.graphql_request: what is (and is not) a GraphQL request."""

from __future__ import annotations

import json

import pytest

from schema.documents import TrustedDocuments, document_id
from web.graphql_request import (
    BadGraphQLRequest,
    RequestRules,
    decode_json,
    from_json_body,
    from_payload,
    from_query_params,
)

TEXT = "query Viewer { viewer { email } }"
TRUSTED = RequestRules(TrustedDocuments({document_id(TEXT): TEXT}))
TRUSTED_ONLY = RequestRules(TRUSTED.documents, trusted_only=True)
NONE = RequestRules(TrustedDocuments({}))


@pytest.mark.parametrize(
    "body", [b"null", b"1", b'"x"', b"[]", b"[{}]", b"true", b"\xff\xfe", b"{", b"", b"[" * 100_000]
)
def test_bodies_that_are_not_a_graphql_request_are_bad_requests(body: bytes) -> None:
    """Finding 3: these were HTTP 500."""
    with pytest.raises(BadGraphQLRequest) as refused:
        from_json_body(body, NONE)
    assert refused.value.status == 400 and refused.value.code == "BAD_REQUEST"
    assert refused.value.body()["errors"][0]["extensions"] == {"code": "BAD_REQUEST"}


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"query": 1}, "`query` must be a string"),
        ({"query": TEXT, "variables": []}, "`variables` must be an object"),
        ({"query": TEXT, "operationName": 3}, "`operationName` must be a string"),
        ({"query": TEXT, "extensions": "x"}, "`extensions` must be an object"),
        ({}, "has no `query`"),
        ({"query": ""}, "has no `query`"),
        ({"query": TEXT, "documentId": document_id(TEXT)}, "not both"),
    ],
)
def test_fields_of_the_wrong_type_are_bad_requests(payload: dict, message: str) -> None:
    with pytest.raises(BadGraphQLRequest, match=message):
        from_payload(payload, TRUSTED)


def test_a_document_id_runs_its_trusted_text() -> None:
    request = from_payload({"documentId": document_id(TEXT), "variables": {"a": 1}}, TRUSTED_ONLY)
    assert (request.query, request.variables) == (TEXT, {"a": 1})


def test_an_unknown_document_id_is_not_found() -> None:
    with pytest.raises(BadGraphQLRequest) as refused:
        from_payload({"documentId": "sha256:" + "0" * 64}, TRUSTED)
    assert refused.value.code == "PERSISTED_DOCUMENT_NOT_FOUND"


def test_trusted_only_refuses_query_text_even_of_a_trusted_document() -> None:
    with pytest.raises(BadGraphQLRequest) as refused:
        from_payload({"query": TEXT}, TRUSTED_ONLY)
    assert refused.value.code == "TRUSTED_DOCUMENTS_ONLY"
    assert from_payload({"query": TEXT}, TRUSTED).query == TEXT


def test_a_document_over_the_size_limit_is_refused_before_parsing() -> None:
    rules = RequestRules(TrustedDocuments({}), max_document_characters=1000)
    with pytest.raises(BadGraphQLRequest) as refused:
        from_payload({"query": "{ __typename }" + " " * 1000}, rules)
    assert (refused.value.code, refused.value.status) == ("DOCUMENT_TOO_LARGE", 413)
    assert from_payload({"query": "{ __typename }" + " " * 900}, rules).query


def test_query_parameters_decode_their_json_strictly() -> None:
    request = from_query_params({"query": TEXT, "variables": '{"a": 1}'}, NONE)
    assert request.variables == {"a": 1}
    with pytest.raises(BadGraphQLRequest):
        from_query_params({"query": TEXT, "variables": "[" * 100_000}, NONE)
    with pytest.raises(BadGraphQLRequest):
        from_query_params({"query": TEXT, "variables": "1"}, NONE)


def test_json_keeps_lone_surrogates_for_the_domain_to_refuse_by_field() -> None:
    assert decode_json(json.dumps({"n": "\ud800"}).encode()) == {"n": "\ud800"}
