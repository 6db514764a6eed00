"""The admin API: reset, accounts, moves, bulk seeding, screens, request log."""

from __future__ import annotations

import httpx

from tests.sandbox.helpers import ACME, GLOBEX, authorize, bearer, connect, jira

ADMIN = f"/_sandbox/sites/{ACME}"
API = f"{jira()}/rest/api/3"


async def test_state_describes_the_demo_seed(http: httpx.AsyncClient) -> None:
    state = (await http.get("/_sandbox/state")).json()
    sites = {s["cloudId"]: s for s in state["sites"]}
    assert set(sites) == {ACME, GLOBEX}
    assert sum(s["issueCount"] for s in sites.values()) >= 60
    projects = [p for s in sites.values() for p in s["projects"]]
    assert {p["key"] for p in projects} == {"PLAT", "APP", "OPS"}
    assert {s["state"] for s in sites[ACME]["sprints"]} == {"active", "future", "closed"}


async def test_reset_restores_the_seed(http: httpx.AsyncClient, auth: dict[str, str]) -> None:
    await http.delete(f"{ADMIN}/issues/PLAT-1")
    assert (await http.get(f"{API}/issue/PLAT-1", headers=auth)).status_code == 404
    await http.post("/_sandbox/reset", json={})
    fresh = bearer(await connect(http))
    assert (await http.get(f"{API}/issue/PLAT-1", headers=fresh)).status_code == 200
    assert (await http.get(f"{API}/myself", headers=auth)).status_code == 401  # tokens reset too


async def test_current_user_decides_who_consents(http: httpx.AsyncClient) -> None:
    alex = "alex@acme.example"
    await http.post("/_sandbox/current-user", json={"accountId": alex})
    tokens = await connect(http, site=ACME)
    me = (await http.get(f"{API}/myself", headers=bearer(tokens))).json()
    assert me["emailAddress"] == alex
    # Alex has no Globex access, so the consent form refuses that site
    refused = await authorize(http, site=GLOBEX)
    assert refused.status_code == 400
    by_param = await connect(http, account="sam@globex.example", site=GLOBEX)
    sam = await http.get(f"{jira(GLOBEX)}/rest/api/3/myself", headers=bearer(by_param))
    assert sam.json()["displayName"] == "Sam Globex"


async def test_move_changes_key_but_old_key_resolves(
    http: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    moved = await http.post(f"{ADMIN}/issues/PLAT-2/move", json={"projectKey": "APP"})
    new_key = moved.json()["key"]
    assert new_key.startswith("APP-")
    old = (await http.get(f"{API}/issue/PLAT-2", headers=auth)).json()
    assert old["key"] == new_key


async def test_move_between_sprint_and_backlog(
    http: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    backlog_url = f"{jira()}/rest/agile/1.0/board/1/backlog"
    before = (await http.get(backlog_url, headers=auth)).json()["total"]
    await http.post(f"{ADMIN}/issues/PLAT-7/move", json={"sprintId": None, "rank": "top"})
    after = (await http.get(backlog_url, headers=auth)).json()
    assert after["total"] == before + 1 and after["issues"][0]["key"] == "PLAT-7"


async def test_screens_can_be_changed(http: httpx.AsyncClient, auth: dict[str, str]) -> None:
    search = await http.get(
        f"{API}/search/jql",
        headers=auth,
        params={"jql": "project = PLAT AND issuetype = Bug", "fields": "key"},
    )
    bug = search.json()["issues"][0]["key"]
    body = {"fields": {"customfield_10026": 2}}
    assert (await http.put(f"{API}/issue/{bug}", headers=auth, json=body)).status_code == 400
    await http.post(
        f"{ADMIN}/projects/PLAT/screens", json={"issueType": "Bug", "add": ["customfield_10026"]}
    )
    assert (await http.put(f"{API}/issue/{bug}", headers=auth, json=body)).status_code == 204


async def test_request_log_filters_and_clears(
    http: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    await http.put(f"{API}/issue/PLAT-1", headers=auth, json={"fields": {"customfield_10026": 5}})
    log = (await http.get("/_sandbox/requests", params={"method": "PUT"})).json()["requests"]
    assert [(e["path"], e["status"], e["body"]) for e in log] == [
        (f"{jira()}/rest/api/3/issue/PLAT-1", 204, {"fields": {"customfield_10026": 5}})
    ]
    await http.delete("/_sandbox/requests")
    assert (await http.get("/_sandbox/requests")).json()["requests"] == []


async def test_registered_app_with_exact_redirect(http: httpx.AsyncClient) -> None:
    app = {"clientId": "other-app", "clientSecret": "s" * 40, "scopes": ["read:jira-work"],
           "redirectUris": ["https://app.example/cb"]}  # fmt: skip
    assert (await http.post("/_sandbox/apps", json=app)).status_code == 201
    params = {
        "audience": "api.atlassian.com",
        "client_id": "other-app",
        "scope": "read:jira-work",
        "redirect_uri": "https://app.example/cb",
        "response_type": "code",
        "state": "s",
    }
    assert (await http.get("/auth/authorize", params=params)).status_code == 200
    loopback = {**params, "redirect_uri": "http://127.0.0.1/integrations/jira/callback"}
    assert (await http.get("/auth/authorize", params=loopback)).status_code == 400
