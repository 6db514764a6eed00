"""Jira platform REST v3 over real HTTP: projects, fields, issues, comments, search."""

from __future__ import annotations

from typing import Any

import httpx

from tests.sandbox.helpers import ACME, GLOBEX, bearer, connect, jira

API = f"{jira()}/rest/api/3"


async def get(http: httpx.AsyncClient, auth: dict[str, str], path: str, **params: Any) -> Any:
    response = await http.get(f"{API}{path}", headers=auth, params=params)
    assert response.status_code == 200, response.text
    return response.json()


async def test_project_search_pages_and_filters(
    http: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    first = await get(http, auth, "/project/search", maxResults=1)
    assert first["total"] == 2 and first["isLast"] is False and "nextPage" in first
    assert first["nextPage"].startswith("https://acme-demo.atlassian.net/")
    last = await get(http, auth, "/project/search", maxResults=1, startAt=1)
    assert last["isLast"] is True and "nextPage" not in last
    exact = await get(http, auth, "/project/search", maxResults=2)
    assert exact["isLast"] is True and len(exact["values"]) == 2
    found = await get(http, auth, "/project/search", query="mobile")
    assert [(p["key"], p["simplified"]) for p in found["values"]] == [("APP", True)]
    missing = await http.get(f"{API}/project/search", headers=auth, params={"query": "zzz"})
    assert missing.status_code == 404


async def test_fields_differ_per_site(http: httpx.AsyncClient) -> None:
    headers = bearer(await connect(http))
    await connect(http, site=GLOBEX)
    acme = (await http.get(f"{API}/field", headers=headers)).json()
    globex = (await http.get(f"{jira(GLOBEX)}/rest/api/3/field", headers=headers)).json()

    def story_points(fields: list[dict[str, Any]]) -> str:
        return next(f["id"] for f in fields if f["name"] == "Story Points")

    assert story_points(acme) != story_points(globex)
    estimate = next(f for f in acme if f["name"] == "Story point estimate")
    assert estimate["schema"]["custom"] == "com.pyxis.greenhopper.jira:jsw-story-points"


async def test_issue_get_with_fields_and_expand(
    http: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    full = await get(http, auth, "/issue/PLAT-1")
    assert full["key"] == "PLAT-1" and isinstance(full["id"], str)
    fields = full["fields"]
    assert fields["description"]["type"] == "doc"
    assert fields["status"]["statusCategory"]["key"] in {"new", "indeterminate", "done"}
    assert fields["updated"][-5] == "+" and fields["updated"][-3] != ":"
    narrow = await get(http, auth, "/issue/PLAT-1", fields="summary", expand="names,editmeta")
    assert set(narrow["fields"]) == {"summary"}
    assert narrow["names"] == {"summary": "Summary"}
    assert "customfield_10026" in narrow["editmeta"]["fields"] or narrow["editmeta"]["fields"]
    missing = await http.get(f"{API}/issue/PLAT-999", headers=auth)
    assert missing.status_code == 404
    assert missing.json()["errorMessages"] == [
        "Issue does not exist or you do not have permission to see it."
    ]


async def first_issue(http: httpx.AsyncClient, auth: dict[str, str], jql: str) -> str:
    body = {"jql": jql, "fields": ["key"], "maxResults": 1}
    response = await http.post(f"{API}/search/jql", headers=auth, json=body)
    return str(response.json()["issues"][0]["key"])


async def test_put_story_points_then_read_back(
    http: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    key = await first_issue(http, auth, "project = PLAT AND issuetype = Story")
    response = await http.put(
        f"{API}/issue/{key}", headers=auth, json={"fields": {"customfield_10026": 8}}
    )
    assert response.status_code == 204 and response.content == b""
    assert (await get(http, auth, f"/issue/{key}"))["fields"]["customfield_10026"] == 8


async def test_put_field_not_on_screen_is_400(
    http: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    bug = await first_issue(http, auth, "project = PLAT AND issuetype = Bug")
    response = await http.put(
        f"{API}/issue/{bug}", headers=auth, json={"fields": {"customfield_10026": 3}}
    )
    assert response.status_code == 400
    assert response.json() == {
        "errorMessages": [],
        "errors": {
            "customfield_10026": "Field 'customfield_10026' cannot be set. It is not on the "
            "appropriate screen, or unknown."
        },
    }
    meta = await get(http, auth, f"/issue/{bug}/editmeta")
    assert "customfield_10026" not in meta["fields"] and "summary" in meta["fields"]


async def test_put_wrong_type_is_400(http: httpx.AsyncClient, auth: dict[str, str]) -> None:
    key = await first_issue(http, auth, "project = APP")
    response = await http.put(
        f"{API}/issue/{key}", headers=auth, json={"fields": {"customfield_10016": "5"}}
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {"customfield_10016": "Operation value must be a number"}


async def test_comment_requires_adf(http: httpx.AsyncClient, auth: dict[str, str]) -> None:
    text = {"type": "text", "text": "5 points"}
    adf = {"type": "doc", "version": 1, "content": [{"type": "paragraph", "content": [text]}]}
    created = await http.post(f"{API}/issue/PLAT-2/comment", headers=auth, json={"body": adf})
    assert created.status_code == 201
    assert created.json()["body"] == adf and created.json()["author"]["accountId"]
    plain = await http.post(f"{API}/issue/PLAT-2/comment", headers=auth, json={"body": "hi"})
    assert plain.status_code == 400


async def test_search_jql_token_pagination(http: httpx.AsyncClient, auth: dict[str, str]) -> None:
    keys: list[str] = []
    token = None
    pages = 0
    while True:
        body = {"jql": "project = PLAT order by key asc", "fields": ["key"], "maxResults": 10}
        if token:
            body["nextPageToken"] = token
        page = (await http.post(f"{API}/search/jql", headers=auth, json=body)).json()
        assert "total" not in page and "startAt" not in page
        keys += [i["key"] for i in page["issues"]]
        pages += 1
        if page["isLast"]:
            assert "nextPageToken" not in page
            break
        token = page["nextPageToken"]
    assert pages == 3 and len(keys) == 28 and keys[0] == "PLAT-1" and keys[-1] == "PLAT-28"


async def test_search_jql_exact_page_and_empty(
    http: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    exact = await get(http, auth, "/search/jql", jql="project = PLAT", maxResults=28)
    assert exact["isLast"] is True and len(exact["issues"]) == 28  # 25 issues, 3 sub-tasks
    assert exact["issues"][0] == {"id": exact["issues"][0]["id"]}  # fields default to id only
    empty = await get(http, auth, "/search/jql", jql="project = PLAT AND summary ~ nothing-here")
    assert empty == {"issues": [], "isLast": True}


async def test_search_jql_subset(http: httpx.AsyncClient, auth: dict[str, str]) -> None:
    by_keys = await get(
        http, auth, "/search/jql", jql="key in (PLAT-3, PLAT-1) order by key desc", fields="key"
    )
    assert [i["key"] for i in by_keys["issues"]] == ["PLAT-3", "PLAT-1"]
    sprint = await get(
        http, auth, "/search/jql", jql="sprint = 2 AND project = PLAT", fields="*all"
    )
    assert sprint["issues"] and all(
        any(s["id"] == 2 for s in i["fields"]["customfield_10020"]) for i in sprint["issues"]
    )
    # seeded issues were last updated more than a day ago
    await http.patch(f"/_sandbox/sites/{ACME}/issues/PLAT-4", json={"summary": "Fresh"})
    recent = await get(http, auth, "/search/jql", jql='updated >= "-1d"', fields="key,summary")
    assert [i["key"] for i in recent["issues"]] == ["PLAT-4"]


async def test_search_rejects_unbounded_and_bad_jql(
    http: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    unbounded = await http.get(
        f"{API}/search/jql", headers=auth, params={"jql": "order by updated desc"}
    )
    assert unbounded.status_code == 400
    assert "Unbounded JQL" in unbounded.json()["errorMessages"][0]
    broken = await http.get(f"{API}/search/jql", headers=auth, params={"jql": "project = ("})
    assert broken.status_code == 400


async def test_old_search_is_gone(http: httpx.AsyncClient, auth: dict[str, str]) -> None:
    response = await http.get(f"{API}/search", headers=auth, params={"jql": "project = PLAT"})
    assert response.status_code == 410
    assert "/rest/api/3/search/jql" in response.json()["errorMessages"][0]


async def test_bulkfetch(http: httpx.AsyncClient, auth: dict[str, str]) -> None:
    body = {"issueIdsOrKeys": ["PLAT-2", "PLAT-1", "NOPE-1"], "fields": ["summary"]}
    response = await http.post(f"{API}/issue/bulkfetch", headers=auth, json=body)
    assert response.status_code == 200
    issues = response.json()["issues"]
    assert [i["key"] for i in issues] == ["PLAT-1", "PLAT-2"] and response.json()[
        "issueErrors"
    ] == []
    too_many = {"issueIdsOrKeys": [f"PLAT-{n}" for n in range(101)]}
    assert (
        await http.post(f"{API}/issue/bulkfetch", headers=auth, json=too_many)
    ).status_code == 400


async def test_myself(http: httpx.AsyncClient, auth: dict[str, str]) -> None:
    me = await get(http, auth, "/myself")
    assert me["displayName"] == "Dana Demo" and me["accountType"] == "atlassian"


async def test_search_is_eventually_consistent_when_lag_is_on(
    http: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    await http.post("/_sandbox/search-lag", json={"seconds": 60})
    issue = await get(http, auth, "/issue/PLAT-1", fields="summary")
    body = {"fields": {"summary": "Renamed for lag"}}
    assert (await http.put(f"{API}/issue/PLAT-1", headers=auth, json=body)).status_code == 204
    query = {"jql": 'project = PLAT AND summary ~ "lag"', "fields": ["summary"]}
    stale = await http.post(f"{API}/search/jql", headers=auth, json=query)
    assert stale.json()["issues"] == []
    reconciled = await http.post(
        f"{API}/search/jql", headers=auth, json={**query, "reconcileIssues": [int(issue["id"])]}
    )
    assert [i["key"] for i in reconciled.json()["issues"]] == ["PLAT-1"]
    await http.post("/_sandbox/clock", json={"advanceSeconds": 61})
    later = await http.post(f"{API}/search/jql", headers=auth, json=query)
    assert [i["fields"]["summary"] for i in later.json()["issues"]] == ["Renamed for lag"]
