"""OAuth 2.0 (3LO): consent page, code exchange, rotating refresh tokens, expiry, errors."""

from __future__ import annotations

import httpx
import jwt

from tests.sandbox.helpers import (
    ACME,
    ALL_SCOPES,
    CLIENT_ID,
    DEMO_ACCOUNT,
    GLOBEX,
    REDIRECT_URI,
    authorize,
    bearer,
    callback_params,
    connect,
    exchange,
    refresh,
)

INVALID_REFRESH = {
    "error": "invalid_grant",
    "error_description": "Unknown or invalid refresh token.",
}


async def advance(http: httpx.AsyncClient, seconds: float) -> None:
    response = await http.post("/_sandbox/clock", json={"advanceSeconds": seconds})
    assert response.status_code == 200


async def test_consent_page_lists_sites_and_scopes(http: httpx.AsyncClient) -> None:
    page = await http.get(
        "/auth/authorize",
        params={"audience": "api.atlassian.com", "client_id": CLIENT_ID, "scope": ALL_SCOPES,
                "redirect_uri": REDIRECT_URI, "state": "s1", "response_type": "code"},
    )  # fmt: skip
    assert page.status_code == 200
    assert "acme-demo" in page.text and "globex-demo" in page.text
    assert "write:issue:jira-software" in page.text
    assert 'value="accept"' in page.text and 'value="decline"' in page.text


async def test_accept_redirects_with_code_and_state(http: httpx.AsyncClient) -> None:
    params = callback_params(await authorize(http, state="xyz"))
    assert params["state"] == "xyz" and params["code"]


async def test_decline_redirects_with_access_denied(http: httpx.AsyncClient) -> None:
    params = callback_params(await authorize(http, decision="decline", state="abc"))
    assert params["error"] == "access_denied" and params["state"] == "abc"
    assert "code" not in params


async def test_bad_requests_are_refused(http: httpx.AsyncClient) -> None:
    base = {"audience": "api.atlassian.com", "client_id": CLIENT_ID, "scope": "read:jira-work",
            "redirect_uri": REDIRECT_URI, "state": "s", "response_type": "code"}  # fmt: skip
    unknown_client = await http.get("/auth/authorize", params={**base, "client_id": "nope"})
    assert unknown_client.status_code == 400
    foreign = {**base, "redirect_uri": "https://evil.example/integrations/jira/callback"}
    assert (await http.get("/auth/authorize", params=foreign)).status_code == 400
    no_audience = {k: v for k, v in base.items() if k != "audience"}
    assert (await http.get("/auth/authorize", params=no_audience)).status_code == 400
    bad_scope = await http.get("/auth/authorize", params={**base, "scope": "admin:everything"})
    assert bad_scope.status_code == 302
    assert "error=invalid_scope" in bad_scope.headers["location"]
    assert "state=s" in bad_scope.headers["location"]
    other_port = {**base, "redirect_uri": "http://localhost:5173/integrations/jira/callback"}
    assert (await http.get("/auth/authorize", params=other_port)).status_code == 200


async def test_code_exchange_returns_all_fields_and_a_jwt(http: httpx.AsyncClient) -> None:
    tokens = await connect(http)
    assert set(tokens) == {"access_token", "refresh_token", "expires_in", "scope", "token_type"}
    assert tokens["expires_in"] == 3600 and tokens["token_type"] == "Bearer"
    claims = jwt.decode(tokens["access_token"], options={"verify_signature": False})
    assert claims["sub"] == DEMO_ACCOUNT and claims["exp"] - claims["iat"] == 3600


async def test_code_replay_is_refused(http: httpx.AsyncClient) -> None:
    code = callback_params(await authorize(http))["code"]
    assert (await exchange(http, code)).status_code == 200
    replay = await exchange(http, code)
    assert replay.status_code == 400
    assert replay.json() == {
        "error": "invalid_request",
        "error_description": "authorization_code is invalid",
    }


async def test_stale_code_is_refused(http: httpx.AsyncClient) -> None:
    code = callback_params(await authorize(http))["code"]
    await advance(http, 601)
    assert (await exchange(http, code)).status_code == 400


async def test_wrong_secret_gives_access_denied(http: httpx.AsyncClient) -> None:
    tokens = await connect(http)
    response = await refresh(http, tokens["refresh_token"], secret="not-the-secret")
    assert response.status_code == 401
    assert response.json()["error"] == "access_denied"


async def test_no_refresh_token_without_offline_access(http: httpx.AsyncClient) -> None:
    tokens = await connect(http, scope="read:jira-work")
    assert "refresh_token" not in tokens


