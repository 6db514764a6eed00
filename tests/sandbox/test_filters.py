"""Saved filters: paged search with filterName and expand, one filter, JQL the search runs."""

from __future__ import annotations

from typing import Any

import httpx

from tests.sandbox.helpers import DEMO_ACCOUNT, GLOBEX, connect, jira

API = f"{jira()}/rest/api/3"


async def search(http: httpx.AsyncClient, auth: dict[str, str], base: str = API,
                 **params: Any) -> dict[str, Any]:  # fmt: skip
    response = await http.get(f"{base}/filter/search", headers=auth, params=params)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def test_search_pages_by_name(http: httpx.AsyncClient, auth: dict[str, str]) -> None:
    everything = await search(http, auth)
    names = [f["name"] for f in everything["values"]]
    assert names == ["APP backlog", "My open issues", "PLAT active sprint", "PLAT open bugs"]
    assert (everything["total"], everything["isLast"], everything["startAt"]) == (4, True, 0)
    assert set(everything["values"][0]) == {"self", "id", "name"}  # nothing expanded
    first = await search(http, auth, maxResults=3)
    assert len(first["values"]) == 3 and first["isLast"] is False and "nextPage" in first
    rest = await search(http, auth, maxResults=3, startAt=3)
    assert [f["name"] for f in rest["values"]] == ["PLAT open bugs"] and rest["isLast"] is True
    plat = await search(http, auth, filterName="plat", expand="jql,owner")
    assert [f["name"] for f in plat["values"]] == ["PLAT active sprint", "PLAT open bugs"]
    bugs = plat["values"][1]
    assert bugs["jql"] == "project = PLAT AND issuetype = Bug AND statusCategory != done"
    assert bugs["owner"]["accountId"] and bugs["owner"]["displayName"]
    assert "description" not in bugs
    assert (await search(http, auth, filterName="zzz"))["values"] == []


async def test_get_one_filter(http: httpx.AsyncClient, auth: dict[str, str]) -> None:
    listed = (await search(http, auth, filterName="PLAT open bugs"))["values"][0]
    one = (await http.get(f"{API}/filter/{listed['id']}", headers=auth)).json()
    assert one["name"] == "PLAT open bugs" and one["id"] == listed["id"]
    assert one["owner"] == {**one["owner"], "accountId": DEMO_ACCOUNT, "displayName": "Dana Demo"}
    assert one["jql"].startswith("project = PLAT")
    missing = await http.get(f"{API}/filter/99", headers=auth)
    assert missing.status_code == 400 and "not available" in missing.json()["errorMessages"][0]


async def test_every_seeded_filter_runs_in_search(http: httpx.AsyncClient) -> None:
    auth = {"Authorization": f"Bearer {(await connect(http))['access_token']}"}
    await connect(http, site=GLOBEX)
    for base in (API, f"{jira(GLOBEX)}/rest/api/3"):
        for saved in (await search(http, auth, base, expand="jql"))["values"]:
            found = await http.get(f"{base}/search/jql", headers=auth,
                                   params={"jql": saved["jql"], "fields": "key"})  # fmt: skip
            assert found.status_code == 200, (saved, found.text)
            assert found.json()["issues"], saved["name"]
    globex = await search(http, auth, f"{jira(GLOBEX)}/rest/api/3")
    assert [f["name"] for f in globex["values"]] == ["OPS in progress", "OPS urgent"]
