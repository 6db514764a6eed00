"""Jira connection service: state handling, returnTo, connect/reconnect, sites, disconnect."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from core.errors import ErrorCode, ServiceError
from models.jira import JiraConnection, JiraConnectionStatus, JiraSite, OAuthState
from services.jira import connection as service
from services.jira.connection import JiraConnectFailed
from services.jira.tokens import ConnectionTokens, JiraNotConnected
from services.runtime import Runtime
from tests.jira_support import (
    Sandbox,
    connect_user,
    consent,
    make_runtime,
    make_user,
    new_account,
)

pytestmark = pytest.mark.usefixtures("database_url")


@pytest.fixture
async def runtime(jira_sandbox: Sandbox) -> AsyncIterator[Runtime]:
    runtime = await make_runtime(jira_sandbox)
    yield runtime
    assert runtime.jira_http is not None
    await runtime.jira_http.aclose()


async def test_authorize_url_has_the_full_contract(runtime: Runtime) -> None:
    user = await make_user()
    url = await service.start_connect(runtime, user, None)
    parts = urlsplit(url)
    query = {key: values[0] for key, values in parse_qs(parts.query).items()}
    assert (
        f"{parts.scheme}://{parts.netloc}{parts.path}"
        == f"{runtime.settings.auth_base_url}/authorize"
    )
    assert query["audience"] == "api.atlassian.com"
    assert query["client_id"] == runtime.settings.jira_client_id
    assert query["response_type"] == "code" and query["prompt"] == "consent"
    assert query["redirect_uri"] == f"{runtime.settings.public_url}/integrations/jira/callback"
    scopes = set(query["scope"].split(" "))
    assert {"offline_access", "read:jira-work", "write:jira-work", "manage:jira-webhook"} <= scopes
    assert {
        "read:board-scope:jira-software",
        "read:project:jira",
        "read:sprint:jira-software",
    } <= scopes
    state_row = await OAuthState.get(state_hash=service.hash_state(query["state"]))
    assert state_row.user_id == user.id and state_row.used_at is None
    assert query["state"] not in state_row.state_hash  # stored hashed
    assert timedelta(minutes=9) < state_row.expires_at - datetime.now(UTC) <= timedelta(minutes=10)


@pytest.mark.parametrize(
    ("return_to", "ok"),
    [
        ("/rooms/12", True),
        ("{app}/settings/integrations?x=1", True),
        ("https://evil.example/steal", False),
        ("//evil.example/steal", False),
        ("{app}.evil.example/x", False),
        ("javascript:alert(1)", False),
        ("/\\evil.example", False),
    ],
)
async def test_return_to_must_stay_inside_the_app(
    runtime: Runtime, return_to: str, ok: bool
) -> None:
    candidate = return_to.format(app=runtime.settings.frontend_url)
    if ok:
        assert service.validate_return_to(runtime, candidate).startswith(
            runtime.settings.frontend_url + "/"
        )
    else:
        with pytest.raises(ServiceError) as caught:
            service.validate_return_to(runtime, candidate)
        assert caught.value.code == ErrorCode.VALIDATION and caught.value.field == "returnTo"


async def test_state_is_single_use(runtime: Runtime) -> None:
    user = await make_user()
    url = await service.start_connect(runtime, user, None)
    state = parse_qs(urlsplit(url).query)["state"][0]
    claimed = await service.consume_state(state, user)
    assert claimed.user_id == user.id and claimed.used_at is not None
    with pytest.raises(JiraConnectFailed) as caught:
        await service.consume_state(state, user)
    assert caught.value.reason == "invalid_state"


async def test_state_of_another_user_is_refused_and_used_up(runtime: Runtime) -> None:
    owner, intruder = await make_user(), await make_user()
    url = await service.start_connect(runtime, owner, None)
    state = parse_qs(urlsplit(url).query)["state"][0]
    with pytest.raises(JiraConnectFailed) as caught:
        await service.consume_state(state, intruder)
    assert caught.value.reason == "state_mismatch"
    assert caught.value.code == ErrorCode.INVALID_STATE_TOKEN
    with pytest.raises(JiraConnectFailed) as again:  # whoever held it cannot retry
        await service.consume_state(state, owner)
    assert again.value.reason == "invalid_state"


async def test_own_state_is_consumed_once(runtime: Runtime) -> None:
    owner = await make_user()
    url = await service.start_connect(runtime, owner, None)
    state = parse_qs(urlsplit(url).query)["state"][0]
    assert (await service.consume_state(state, owner)).user_id == owner.id  # type: ignore[attr-defined]
    with pytest.raises(JiraConnectFailed):
        await service.consume_state(state, owner)


async def test_expired_state_is_refused(runtime: Runtime) -> None:
    user = await make_user()
    url = await service.start_connect(runtime, user, None)
    state = parse_qs(urlsplit(url).query)["state"][0]
    await OAuthState.filter(state_hash=service.hash_state(state)).update(
        expires_at=datetime.now(UTC) - timedelta(seconds=1)
    )
    with pytest.raises(JiraConnectFailed):
        await service.consume_state(state, user)


async def test_unknown_state_is_refused() -> None:
    with pytest.raises(JiraConnectFailed) as caught:
        await service.consume_state("never-issued", None)
    assert caught.value.code == ErrorCode.INVALID_STATE_TOKEN


async def _cloud_ids(sandbox: Sandbox) -> list[str]:
    return [site["cloudId"] for site in (await sandbox.admin("GET", "/state"))["sites"]]


async def test_connect_stores_sites_account_and_encrypted_tokens(
    runtime: Runtime, jira_sandbox: Sandbox
) -> None:
    first_site, _second = await _cloud_ids(jira_sandbox)
    account = await new_account(jira_sandbox)
    user = await make_user()
    result = await connect_user(
        runtime, user, account, site=first_site, return_to="/rooms/1", sandbox=jira_sandbox
    )
    connection = result.connection
    assert result.return_to == f"{runtime.settings.frontend_url}/rooms/1"
    assert connection.status == JiraConnectionStatus.ACTIVE and connection.user_id == user.id
    assert connection.account_id == account and connection.account_email.endswith(
        "@sandbox.example"
    )
    assert "offline_access" in connection.scopes
    assert connection.access_token_enc.startswith("v1.dev.")
    assert connection.refresh_token_enc.startswith("v1.dev.")
    sites = await service.list_sites(connection.id)
    assert [(s.cloud_id, s.selected) for s in sites] == [(first_site, True)]
    assert (await service.resolve_site(connection)).cloud_id == first_site
    token = await ConnectionTokens(runtime, connection.id).access_token()
    assert token.count(".") == 2  # the sandbox's JWT, decrypted


async def test_reconnect_replaces_tokens_adds_sites_and_keeps_selection(
    runtime: Runtime, jira_sandbox: Sandbox
) -> None:
    first_site, second_site = await _cloud_ids(jira_sandbox)
    account = await new_account(jira_sandbox)
    user = await make_user()
    connected = await connect_user(runtime, user, account, site=first_site, sandbox=jira_sandbox)
    first = connected.connection
    await JiraConnection.filter(id=first.id).update(
        status=JiraConnectionStatus.NEEDS_REAUTH, needs_reauth_reason="revoked"
    )
    reconnected = await connect_user(runtime, user, account, site=second_site, sandbox=jira_sandbox)
    second = reconnected.connection
    assert second.id == first.id
    assert second.status == JiraConnectionStatus.ACTIVE and second.needs_reauth_reason is None
    assert second.refresh_token_enc != first.refresh_token_enc and second.version > first.version
    sites = {s.cloud_id: s.selected for s in await service.list_sites(first.id)}
    assert sites == {first_site: True, second_site: False}

    await service.select_site(user, second_site)
    sites = {s.cloud_id: s.selected for s in await service.list_sites(first.id)}
    assert sites == {first_site: False, second_site: True}
    with pytest.raises(ServiceError) as caught:
        await service.select_site(user, "no-such-cloud")
    assert caught.value.code == ErrorCode.NOT_FOUND and caught.value.field == "cloudId"
    assert await JiraConnection.filter(user_id=user.id).count() == 1


async def test_state_of_another_user_stores_nothing(
    runtime: Runtime, jira_sandbox: Sandbox
) -> None:
    owner, intruder = await make_user(), await make_user()
    url = await service.start_connect(runtime, owner, None)
    answer = await consent(url, await new_account(jira_sandbox), sandbox=jira_sandbox)
    with pytest.raises(JiraConnectFailed) as caught:
        await service.complete_connect(runtime, answer["code"], answer["state"], intruder)
    assert caught.value.reason == "state_mismatch"
    assert not await JiraConnection.filter(user_id__in=[owner.id, intruder.id]).exists()


async def test_failed_code_exchange_stores_nothing_and_uses_up_the_state(
    runtime: Runtime, jira_sandbox: Sandbox
) -> None:
    user = await make_user()
    url = await service.start_connect(runtime, user, None)
    answer = await consent(url, await new_account(jira_sandbox), sandbox=jira_sandbox)
    with pytest.raises(JiraConnectFailed) as caught:
        await service.complete_connect(runtime, "forged-code", answer["state"], user)
    assert caught.value.reason == "exchange_failed" and caught.value.code == ErrorCode.OAUTH_FAILED
    assert not await JiraConnection.filter(user_id=user.id).exists()
    with pytest.raises(JiraConnectFailed):  # the state is gone even though the code was good
        await service.complete_connect(runtime, answer["code"], answer["state"], user)


async def test_disconnect_runs_hooks_and_deletes_tokens(
    runtime: Runtime, jira_sandbox: Sandbox
) -> None:
    user = await make_user()
    account = await new_account(jira_sandbox)
    connection = (await connect_user(runtime, user, account, sandbox=jira_sandbox)).connection
    seen: list[int] = []

    async def hook(_runtime: Runtime, doomed: JiraConnection) -> None:
        seen.append(doomed.id)
        raise RuntimeError("Jira webhook delete failed")  # must not block the disconnect

    runtime.hooks.before_jira_disconnect.append(hook)
    try:
        assert await service.disconnect(runtime, user) is True
    finally:
        runtime.hooks.before_jira_disconnect.remove(hook)
    assert seen == [connection.id]
    assert not await JiraConnection.filter(id=connection.id).exists()
    assert not await JiraSite.filter(connection_id=connection.id).exists()
    assert await service.disconnect(runtime, user) is False
    with pytest.raises(JiraNotConnected):
        await ConnectionTokens(runtime, connection.id).access_token()
