"""Points-based rate limits like Atlassian's: a quota in points (1 a call plus 1 an object
returned; writes cost the base point), per site or for the whole app, answering 429 with
Retry-After and the quota's RateLimit-Reason."""

from __future__ import annotations

import httpx

from tests.sandbox.helpers import GLOBEX, bearer, connect, jira


async def set_limits(http: httpx.AsyncClient, body: dict[str, object]) -> dict[str, object]:
    response = await http.post("/_sandbox/rate-limits", json=body)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def usage(http: httpx.AsyncClient) -> dict[str, float]:
    return (await http.get("/_sandbox/rate-limits")).json()["usage"]  # type: ignore[no-any-return]


async def test_points_count_the_objects_returned(
    http: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    quota = {"points": 1000, "windowSeconds": 600, "pointsPerObject": 1}
    shown = await set_limits(http, {"quota": quota})
    assert shown["limits"]["site"]["limit"] == 1000  # type: ignore[index]
    key = "quota:8f3c2a10-5d1e-4c7b-9a42-3e1f0b6d7c01"
    search = {"jql": "project = PLAT", "maxResults": 5, "fields": ["summary"]}
    found = await http.post(f"{jira()}/rest/api/3/search/jql", json=search, headers=auth)
    assert found.status_code == 200 and len(found.json()["issues"]) == 5
    assert (await usage(http))[key] == 1 + 5
    await http.get(f"{jira()}/rest/api/3/issue/PLAT-1", headers=auth)  # one object
    assert (await usage(http))[key] == 6 + 2
    edit = {"fields": {"summary": "Points"}}
    await http.put(f"{jira()}/rest/api/3/issue/PLAT-1", json=edit, headers=auth)
    assert (await usage(http))[key] == 8 + 1  # a write costs its base point only


async def test_a_spent_tenant_quota_answers_429_until_its_window_ends(
    http: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    await set_limits(http, {"quota": {"points": 3, "windowSeconds": 120}})
    fields = await http.get(f"{jira()}/rest/api/3/field", headers=auth)
    assert fields.status_code == 200 and len(fields.json()) >= 2  # 1 + every field: spent
    limited = await http.get(f"{jira()}/rest/api/3/myself", headers=auth)
    assert limited.status_code == 429
    assert limited.headers["RateLimit-Reason"] == "jira-quota-tenant-based"
    assert 110 <= int(limited.headers["Retry-After"]) <= 120
    other_site = bearer(await connect(http, site=GLOBEX))  # another tenant's quota is its own
    assert (await http.get(f"{jira(GLOBEX)}/rest/api/3/myself", headers=other_site)).is_success
    await http.post("/_sandbox/clock", json={"advanceSeconds": 121})
    assert (await http.get(f"{jira()}/rest/api/3/myself", headers=auth)).status_code == 200


async def test_a_global_quota_covers_every_site(
    http: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    await set_limits(http, {"quota": {"points": 2, "windowSeconds": 60, "scope": "global"}})
    assert (await http.get(f"{jira()}/rest/api/3/myself", headers=auth)).status_code == 200
    other_site = bearer(await connect(http, site=GLOBEX))
    limited = await http.get(f"{jira(GLOBEX)}/rest/api/3/myself", headers=other_site)
    assert limited.status_code == 429
    assert limited.headers["RateLimit-Reason"] == "jira-quota-global-based"


async def test_a_refused_call_counts_in_no_window(
    http: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    burst = {"GET /rest/api/3/myself": {"limit": 1, "windowSeconds": 30}}
    await set_limits(http, {"quota": {"points": 100, "pointsPerObject": 0}, "endpoints": burst})
    for _ in range(3):
        await http.get(f"{jira()}/rest/api/3/myself", headers=auth)
    assert (await usage(http))["quota:8f3c2a10-5d1e-4c7b-9a42-3e1f0b6d7c01"] == 1


async def test_bad_limits_are_refused(http: httpx.AsyncClient) -> None:
    response = await http.post("/_sandbox/rate-limits", json={"quota": {"windowSeconds": 5}})
    assert response.status_code == 400 and "points" in response.text
