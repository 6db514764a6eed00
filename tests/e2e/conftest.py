"""Shared fixtures of this package: the Jira Cloud sandbox in its own process, and a product
server pointed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest

from tests.jira_support import SandboxProcess, jira_sandbox
from tests.support import GraphQLClient, ServerProcess

__all__ = ["jira_sandbox", "jira_server"]


@pytest.fixture(scope="module")
def jira_server(
    start_server: Callable[..., ServerProcess], jira_sandbox: SandboxProcess
) -> ServerProcess:
    return start_server(
        ATLASSIAN_AUTH_URL=f"{jira_sandbox.url}/auth", ATLASSIAN_API_URL=f"{jira_sandbox.url}/api"
    )


@pytest.fixture
async def gql(jira_server: ServerProcess) -> AsyncIterator[GraphQLClient]:
    """A GraphQL client of the module's server (modules with a server of their own override it)."""
    client = GraphQLClient(jira_server.url)
    yield client
    await client.aclose()