async def test_refresh_rotates_and_old_token_works_within_leeway(http: httpx.AsyncClient) -> None:
    first = await connect(http)
    second = (await refresh(http, first["refresh_token"])).json()
    assert second["refresh_token"] != first["refresh_token"]
    await advance(http, 9 * 60)
    reused = await refresh(http, first["refresh_token"])
    assert reused.status_code == 200
    assert (await refresh(http, second["refresh_token"])).status_code == 200


async def test_reuse_after_leeway_revokes_the_family(http: httpx.AsyncClient) -> None:
    first = await connect(http)
    second = (await refresh(http, first["refresh_token"])).json()
    await advance(http, 11 * 60)
    reused = await refresh(http, first["refresh_token"])
    assert reused.status_code == 403 and reused.json() == INVALID_REFRESH
    # the newest token of the family died with it
    latest = await refresh(http, second["refresh_token"])
    assert latest.status_code == 403 and latest.json() == INVALID_REFRESH


async def test_idle_expiry_after_90_days(http: httpx.AsyncClient) -> None:
    tokens = await connect(http)
    await advance(http, 89 * 86400)
    tokens = (await refresh(http, tokens["refresh_token"])).json()
    await advance(http, 89 * 86400)  # each refresh restarts the idle clock
    tokens = (await refresh(http, tokens["refresh_token"])).json()
    await advance(http, 90 * 86400 + 1)
    assert (await refresh(http, tokens["refresh_token"])).status_code == 403


async def test_absolute_expiry_after_365_days(http: httpx.AsyncClient) -> None:
    tokens = await connect(http)
    for _ in range(4):
        await advance(http, 88 * 86400)
        response = await refresh(http, tokens["refresh_token"])
        assert response.status_code == 200
        tokens = response.json()
    await advance(http, 15 * 86400)  # 367 days since consent
    assert (await refresh(http, tokens["refresh_token"])).status_code == 403


async def test_access_token_expires_after_an_hour(http: httpx.AsyncClient) -> None:
    headers = bearer(await connect(http))
    assert (await http.get(f"/api/ex/jira/{ACME}/rest/api/3/myself", headers=headers)).is_success
    await advance(http, 3601)
    expired = await http.get(f"/api/ex/jira/{ACME}/rest/api/3/myself", headers=headers)
    assert expired.status_code == 401
    assert expired.json() == {"code": 401, "message": "Unauthorized"}


async def test_accessible_resources_grow_with_each_consent(http: httpx.AsyncClient) -> None:
    headers = bearer(await connect(http, site=ACME))
    first = (await http.get("/api/oauth/token/accessible-resources", headers=headers)).json()
    assert [r["id"] for r in first] == [ACME]
    assert {"id", "name", "url", "scopes", "avatarUrl"} <= set(first[0])
    await connect(http, site=GLOBEX)
    both = (await http.get("/api/oauth/token/accessible-resources", headers=headers)).json()
    assert {r["id"] for r in both} == {ACME, GLOBEX}


async def test_token_calls_are_counted(http: httpx.AsyncClient) -> None:
    tokens = await connect(http)
    await refresh(http, tokens["refresh_token"])
    stats = (await http.get("/_sandbox/oauth/stats")).json()["tokenCalls"]
    assert stats["refresh_token"] == 1 and stats["authorization_code"] == 1


async def test_admin_revoke_kills_access_and_refresh(http: httpx.AsyncClient) -> None:
    tokens = await connect(http)
    await http.post("/_sandbox/tokens/revoke", json={"accountId": DEMO_ACCOUNT})
    me = await http.get(f"/api/ex/jira/{ACME}/rest/api/3/myself", headers=bearer(tokens))
    assert me.status_code == 401
    assert (await refresh(http, tokens["refresh_token"])).status_code == 403


async def test_request_log_redacts_secrets(http: httpx.AsyncClient) -> None:
    await connect(http)
    logged = (await http.get("/_sandbox/requests", params={"path": "/oauth/token"})).json()
    body = logged["requests"][-1]["body"]
    assert body["client_secret"] == "***" and body["code"] == "***"
    assert body["grant_type"] == "authorization_code"


async def test_tokens_minted_after_the_clock_moved_work(http: httpx.AsyncClient) -> None:
    await advance(http, 40 * 86400)
    headers = bearer(await connect(http))
    me = await http.get(f"/api/ex/jira/{ACME}/rest/api/3/myself", headers=headers)
    assert me.status_code == 200
