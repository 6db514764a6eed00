"""End to end over real HTTP: product servers (uvicorn) + the Jira sandbox (uvicorn).

The whole consent through the sandbox's consent page, our callback route (which hands code and
state to the app) and completeJiraConnect; the account-linking attack; refused states;
decline; GraphQL mutations; and 50 concurrent Jira-backed requests across two server
processes sharing PostgreSQL and Redis causing exactly one token refresh at the sandbox.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from core.settings import Settings
from models.jira import JiraConnection, JiraConnectionStatus, OAuthState
from services.jira.connection import hash_state
from services.jira.token_store import keyring_for, unseal
from tests.jira_support import (
    SandboxProcess,
    complete_in_app,
    consent,
    finish_connect,
    hand_off,
    new_account,
    query_of,
    token_calls,
)
from tests.support import REDIS_URL, GraphQLClient, ServerProcess

START = "mutation($r:String){startJiraConnect(returnTo:$r){authorizeUrl errors{code field}}}"
CONNECTION = """{ jiraConnection { id status accountEmail scopes connectedAt expiresAt
  lastRefreshedAt reconnectBy site { cloudId url name } sites { cloudId } } }"""
SELECT = """mutation($id:String!){selectJiraSite(cloudId:$id){
  connection { site { cloudId } } errors { code field } } }"""
DISCONNECT = "mutation { disconnectJira { disconnected errors { code } } }"
PROJECTS = "{ jiraProjects(first: 5) { edges { node { key } } } }"

pytestmark = pytest.mark.usefixtures("database_url")


@pytest.fixture
async def client(jira_server: ServerProcess) -> AsyncIterator[GraphQLClient]:
    gql = GraphQLClient(jira_server.url)
    yield gql
    await gql.aclose()


async def premium(gql: GraphQLClient, tag: str) -> str:
    return await gql.sign_in(f"{tag}-{datetime.now(UTC).timestamp()}@example.com", "PREMIUM")


async def authorize_url(gql: GraphQLClient, token: str, return_to: str | None = None) -> str:
    data = await gql.data(START, {"r": return_to}, token=token)
    assert data["startJiraConnect"]["errors"] == []
    return data["startJiraConnect"]["authorizeUrl"]


async def follow_callback(server: ServerProcess, params: dict[str, str]) -> httpx.Response:
    async with httpx.AsyncClient(timeout=30) as http:
        return await http.get(f"{server.url}/integrations/jira/callback", params=params)


async def connect_over_http(
    gql: GraphQLClient, server: ServerProcess, sandbox: SandboxProcess, token: str
) -> dict[str, Any]:
    answer = await consent(await authorize_url(gql, token), await new_account(sandbox))
    await finish_connect(gql, server, answer, token)
    return answer


async def test_whole_connect_flow_through_the_consent_page(
    client: GraphQLClient, jira_server: ServerProcess, jira_sandbox: SandboxProcess
) -> None:
    token = await premium(client, "flow")
    assert (await client.data(CONNECTION, token=token))["jiraConnection"] is None
    url = await authorize_url(client, token)
    assert url.startswith(f"{jira_sandbox.url}/auth/authorize?")
    assert query_of(url)["redirect_uri"] == f"{jira_server.url}/integrations/jira/callback"

    answer = await connect_over_http(client, jira_server, jira_sandbox, token)
    connection = (await client.data(CONNECTION, token=token))["jiraConnection"]
    assert connection["status"] == "ACTIVE"
    assert connection["accountEmail"].endswith("@sandbox.example")
    assert "offline_access" in connection["scopes"]
    assert connection["site"]["url"].startswith("https://")
    assert [s["cloudId"] for s in connection["sites"]] == [connection["site"]["cloudId"]]
    expires = datetime.fromisoformat(connection["expiresAt"])
    assert timedelta(minutes=55) < expires - datetime.now(UTC) <= timedelta(hours=1)
    year = datetime.fromisoformat(connection["reconnectBy"]) - datetime.now(UTC)
    assert timedelta(days=364) < year <= timedelta(days=365)  # the grant's absolute limit

    replay = await complete_in_app(client, answer, token)  # the state is single-use
    assert [e["code"] for e in replay["errors"]] == ["INVALID_STATE_TOKEN"]

    projects = await client.data(PROJECTS, token=token)
    assert projects["jiraProjects"]["edges"]


async def test_decline_stores_nothing(
    client: GraphQLClient, jira_server: ServerProcess, jira_sandbox: SandboxProcess
) -> None:
    token = await premium(client, "decline")
    url = await authorize_url(client, token)
    answer = await consent(url, await new_account(jira_sandbox), decision="decline")
    assert answer["error"] == "access_denied"
    response = await follow_callback(jira_server, answer)
    assert response.headers["location"] == (
        f"{jira_server.url}/settings/integrations?error=access_denied"
    )
    assert (await client.data(CONNECTION, token=token))["jiraConnection"] is None
    state = await OAuthState.get(state_hash=hash_state(answer["state"]))
    assert state.used_at is not None  # a decline uses the state up


async def test_expired_state_and_forged_code_redirect_with_errors(
    client: GraphQLClient, jira_server: ServerProcess, jira_sandbox: SandboxProcess
) -> None:
    token = await premium(client, "expired")
    answer = await consent(await authorize_url(client, token), await new_account(jira_sandbox))
    await OAuthState.filter(state_hash=hash_state(answer["state"])).update(
        expires_at=datetime.now(UTC) - timedelta(seconds=1)
    )
    expired = await complete_in_app(client, await hand_off(jira_server, answer), token)
    assert [e["code"] for e in expired["errors"]] == ["INVALID_STATE_TOKEN"]

    fresh = await consent(await authorize_url(client, token), await new_account(jira_sandbox))
    forged = await complete_in_app(client, {**fresh, "code": "forged"}, token)
    assert [e["code"] for e in forged["errors"]] == ["OAUTH_FAILED"]
    assert (await client.data(CONNECTION, token=token))["jiraConnection"] is None


async def test_complete_mutation_return_to_and_another_users_state(
    client: GraphQLClient, jira_server: ServerProcess, jira_sandbox: SandboxProcess
) -> None:
    owner, intruder = await premium(client, "owner"), await premium(client, "intruder")
    outside = await client.data(START, {"r": "https://evil.example/"}, token=owner)
    assert outside["startJiraConnect"] == {
        "authorizeUrl": None,
        "errors": [{"code": "VALIDATION", "field": "returnTo"}],
    }
    url = await authorize_url(client, owner, return_to="/rooms/abc")
    answer = await consent(url, await new_account(jira_sandbox))
    refused = await complete_in_app(client, answer, intruder)
    assert refused["connection"] is None
    assert refused["errors"][0]["code"] == "INVALID_STATE_TOKEN"
    assert (await client.data(CONNECTION, token=intruder))["jiraConnection"] is None
    # The refusal used the state up: not even its owner can complete with it now.
    again = await complete_in_app(client, answer, owner)
    assert [e["code"] for e in again["errors"]] == ["INVALID_STATE_TOKEN"]
    assert (await client.data(CONNECTION, token=owner))["jiraConnection"] is None


async def test_completion_returns_the_return_to(
    client: GraphQLClient, jira_server: ServerProcess, jira_sandbox: SandboxProcess
) -> None:
    token = await premium(client, "return")
    url = await authorize_url(client, token, return_to="/rooms/42?tab=jira")
    answer = await consent(url, await new_account(jira_sandbox))
    done = await finish_connect(client, jira_server, answer, token)
    assert done["returnTo"] == f"{jira_server.url}/rooms/42?tab=jira"


async def test_account_linking_attack_connects_nobody(
    client: GraphQLClient, jira_server: ServerProcess, jira_sandbox: SandboxProcess
) -> None:
    """Finding 11: an attacker starts the consent and sends the authorize URL to a victim,
    who consents with her own Atlassian account; her browser follows Atlassian's redirect."""
    attacker, victim = await premium(client, "attacker"), await premium(client, "victim")
    await connect_over_http(client, jira_server, jira_sandbox, victim)
    before = (await client.data(CONNECTION, token=victim))["jiraConnection"]
    row_before = await JiraConnection.get(id=int(before["id"]))

    lure = await authorize_url(client, attacker)
    victims_atlassian = await new_account(jira_sandbox)
    answer = await consent(lure, victims_atlassian)  # the victim accepts on Atlassian's page
    handed = await hand_off(jira_server, answer)  # her browser lands on the app, nothing stored
    assert (await client.data(CONNECTION, token=attacker))["jiraConnection"] is None

    # The app, signed in as the victim, completes: another user's state is refused, used up.
    by_victim = await complete_in_app(client, handed, victim)
    assert [e["code"] for e in by_victim["errors"]] == ["INVALID_STATE_TOKEN"]
    # The attacker holds no code (it went to the victim's browser); even given it, the state
    # is spent.
    by_attacker = await complete_in_app(client, handed, attacker)
    assert [e["code"] for e in by_attacker["errors"]] == ["INVALID_STATE_TOKEN"]

    assert (await client.data(CONNECTION, token=attacker))["jiraConnection"] is None
    after = (await client.data(CONNECTION, token=victim))["jiraConnection"]
    assert after == before
    row_after = await JiraConnection.get(id=row_before.id)
    assert (row_after.version, row_after.account_id) == (row_before.version, row_before.account_id)


