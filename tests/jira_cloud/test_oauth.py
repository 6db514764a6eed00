"""The OAuth client against the sandbox's auth and API bases over HTTP (in process, through
its ASGI transport; an unreachable server over a real socket)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from jira_cloud import oauth
from tests.jira_support import ALEX, DANA, Sandbox, consent, free_port
from wiring import make_jira_http

REDIRECT = "http://127.0.0.1:9/integrations/jira/callback"


@pytest.fixture
def app(jira_sandbox: Sandbox) -> oauth.OAuthApp:
    return oauth.OAuthApp(
        client_id="agilekit-dev-client",
        client_secret="dev-only-agilekit-jira-client-secret",
        redirect_uri=REDIRECT,
        auth_base_url=f"{jira_sandbox.url}/auth",
        api_base_url=f"{jira_sandbox.url}/api",
    )


@pytest.fixture
async def http(jira_sandbox: Sandbox) -> AsyncIterator[httpx.AsyncClient]:
    client = make_jira_http(jira_sandbox.transport)
    yield client
    await client.aclose()


@pytest.fixture
async def network_http() -> AsyncIterator[httpx.AsyncClient]:
    """The product's client on real sockets."""
    client = make_jira_http()
    yield client
    await client.aclose()


async def _code(sandbox: Sandbox, app: oauth.OAuthApp, account: str) -> str:
    answer = await consent(oauth.authorize_url(app, "st-1"), account, sandbox=sandbox)
    assert answer["state"] == "st-1"
    return answer["code"]


def test_authorize_url_carries_every_parameter() -> None:
    app = oauth.OAuthApp("cid", "secret", REDIRECT, "http://h:1/sandbox/auth", "http://h:1/api")
    url = oauth.authorize_url(app, "the-state")
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert parts.path == "/sandbox/auth/authorize"
    assert query == {
        "audience": "api.atlassian.com",
        "client_id": "cid",
        "scope": " ".join(oauth.JIRA_SCOPES),
        "redirect_uri": REDIRECT,
        "state": "the-state",
        "response_type": "code",
        "prompt": "consent",
    }
    assert "offline_access" in oauth.JIRA_SCOPES and "secret" not in url


@pytest.mark.parametrize(
    ("error", "description", "reauth"),
    [
        ("invalid_grant", "Unknown or invalid refresh token.", True),
        ("unauthorized_client", None, True),
        ("access_denied", "refresh_token is invalid", True),
        ("access_denied", "Unauthorized", False),
        ("unavailable", "ConnectError", False),
    ],
)
def test_reauth_signals(error: str, description: str | None, reauth: bool) -> None:
    assert oauth.OAuthError(error, description, 403).requires_reauth is reauth


async def test_exchange_resources_account_and_rotating_refresh(
    app: oauth.OAuthApp, http: httpx.AsyncClient, jira_sandbox: Sandbox
) -> None:
    grant = await oauth.exchange_code(http, app, await _code(jira_sandbox, app, DANA))
    assert grant.access_token and grant.refresh_token
    assert "offline_access" in grant.scopes
    assert timedelta(minutes=55) < grant.expires_at - datetime.now(UTC) <= timedelta(hours=1)
    assert grant.access_token not in repr(grant) and grant.refresh_token not in repr(grant)

    sites = await oauth.accessible_resources(http, app, grant.access_token)
    assert len(sites) == 1 and sites[0].cloud_id and sites[0].url.startswith("https://")
    account = await oauth.fetch_account(http, app, grant.access_token, sites[0].cloud_id)
    assert account.account_id == DANA and account.email == "demo@agilekit.dev"

    renewed = await oauth.refresh(http, app, grant.refresh_token, grant.scopes)
    assert renewed.refresh_token and renewed.refresh_token != grant.refresh_token
    assert renewed.access_token != grant.access_token


async def test_code_is_single_use(
    app: oauth.OAuthApp, http: httpx.AsyncClient, jira_sandbox: Sandbox
) -> None:
    code = await _code(jira_sandbox, app, ALEX)
    await oauth.exchange_code(http, app, code)
    with pytest.raises(oauth.OAuthError) as caught:
        await oauth.exchange_code(http, app, code)
    assert caught.value.status == 400 and not caught.value.requires_reauth


async def test_unknown_refresh_token_requires_reauth(
    app: oauth.OAuthApp, http: httpx.AsyncClient
) -> None:
    with pytest.raises(oauth.OAuthError) as caught:
        await oauth.refresh(http, app, "not-a-refresh-token")
    assert caught.value.error == "invalid_grant" and caught.value.requires_reauth


async def test_wrong_client_secret_is_access_denied(
    app: oauth.OAuthApp, http: httpx.AsyncClient, jira_sandbox: Sandbox
) -> None:
    wrong = oauth.OAuthApp(app.client_id, "wrong", REDIRECT, app.auth_base_url, app.api_base_url)
    with pytest.raises(oauth.OAuthError) as caught:
        await oauth.exchange_code(http, wrong, await _code(jira_sandbox, app, ALEX))
    assert (caught.value.status, caught.value.error) == (401, "access_denied")
    assert "wrong" not in str(caught.value)


async def test_unreachable_auth_server_is_transient(network_http: httpx.AsyncClient) -> None:
    dead = f"http://127.0.0.1:{free_port()}"  # a real refused connection
    app = oauth.OAuthApp("cid", "secret", REDIRECT, dead, dead)
    with pytest.raises(oauth.OAuthError) as caught:
        await oauth.refresh(network_http, app, "some-refresh-token")
    assert caught.value.error == "unavailable" and caught.value.is_transient
    assert "some-refresh-token" not in str(caught.value)


async def test_bad_access_token_is_refused(app: oauth.OAuthApp, http: httpx.AsyncClient) -> None:
    with pytest.raises(oauth.OAuthError) as caught:
        await oauth.accessible_resources(http, app, "bogus")
    assert caught.value.status == 401
