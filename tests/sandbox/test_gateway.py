"""The gateway: bearer auth, site access, per-endpoint scopes, rate limits."""

from __future__ import annotations

import httpx

from tests.sandbox.helpers import ACME, GLOBEX, bearer, connect, jira

SCOPE_MISMATCH = {"code": 401, "message": "Unauthorized; scope does not match"}


async def test_missing_or_garbage_token_is_unauthorized(http: httpx.AsyncClient) -> None:
    for headers in ({}, {"Authorization": "Bearer garbage"}):
        response = await http.get(f"{jira()}/rest/api/3/myself", headers=headers)
        assert response.status_code == 401
        assert response.json() == {"code": 401, "message": "Unauthorized"}


async def test_site_not_granted_is_unauthorized(http: httpx.AsyncClient) -> None:
    headers = bearer(await connect(http, site=ACME))
    response = await http.get(f"{jira(GLOBEX)}/rest/api/3/myself", headers=headers)
    assert response.status_code == 401


async def test_agile_needs_granular_scopes(http: httpx.AsyncClient) -> None:
    classic = bearer(await connect(http, scope="read:jira-work offline_access"))
    response = await http.get(f"{jira()}/rest/agile/1.0/board", headers=classic)
    assert response.status_code == 401 and response.json() == SCOPE_MISMATCH
    assert (await http.get(f"{jira()}/rest/api/3/field", headers=classic)).status_code == 200


async def test_boards_also_need_read_project(http: httpx.AsyncClient) -> None:
    partial = bearer(await connect(http, scope="read:board-scope:jira-software"))
    response = await http.get(f"{jira()}/rest/agile/1.0/board", headers=partial)
    assert response.json() == SCOPE_MISMATCH
    full = bearer(await connect(http, scope="read:board-scope:jira-software read:project:jira"))
    assert (await http.get(f"{jira()}/rest/agile/1.0/board", headers=full)).status_code == 200


async def test_write_needs_write_scope(http: httpx.AsyncClient) -> None:
    reader = bearer(await connect(http, scope="read:jira-work"))
    response = await http.put(
        f"{jira()}/rest/api/3/issue/PLAT-1", json={"fields": {"summary": "x"}}, headers=reader
    )
    assert response.status_code == 401 and response.json() == SCOPE_MISMATCH


async def test_account_id_header(http: httpx.AsyncClient, auth: dict[str, str]) -> None:
    response = await http.get(f"{jira()}/rest/api/3/myself", headers=auth)
    assert response.headers["X-AAccountId"] == response.json()["accountId"]


async def test_endpoint_burst_limit_answers_429(
    http: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    limits = {"endpoints": {"GET /rest/api/3/myself": {"limit": 2, "windowSeconds": 30}}}
    assert (await http.post("/_sandbox/rate-limits", json=limits)).status_code == 200
    url = f"{jira()}/rest/api/3/myself"
    first = await http.get(url, headers=auth)
    assert first.status_code == 200 and first.headers["X-RateLimit-Remaining"] == "1"
    assert (await http.get(url, headers=auth)).status_code == 200
    limited = await http.get(url, headers=auth)
    assert limited.status_code == 429
    assert 1 <= int(limited.headers["Retry-After"]) <= 30
    assert limited.headers["RateLimit-Reason"] == "jira-burst-based"
    assert limited.headers["X-RateLimit-Remaining"] == "0"
    assert limited.headers["X-RateLimit-Reset"].endswith("Z")
    # other endpoints are not affected; the window resets on the sandbox clock
    assert (await http.get(f"{jira()}/rest/api/3/field", headers=auth)).status_code == 200
    await http.post("/_sandbox/clock", json={"advanceSeconds": 31})
    assert (await http.get(url, headers=auth)).status_code == 200


async def test_site_quota_limit_covers_all_endpoints(
    http: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    await http.post("/_sandbox/rate-limits", json={"site": {"limit": 1, "windowSeconds": 60}})
    assert (await http.get(f"{jira()}/rest/api/3/field", headers=auth)).status_code == 200
    limited = await http.get(f"{jira()}/rest/api/3/myself", headers=auth)
    assert limited.status_code == 429
    assert limited.headers["RateLimit-Reason"] == "jira-quota-based"


async def test_per_issue_write_limit(http: httpx.AsyncClient, auth: dict[str, str]) -> None:
    await http.post("/_sandbox/rate-limits", json={"issueWrites": {"limit": 1, "windowSeconds": 5}})
    body = {"fields": {"summary": "Once"}}
    url = f"{jira()}/rest/api/3/issue"
    assert (await http.put(f"{url}/PLAT-1", headers=auth, json=body)).status_code == 204
    again = await http.put(f"{url}/PLAT-1", headers=auth, json=body)
    assert again.status_code == 429
    assert again.headers["RateLimit-Reason"] == "jira-per-issue-on-write"
    assert (await http.put(f"{url}/PLAT-2", headers=auth, json=body)).status_code == 204
    assert (await http.get(f"{url}/PLAT-1", headers=auth)).status_code == 200  # reads are fine
