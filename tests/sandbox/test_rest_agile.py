"""Jira Software REST over real HTTP: boards, sprints, sprint/backlog issues, estimation."""

from __future__ import annotations

from typing import Any

import httpx

from tests.sandbox.helpers import ACME, jira

AGILE = f"{jira()}/rest/agile/1.0"
SOFTWARE = f"{jira()}/rest/software/1.0"


async def get(http: httpx.AsyncClient, auth: dict[str, str], url: str, **params: Any) -> Any:
    response = await http.get(url, headers=auth, params=params)
    assert response.status_code == 200, response.text
    return response.json()


async def test_boards_by_project_and_type(http: httpx.AsyncClient, auth: dict[str, str]) -> None:
    plat = await get(http, auth, f"{AGILE}/board", projectKeyOrId="PLAT")
    assert [(b["id"], b["type"]) for b in plat["values"]] == [(1, "scrum"), (2, "kanban")]
    assert plat["values"][0]["location"]["projectKey"] == "PLAT"
    scrum = await get(http, auth, f"{AGILE}/board", type="scrum")
    assert {b["name"] for b in scrum["values"]} == {"PLAT board", "APP board"}
    page = await get(http, auth, f"{AGILE}/board", maxResults=2, startAt=2)
    assert page["total"] == 3 and page["isLast"] is True and len(page["values"]) == 1


