"""Bearer auth over real HTTP: bad tokens are top-level UNAUTHENTICATED errors."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from tests.support import GraphQLClient, ServerProcess
from tests.web import tokens


def error_codes(body: dict) -> list[str]:
    return [error.get("extensions", {}).get("code") for error in body.get("errors") or []]


@pytest.mark.parametrize("kind", sorted(tokens.REFUSED))
async def test_refused_tokens_are_unauthenticated(kind: str, gql: GraphQLClient) -> None:
    make: Callable[[], str] = tokens.REFUSED[kind]
    body = await gql.execute("{ viewer { email } }", token=make())
    assert error_codes(body) == ["UNAUTHENTICATED"]
    assert body["data"] == {"viewer": None}


async def test_expired_token_message_says_expired(gql: GraphQLClient) -> None:
    body = await gql.execute("{ viewer { email } }", token=tokens.expired())
    assert "expired" in body["errors"][0]["message"].lower()


@pytest.mark.parametrize("header", ["Basic dXNlcjpwdw==", "Bearer", "Token abc"])
async def test_malformed_authorization_header_is_unauthenticated(
    header: str, server: ServerProcess
) -> None:
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
        response = await http.post(
            "/graphql", json={"query": "{ viewer { email } }"}, headers={"authorization": header}
        )
    assert error_codes(response.json()) == ["UNAUTHENTICATED"]


async def test_valid_token_upserts_the_user_from_its_claims(gql: GraphQLClient) -> None:
    claims = tokens.claims(name="First Name")
    first = await gql.data("{ viewer { id email name plan } }", token=tokens.valid(**claims))
    assert first["viewer"]["email"] == claims["email"]
    assert (first["viewer"]["name"], first["viewer"]["plan"]) == ("First Name", "FREE")
    renamed = tokens.valid(**{**claims, "name": "New Name"})
    second = await gql.data("{ viewer { id name } }", token=renamed)
    assert second["viewer"] == {"id": first["viewer"]["id"], "name": "New Name"}


async def test_anonymous_viewer_is_null(gql: GraphQLClient) -> None:
    assert await gql.data("{ viewer { email } }") == {"viewer": None}


async def test_query_needing_auth_without_token_is_unauthenticated(gql: GraphQLClient) -> None:
    body = await gql.execute("{ jiraConnection { id } }")
    assert error_codes(body) == ["UNAUTHENTICATED"]


async def test_premium_query_with_a_free_user_is_premium_required(gql: GraphQLClient) -> None:
    token = await gql.sign_in(tokens.claims()["email"], plan="FREE")
    body = await gql.execute("{ jiraConnection { id } }", token=token)
    assert error_codes(body) == ["PREMIUM_REQUIRED"]