async def test_select_site_disconnect_and_premium_gate(
    client: GraphQLClient, jira_server: ServerProcess, jira_sandbox: SandboxProcess
) -> None:
    token = await premium(client, "sites")
    await connect_over_http(client, jira_server, jira_sandbox, token)
    site = (await client.data(CONNECTION, token=token))["jiraConnection"]["site"]["cloudId"]
    selected = (await client.data(SELECT, {"id": site}, token=token))["selectJiraSite"]
    assert selected == {"connection": {"site": {"cloudId": site}}, "errors": []}
    unknown = (await client.data(SELECT, {"id": "nope"}, token=token))["selectJiraSite"]
    assert unknown["errors"] == [{"code": "NOT_FOUND", "field": "cloudId"}]

    assert (await client.data(DISCONNECT, token=token))["disconnectJira"] == {
        "disconnected": True,
        "errors": [],
    }
    assert (await client.data(CONNECTION, token=token))["jiraConnection"] is None

    free = await client.sign_in(f"free-{datetime.now(UTC).timestamp()}@example.com", "FREE")
    for operation in (CONNECTION, START, DISCONNECT):
        body = await client.execute(operation, token=free)
        assert body["errors"][0]["extensions"]["code"] == "PREMIUM_REQUIRED"


async def test_one_refresh_for_50_requests_across_two_processes(
    start_server: Callable[..., ServerProcess],
    redis_prefix: str,
    jira_sandbox: SandboxProcess,
) -> None:
    env = {
        "ATLASSIAN_AUTH_URL": f"{jira_sandbox.url}/auth",
        "ATLASSIAN_API_URL": f"{jira_sandbox.url}/api",
        "REDIS_URL": REDIS_URL,
        "REDIS_PREFIX": redis_prefix,
        "LOG_LEVEL": "INFO",
    }
    first, second = start_server(**env), start_server(**env)
    gql = GraphQLClient(first.url)
    try:
        token = await premium(gql, "burst")
        await connect_over_http(gql, first, jira_sandbox, token)
        connection_id = (await gql.data(CONNECTION, token=token))["jiraConnection"]["id"]
        row = await JiraConnection.get(id=int(connection_id))
        # Atlassian's side and ours agree the access token is dead.
        await jira_sandbox.admin("POST", "/tokens/expire", json={"accountId": row.account_id})
        await JiraConnection.filter(id=row.id).update(access_expires_at=datetime.now(UTC))
        before = (await token_calls(jira_sandbox)).get("refresh_token", 0)

        clients = [GraphQLClient(server.url, token) for server in (first, second)]
        bodies = await asyncio.gather(*(clients[i % 2].execute(PROJECTS) for i in range(50)))
        for other in clients:
            await other.aclose()
        assert all(not body.get("errors") for body in bodies), bodies[0]
        assert all(body["data"]["jiraProjects"]["edges"] for body in bodies)
        assert (await token_calls(jira_sandbox)).get("refresh_token", 0) == before + 1
        refreshed = await JiraConnection.get(id=row.id)
        assert refreshed.version == row.version + 1
        assert refreshed.status == JiraConnectionStatus.ACTIVE
        keyring = keyring_for(Settings())
        secrets = [
            unseal(keyring, r, f)
            for r in (row, refreshed)
            for f in ("access_token", "refresh_token")
        ]
        logs = first.logs() + second.logs()
        assert "jira tokens refreshed for connection" in logs  # INFO lines were written
        assert not any(secret in logs for secret in secrets)

        # A revoked grant: the next refresh is refused once, and the connection shows it.
        await jira_sandbox.admin("POST", "/tokens/revoke", json={"accountId": row.account_id})
        await JiraConnection.filter(id=row.id).update(access_expires_at=datetime.now(UTC))
        before = (await token_calls(jira_sandbox)).get("refresh_token", 0)
        for _ in range(3):  # refused once at Atlassian, then failing fast here
            revoked = await gql.execute(PROJECTS, token=token)
            assert revoked["errors"][0]["extensions"]["code"] == "NEEDS_REAUTH"
        assert (await token_calls(jira_sandbox)).get("refresh_token", 0) == before + 1
        status = (await gql.data(CONNECTION, token=token))["jiraConnection"]["status"]
        assert status == "NEEDS_REAUTH"
    finally:
        await gql.aclose()
        for server in (first, second):
            server.stop()


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"error": "invalid_scope", "state": "x"}, "invalid_scope"),
        ({"error": "<script>", "state": "x"}, "oauth_error"),
        ({"code": "c"}, "invalid_state"),
        ({}, "invalid_state"),
        ({"state": "x"}, "missing_code"),
        ({"state": "x\u00e9", "code": "c"}, "invalid_state"),
    ],
)
async def test_callback_maps_every_failure_to_a_known_error_code(
    jira_server: ServerProcess, params: dict[str, str], code: str
) -> None:
    response = await follow_callback(jira_server, params)
    assert response.status_code == 303
    assert response.headers["location"] == f"{jira_server.url}/settings/integrations?error={code}"
    assert response.headers["cache-control"] == "no-store"
