"""GraphQL hygiene over HTTP: depth, alias and token limits; unexpected errors masked."""

from __future__ import annotations

import json
import re

import httpx

from core.settings import Settings
from tests.support import GraphQLClient, ServerProcess
from tests.web import tokens

LIMITS = Settings()


def nested(depth: int) -> str:
    """`{ viewer { f { f { ... } } } }` with `depth` levels of selection below the root."""
    inner = "email"
    for _ in range(depth - 1):
        inner = f"f {{ {inner} }}"
    return f"{{ viewer {{ {inner} }} }}"


def messages(body: dict) -> list[str]:
    return [error["message"] for error in body.get("errors") or []]


async def test_an_over_deep_query_is_refused(gql: GraphQLClient) -> None:
    body = await gql.execute(nested(LIMITS.graphql_max_depth + 2))
    assert body.get("data") is None
    assert any("exceeds maximum operation depth" in m for m in messages(body)), body


async def test_a_query_at_the_depth_limit_is_not_refused_for_depth(gql: GraphQLClient) -> None:
    body = await gql.execute(nested(LIMITS.graphql_max_depth))
    assert not any("depth" in m for m in messages(body)), body


async def test_too_many_aliases_are_refused(gql: GraphQLClient) -> None:
    limit = LIMITS.graphql_max_aliases
    over = " ".join(f"a{i}: viewer {{ email }}" for i in range(limit + 1))
    body = await gql.execute(f"{{ {over} }}")
    assert body.get("data") is None
    assert any("aliases found" in m for m in messages(body)), body
    at_limit = " ".join(f"a{i}: viewer {{ email }}" for i in range(limit))
    assert len(await gql.data(f"{{ {at_limit} }}")) == limit


async def test_too_many_tokens_are_refused(gql: GraphQLClient) -> None:
    fields = " ".join(["__typename"] * LIMITS.graphql_max_tokens)
    body = await gql.execute(f"{{ {fields} }}")
    assert body.get("data") is None
    limit_message = f"more than {LIMITS.graphql_max_tokens} tokens"
    assert any(limit_message in m for m in messages(body)), body


async def test_validation_errors_pass_through_unmasked(gql: GraphQLClient) -> None:
    body = await gql.execute("{ viewer { noSuchField } }")
    assert any("noSuchField" in m for m in messages(body)), body


async def test_an_unexpected_exception_is_masked_with_the_request_id(
    schemaless_server: ServerProcess,
) -> None:
    token = tokens.valid()
    request_id = "masked-error-test-0001"
    async with httpx.AsyncClient(base_url=schemaless_server.url, timeout=10) as http:
        response = await http.post(
            "/graphql",
            json={"query": "{ viewer { email } }"},
            headers={"authorization": f"Bearer {token}", "x-request-id": request_id},
        )
    assert response.headers["x-request-id"] == request_id
    (error,) = response.json()["errors"]
    assert error["message"] == f"Internal server error. Request id: {request_id}"
    assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR", "requestId": request_id}
    text = response.text.lower()
    for leak in ("relation", "users", "select", "traceback", "asyncpg", "tortoise"):
        assert leak not in text, response.text

    logged = [json.loads(line) for line in schemaless_server.logs().splitlines() if line]
    failures = [line for line in logged if line["request_id"] == request_id]
    assert any(line["level"] == "ERROR" and "exc" in line for line in failures), logged[-5:]
    assert token not in schemaless_server.logs()


async def test_a_generated_request_id_is_the_one_in_the_error_and_header(
    schemaless_server: ServerProcess,
) -> None:
    async with httpx.AsyncClient(base_url=schemaless_server.url, timeout=10) as http:
        response = await http.post(
            "/graphql",
            json={"query": "{ viewer { email } }"},
            headers={"authorization": f"Bearer {tokens.valid()}", "x-request-id": "bad id!"},
        )
    request_id = response.headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)
    assert response.json()["errors"][0]["extensions"]["requestId"] == request_id
    assert request_id in schemaless_server.logs()
