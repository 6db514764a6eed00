"""Token provider: refresh before expiry, single flight (in process and across processes via
Redis), CAS storage, NEEDS_REAUTH once, no plaintext at rest, the proactive cron."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta

import pytest
import redis.asyncio as aioredis
from tortoise import Tortoise

from core.crypto import DecryptionError
from models.jira import JiraConnection, JiraConnectionStatus
from services.jira.token_lock import refresh_lock_key
from services.jira.token_store import REFRESH_FIELD, keyring_for, unseal
from services.jira.tokens import (
    ConnectionTokens,
    JiraAuthUnavailable,
    JiraNeedsReauth,
    refresh_expiring_connections,
)
from services.runtime import Runtime
from tests.jira_support import (
    Sandbox,
    connect_user,
    make_runtime,
    make_user,
    new_account,
    sandbox_settings,
    token_calls,
)
from tests.resolvers.test_rooms_query_count import counted_queries
from tests.support import REDIS_URL, free_port
from wiring import build_runtime

pytestmark = pytest.mark.usefixtures("database_url")

RuntimeFactory = Callable[..., Awaitable[Runtime]]


@pytest.fixture
async def runtimes(jira_sandbox: Sandbox) -> AsyncIterator[RuntimeFactory]:
    made: list[Runtime] = []

    async def make(*, on_the_network: bool = False, **overrides: object) -> Runtime:
        """`on_the_network`: a Jira client on real sockets instead of the sandbox's transport."""
        if on_the_network:
            runtime = build_runtime(sandbox_settings(jira_sandbox, **overrides))
        else:
            runtime = await make_runtime(jira_sandbox, **overrides)
        made.append(runtime)
        return runtime

    yield make
    for runtime in made:
        assert runtime.jira_http is not None
        await runtime.jira_http.aclose()
        if runtime.redis is not None:
            await runtime.redis.aclose()


async def connected(runtime: Runtime, sandbox: Sandbox) -> JiraConnection:
    user = await make_user()
    account = await new_account(sandbox)
    return (await connect_user(runtime, user, account, sandbox=sandbox)).connection


async def expire_locally(connection: JiraConnection) -> None:
    """Our clock says the access token is about to expire (the refresh margin is 60 s)."""
    soon = datetime.now(UTC) + timedelta(seconds=30)
    await JiraConnection.filter(id=connection.id).update(access_expires_at=soon)


async def refreshes(sandbox: Sandbox) -> int:
    return (await token_calls(sandbox)).get("refresh_token", 0)


async def test_fresh_token_is_served_without_refresh(
    runtimes: RuntimeFactory, jira_sandbox: Sandbox
) -> None:
    runtime = await runtimes()
    connection = await connected(runtime, jira_sandbox)
    before = await refreshes(jira_sandbox)
    tokens = ConnectionTokens(runtime, connection.id)
    assert await tokens.access_token() == await tokens.access_token()
    assert await refreshes(jira_sandbox) == before
    assert (await JiraConnection.get(id=connection.id)).last_used_at is not None


async def test_concurrent_callers_share_one_refresh_in_process(
    runtimes: RuntimeFactory, jira_sandbox: Sandbox
) -> None:
    runtime = await runtimes()
    connection = await connected(runtime, jira_sandbox)
    old_token = await ConnectionTokens(runtime, connection.id).access_token()
    await expire_locally(connection)
    before = await refreshes(jira_sandbox)

    results = await asyncio.gather(
        *(ConnectionTokens(runtime, connection.id).access_token() for _ in range(50))
    )
    assert await refreshes(jira_sandbox) == before + 1
    assert len(set(results)) == 1 and results[0] != old_token
    row = await JiraConnection.get(id=connection.id)
    assert row.version == connection.version + 1
    assert row.access_expires_at > datetime.now(UTC) + timedelta(minutes=50)
    assert row.refresh_issued_at > connection.refresh_issued_at
    assert await ConnectionTokens(runtime, connection.id).access_token() == results[0]


