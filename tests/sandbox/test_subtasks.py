"""Sub-tasks: the seeded ones, `fields.parent` / `fields.subtasks`, JQL `parent`, re-parenting."""

from __future__ import annotations

from typing import Any

import httpx

from tests.sandbox.helpers import ACME, GLOBEX, connect, jira

API = f"{jira()}/rest/api/3"
AGILE = f"{jira()}/rest/agile/1.0"


async def get(http: httpx.AsyncClient, auth: dict[str, str], url: str, **params: Any) -> Any:
    response = await http.get(url, headers=auth, params=params)
    assert response.status_code == 200, response.text
    return response.json()


async def test_a_sub_task_names_its_parent_and_the_parent_lists_it(
    http: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    child = await get(http, auth, f"{API}/issue/PLAT-26", fields="parent,issuetype,sprint")
    assert child["fields"]["issuetype"]["name"] == "Sub-task"
    assert child["fields"]["issuetype"]["subtask"] is True
    assert child["fields"]["issuetype"]["hierarchyLevel"] == -1
    parent = child["fields"]["parent"]
    assert parent["key"] == "PLAT-7" and parent["id"] == "10006"
    assert set(parent["fields"]) == {"summary", "status", "priority", "issuetype"}
    assert parent["fields"]["summary"] == "Harden webhook flow"
    assert parent["fields"]["issuetype"]["subtask"] is False
    story = await get(http, auth, f"{API}/issue/PLAT-7", fields="subtasks,parent,issuetype")
    assert "parent" not in story["fields"]  # only sub-tasks have one
    assert [s["key"] for s in story["fields"]["subtasks"]] == ["PLAT-26", "PLAT-27"]
    assert story["fields"]["subtasks"][0]["fields"]["summary"] == "Migrate the schema"
    plain = await get(http, auth, f"{API}/issue/PLAT-8", fields="subtasks")
    assert plain["fields"]["subtasks"] == []


async def test_seeded_sub_tasks_sit_in_their_parents_active_sprint(
    http: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    sprint = await get(http, auth, f"{AGILE}/sprint/2/issue", fields="parent", maxResults=50)
    parents = {i["key"]: (i["fields"].get("parent") or {}).get("key") for i in sprint["issues"]}
    assert {k: v for k, v in parents.items() if v} == {
        "PLAT-26": "PLAT-7",
        "PLAT-27": "PLAT-7",
        "PLAT-28": "PLAT-9",
    }
    assert {f"PLAT-{n}" for n in range(6, 14)} <= set(parents)  # the sprint's own issues stay
    await connect(http, site=GLOBEX)
    ops = await get(http, auth, f"{jira(GLOBEX)}/rest/api/3/search/jql",
                    jql="parent = OPS-6", fields="parent,summary")  # fmt: skip
    assert [i["key"] for i in ops["issues"]] == ["OPS-21", "OPS-22"]


async def test_jql_parent_equals_and_in(http: httpx.AsyncClient, auth: dict[str, str]) -> None:
    async def keys(jql: str) -> list[str]:
        found = await get(http, auth, f"{API}/search/jql", jql=jql, fields="key")
        return [i["key"] for i in found["issues"]]

    assert await keys("parent = PLAT-7") == ["PLAT-26", "PLAT-27"]
    assert await keys("parent in (PLAT-7, 10008) order by key desc") == [
        "PLAT-28",
        "PLAT-27",
        "PLAT-26",
    ]
    assert await keys("parent = PLAT-8") == []
    assert await keys("project = PLAT AND parent is EMPTY AND sprint = 2") == [
        f"PLAT-{n}" for n in range(6, 14)
    ]


async def test_re_parenting_records_the_change_and_updates_both_sides(
    http: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    moved = await http.patch(f"/_sandbox/sites/{ACME}/issues/PLAT-28", json={"parent": "PLAT-7"})
    assert moved.status_code == 200, moved.text
    assert moved.json()["issue"]["fields"]["parent"]["key"] == "PLAT-7"
    story = await get(http, auth, f"{API}/issue/PLAT-7", fields="subtasks")
    assert [s["key"] for s in story["fields"]["subtasks"]] == ["PLAT-26", "PLAT-27", "PLAT-28"]
    assert (await get(http, auth, f"{API}/issue/PLAT-9", fields="subtasks"))["fields"][
        "subtasks"
    ] == []
    history = await get(http, auth, f"{API}/issue/PLAT-28", expand="changelog", fields="key")
    [item] = history["changelog"]["histories"][-1]["items"]
    assert item["field"] == "IssueParentAssociation"
    assert (item["fromString"], item["toString"]) == ("PLAT-9", "PLAT-7")
    refused = await http.patch(f"/_sandbox/sites/{ACME}/issues/PLAT-28", json={"parent": "PLAT-27"})
    assert refused.status_code == 400  # a sub-task cannot parent another