async def test_board_sprints_state_filter_and_other_boards(
    http: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    plat = await get(http, auth, f"{AGILE}/board/1/sprint")
    assert [s["state"] for s in plat["values"]] == ["closed", "active", "future"]
    closed = plat["values"][0]
    assert "completeDate" in closed and closed["originBoardId"] == 1
    future = await get(http, auth, f"{AGILE}/board/1/sprint", state="future")
    assert [s["state"] for s in future["values"]] == ["future"]
    assert "startDate" not in future["values"][0]
    app = await get(http, auth, f"{AGILE}/board/3/sprint", state="active")
    # an APP issue sits in PLAT's active sprint, so the APP board lists it too
    assert {(s["id"], s["originBoardId"]) for s in app["values"]} == {(2, 1), (5, 3)}


async def test_kanban_board_has_no_sprints(http: httpx.AsyncClient, auth: dict[str, str]) -> None:
    response = await http.get(f"{AGILE}/board/2/sprint", headers=auth)
    assert response.status_code == 400
    assert response.json()["errorMessages"] == ["The board does not support sprints"]


async def test_sprint_issues_offset_pages(http: httpx.AsyncClient, auth: dict[str, str]) -> None:
    whole = await get(http, auth, f"{AGILE}/sprint/2/issue", fields="summary,sprint")
    total = whole["total"]
    assert total == 12 and whole["isLast"] is True  # with the three PLAT sub-tasks
    assert all(i["fields"]["sprint"]["id"] == 2 for i in whole["issues"])
    first = await get(http, auth, f"{AGILE}/sprint/2/issue", maxResults=4)
    assert first["isLast"] is False and len(first["issues"]) == 4 and first["startAt"] == 0
    last = await get(http, auth, f"{AGILE}/sprint/2/issue", maxResults=5, startAt=10)
    assert last["isLast"] is True and len(last["issues"]) == 2
    past = await get(http, auth, f"{AGILE}/sprint/2/issue", startAt=12)
    assert past["issues"] == [] and past["isLast"] is True
    exact = await get(http, auth, f"{AGILE}/sprint/2/issue", maxResults=12)
    assert exact["isLast"] is True and len(exact["issues"]) == 12
    ranks = [i["fields"]["customfield_10019"] for i in exact["issues"]]
    assert ranks == sorted(ranks)


async def test_backlog_excludes_sprint_and_done_issues(
    http: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    backlog = await get(http, auth, f"{AGILE}/board/1/backlog", fields="status,sprint")
    assert backlog["total"] == 7
    assert all(i["fields"]["sprint"] is None for i in backlog["issues"])
    assert all(i["fields"]["status"]["statusCategory"]["key"] != "done" for i in backlog["issues"])


async def test_software_token_pagination(http: httpx.AsyncClient, auth: dict[str, str]) -> None:
    created = await http.post(
        f"/_sandbox/sites/{ACME}/issues/bulk",
        json={"projectKey": "PLAT", "sprintId": 3, "count": 205, "storyPoints": 3},
    )
    assert created.status_code == 201
    keys: list[str] = []
    token: str | None = None
    while True:
        params: dict[str, Any] = {"maxResults": 100, "fields": "summary"}
        if token:
            params["nextPageToken"] = token
        page = await get(http, auth, f"{SOFTWARE}/sprint/3/issue", **params)
        assert "total" not in page and "startAt" not in page
        keys += [i["key"] for i in page["issues"]]
        if page["isLast"]:
            break
        token = page["nextPageToken"]
    assert len(keys) == 210 and len(set(keys)) == 210
    empty = await get(http, auth, f"{SOFTWARE}/board/3/backlog", jql="summary ~ zzz")
    assert empty == {"issues": [], "isLast": True}
    bad = await http.get(f"{SOFTWARE}/sprint/3/issue", headers=auth, params={"nextPageToken": "x"})
    assert bad.status_code == 400


async def test_board_configuration_estimation(
    http: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    plat = await get(http, auth, f"{AGILE}/board/1/configuration")
    assert plat["estimation"] == {
        "type": "field",
        "field": {"fieldId": "customfield_10026", "displayName": "Story Points"},
    }
    app = await get(http, auth, f"{AGILE}/board/3/configuration")
    assert app["estimation"]["field"]["displayName"] == "Story point estimate"
    kanban = await get(http, auth, f"{AGILE}/board/2/configuration")
    assert "estimation" not in kanban and kanban["columnConfig"]["columns"]


async def test_estimation_ignores_screens(http: httpx.AsyncClient, auth: dict[str, str]) -> None:
    search = await http.post(
        f"{jira()}/rest/api/3/search/jql",
        headers=auth,
        json={"jql": "project = PLAT AND issuetype = Bug", "fields": ["key"]},
    )
    bug = search.json()["issues"][0]["key"]
    url = f"{AGILE}/issue/{bug}/estimation"
    put = await http.put(url, headers=auth, params={"boardId": 1}, json={"value": 5})
    assert put.status_code == 200 and put.json() == {"fieldId": "customfield_10026", "value": 5.0}
    read = await get(http, auth, url, boardId=1)
    assert read["value"] == 5.0
    no_board = await http.get(url, headers=auth)
    assert no_board.status_code == 400


async def test_thousand_issue_sprint_is_quick(
    http: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    await http.post(
        f"/_sandbox/sites/{ACME}/issues/bulk",
        json={"projectKey": "APP", "sprintId": 6, "count": 1000},
    )
    total, start = 0, 0
    while True:
        page = await get(http, auth, f"{AGILE}/sprint/6/issue", startAt=start, maxResults=100)
        total += len(page["issues"])
        start += len(page["issues"])
        if page["isLast"]:
            break
    assert total == 1004


async def test_either_issue_list_family_can_be_switched_off(
    http: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    switches = f"/_sandbox/sites/{ACME}/switches"
    try:
        off = await http.post(switches, json={"softwareIssueLists": False})
        assert off.json()["softwareIssueLists"] is False and off.json()["agileIssueLists"] is True
        for path in ("/sprint/2/issue", "/board/1/backlog"):
            assert (await http.get(f"{SOFTWARE}{path}", headers=auth)).status_code == 404
            assert (await http.get(f"{AGILE}{path}", headers=auth)).status_code == 200
        await http.post(switches, json={"softwareIssueLists": True, "agileIssueLists": False})
        assert (await http.get(f"{AGILE}/sprint/2/issue", headers=auth)).status_code == 404
        assert (await http.get(f"{SOFTWARE}/sprint/2/issue", headers=auth)).status_code == 200
        bad = await http.post(switches, json={"agileIssueLists": "no"})
        assert bad.status_code == 400
    finally:
        await http.post(switches, json={"softwareIssueLists": True, "agileIssueLists": True})


async def test_software_lists_are_eventually_consistent_unless_reconciled(
    http: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    await http.post("/_sandbox/search-lag", json={"seconds": 60})
    try:
        created = await http.post(
            f"/_sandbox/sites/{ACME}/issues",
            json={"projectKey": "PLAT", "summary": "Just created", "sprintId": 2},
        )
        assert created.status_code == 201, created.text
        new_id = int(created.json()["id"])
        url = f"{SOFTWARE}/sprint/2/issue"
        lagging = await get(http, auth, url, fields="summary")
        assert new_id not in {int(i["id"]) for i in lagging["issues"]}
        reconciled = await get(http, auth, url, fields="summary", reconcileIssues=str(new_id))
        assert new_id in {int(i["id"]) for i in reconciled["issues"]}
        classic = await get(http, auth, f"{AGILE}/sprint/2/issue", fields="summary")
        assert new_id in {int(i["id"]) for i in classic["issues"]}  # read-after-write
    finally:
        await http.post("/_sandbox/search-lag", json={"seconds": 0})