async def test_redis_lock_gives_one_refresh_across_runtimes(
    runtimes: RuntimeFactory, jira_sandbox: Sandbox
) -> None:
    """Two runtimes = two processes' worth of local locks; only Redis can serialise them."""
    first = await runtimes()
    second = await runtimes(redis_prefix=first.settings.redis_prefix)
    for runtime in (first, second):
        runtime.redis = aioredis.from_url(REDIS_URL)
    connection = await connected(first, jira_sandbox)
    await expire_locally(connection)
    before = await refreshes(jira_sandbox)

    results = await asyncio.gather(
        *(
            ConnectionTokens(runtime, connection.id).access_token()
            for _ in range(25)
            for runtime in (first, second)
        )
    )
    assert await refreshes(jira_sandbox) == before + 1
    assert len(set(results)) == 1
    assert first.redis is not None
    assert not await first.redis.exists(refresh_lock_key(first, connection.id))


async def test_refresh_after_unauthorized_only_replaces_the_rejected_token(
    runtimes: RuntimeFactory, jira_sandbox: Sandbox
) -> None:
    runtime = await runtimes()
    connection = await connected(runtime, jira_sandbox)
    tokens = ConnectionTokens(runtime, connection.id)
    rejected = await tokens.access_token()
    before = await refreshes(jira_sandbox)
    renewed = await tokens.refresh_after_unauthorized(rejected)
    assert renewed != rejected and await refreshes(jira_sandbox) == before + 1
    # A second caller that saw the same 401 gets the new token without another refresh.
    assert await tokens.refresh_after_unauthorized(rejected) == renewed
    assert await refreshes(jira_sandbox) == before + 1
    row = await JiraConnection.get(id=connection.id)  # stored before it was handed out
    assert unseal(keyring_for(runtime.settings), row, "access_token") == renewed


async def test_revoked_grant_marks_needs_reauth_once_and_then_fails_fast(
    runtimes: RuntimeFactory, jira_sandbox: Sandbox
) -> None:
    runtime = await runtimes()
    connection = await connected(runtime, jira_sandbox)
    await jira_sandbox.admin("POST", "/tokens/revoke", json={"accountId": connection.account_id})
    await expire_locally(connection)
    before = await refreshes(jira_sandbox)

    outcomes = await asyncio.gather(
        *(ConnectionTokens(runtime, connection.id).access_token() for _ in range(10)),
        return_exceptions=True,
    )
    assert all(isinstance(outcome, JiraNeedsReauth) for outcome in outcomes), outcomes
    assert await refreshes(jira_sandbox) == before + 1
    row = await JiraConnection.get(id=connection.id)
    assert row.status == JiraConnectionStatus.NEEDS_REAUTH
    assert row.needs_reauth_reason and row.version == connection.version + 1
    with pytest.raises(JiraNeedsReauth):
        await ConnectionTokens(runtime, connection.id).refresh_after_unauthorized("anything")
    assert await refreshes(jira_sandbox) == before + 1


async def test_unreachable_auth_server_is_not_a_reauth(
    runtimes: RuntimeFactory, jira_sandbox: Sandbox
) -> None:
    connection = await connected(await runtimes(), jira_sandbox)
    await expire_locally(connection)
    # A real refused connection: nothing listens on that port.
    dead = await runtimes(on_the_network=True, atlassian_auth_url=f"http://127.0.0.1:{free_port()}")
    with pytest.raises(JiraAuthUnavailable):
        await ConnectionTokens(dead, connection.id).access_token()
    row = await JiraConnection.get(id=connection.id)
    assert row.status == JiraConnectionStatus.ACTIVE and row.version == connection.version


async def test_no_row_holds_token_plaintext(
    runtimes: RuntimeFactory, jira_sandbox: Sandbox
) -> None:
    runtime = await runtimes()
    connection = await connected(runtime, jira_sandbox)
    tokens = ConnectionTokens(runtime, connection.id)
    secrets = [await tokens.access_token()]
    secrets.append(unseal(keyring_for(runtime.settings), connection, REFRESH_FIELD))
    secrets.append(await tokens.refresh_after_unauthorized(secrets[0]))
    row = await JiraConnection.get(id=connection.id)
    secrets.append(unseal(keyring_for(runtime.settings), row, REFRESH_FIELD))

    db = Tortoise.get_connection("default")
    dump = ""
    for table in ("jira_connections", "jira_sites", "oauth_states"):
        dump += repr(await db.execute_query_dict(f"SELECT * FROM {table}"))
    assert str(connection.id) in dump
    for secret in secrets:
        assert len(secret) > 20 and secret not in dump
        assert secret.split(".")[-1] not in dump  # not even a JWT's signature part


async def test_ciphertext_copied_to_another_row_or_field_fails(
    runtimes: RuntimeFactory, jira_sandbox: Sandbox
) -> None:
    runtime = await runtimes()
    victim = await connected(runtime, jira_sandbox)
    attacker = await connected(runtime, jira_sandbox)
    await JiraConnection.filter(id=attacker.id).update(access_token_enc=victim.access_token_enc)
    with pytest.raises(DecryptionError):
        await ConnectionTokens(runtime, attacker.id).access_token()
    await JiraConnection.filter(id=victim.id).update(access_token_enc=victim.refresh_token_enc)
    with pytest.raises(DecryptionError):
        await ConnectionTokens(runtime, victim.id).access_token()


async def test_cron_refreshes_what_is_due_and_nothing_else(
    runtimes: RuntimeFactory, jira_sandbox: Sandbox
) -> None:
    runtime = await runtimes()
    now = datetime.now(UTC)
    busy = await connected(runtime, jira_sandbox)
    idle = await connected(runtime, jira_sandbox)
    old_refresh = await connected(runtime, jira_sandbox)
    await JiraConnection.filter(id=busy.id).update(
        access_expires_at=now + timedelta(minutes=20), last_used_at=now - timedelta(hours=1)
    )
    await JiraConnection.filter(id=idle.id).update(
        access_expires_at=now + timedelta(minutes=20), last_used_at=now - timedelta(days=2)
    )
    await JiraConnection.filter(id=old_refresh.id).update(
        refresh_issued_at=now - timedelta(days=85), last_used_at=None
    )
    await refresh_expiring_connections(runtime)
    versions = {
        row.id: row.version
        for row in await JiraConnection.filter(id__in=[busy.id, idle.id, old_refresh.id])
    }
    assert versions[busy.id] == busy.version + 1
    assert versions[idle.id] == idle.version
    assert versions[old_refresh.id] == old_refresh.version + 1
    renewed = await JiraConnection.get(id=old_refresh.id)
    assert renewed.refresh_issued_at > now - timedelta(minutes=1)


async def test_a_row_just_read_serves_the_first_access_token_without_a_second_read(
    runtimes: RuntimeFactory, jira_sandbox: Sandbox
) -> None:
    runtime = await runtimes()
    connection = await connected(runtime, jira_sandbox)
    expected = await ConnectionTokens(runtime, connection.id).access_token()
    loaded = await JiraConnection.get(id=connection.id)
    tokens = ConnectionTokens(runtime, connection.id, loaded=loaded)
    with counted_queries() as queries:
        assert await tokens.access_token() == expected
    assert not [q for q in queries if q.lstrip().upper().startswith("SELECT")], queries
    with counted_queries() as queries:
        assert await tokens.access_token() == expected  # later calls read the row again
    assert any(q.lstrip().upper().startswith("SELECT") for q in queries), queries

    loaded.status = JiraConnectionStatus.NEEDS_REAUTH  # what the row said is what counts
    with pytest.raises(JiraNeedsReauth):
        await ConnectionTokens(runtime, connection.id, loaded=loaded).access_token()
