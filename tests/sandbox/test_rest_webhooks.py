"""Dynamic webhook registration: per-item errors, JQL subset, limits, expiry, refresh, delete."""

from __future__ import annotations

from typing import Any

import httpx

from tests.sandbox.helpers import bearer, connect, jira

URL = f"{jira()}/rest/api/3/webhook"


def item(jql: str = "project = PLAT", **extra: Any) -> dict[str, Any]:
    return {"events": ["jira:issue_updated"], "jqlFilter": jql, **extra}


async def register(
    http: httpx.AsyncClient, auth: dict[str, str], *items: dict[str, Any]
) -> list[dict[str, Any]]:
    body = {"url": "http://127.0.0.1:9/hooks/agilekit", "webhooks": list(items)}
    response = await http.post(URL, headers=auth, json=body)
    assert response.status_code == 200, response.text
    return response.json()["webhookRegistrationResult"]  # type: ignore[no-any-return]


async def test_per_item_errors_in_a_200(http: httpx.AsyncClient, auth: dict[str, str]) -> None:
    results = await register(
        http,
        auth,
        item(),
        item("watchCount = 3"),
        item("assignee is not EMPTY"),
        item("project in (PLAT, APP) AND status != Done"),
        item("project = PLAT", events=["jira:issue_exploded"]),
        item(""),
    )
    assert "createdWebhookId" in results[0]
    assert results[1] == {"errors": ["The clause watchcount is unsupported"]}
    assert results[2] == {"errors": ["Operator is not is unsupported"]}
    assert "createdWebhookId" in results[3]
    assert "errors" in results[4] and "errors" in results[5]


async def test_five_per_app_user_site(http: httpx.AsyncClient, auth: dict[str, str]) -> None:
    results = await register(
        http, auth, *[item(f"project = PLAT AND status = {n}") for n in range(6)]
    )
    assert [("createdWebhookId" in r) for r in results] == [True] * 5 + [False]
    assert "maximum" in results[5]["errors"][0]


async def test_list_refresh_and_expiry(http: httpx.AsyncClient, auth: dict[str, str]) -> None:
    ids = [r["createdWebhookId"] for r in await register(http, auth, item(), item("project = APP"))]
    listed = (await http.get(URL, headers=auth)).json()
    assert listed["total"] == 2 and listed["isLast"] is True
    assert {w["id"] for w in listed["values"]} == set(ids)
    assert isinstance(listed["values"][0]["expirationDate"], int)

    await http.post("/_sandbox/clock", json={"advanceSeconds": 29 * 86400})
    auth = bearer(await connect(http))  # the old access token expired meanwhile
    refreshed = await http.put(f"{URL}/refresh", headers=auth, json={"webhookIds": [ids[0], 999]})
    assert refreshed.status_code == 200 and "expirationDate" in refreshed.json()
    await http.post("/_sandbox/clock", json={"advanceSeconds": 2 * 86400})
    auth = bearer(await connect(http))
    remaining = (await http.get(URL, headers=auth)).json()["values"]
    assert [w["id"] for w in remaining] == [ids[0]]
    # expired registrations no longer count towards the limit of five
    results = await register(http, auth, *[item(f"status = {n}") for n in range(4)])
    assert all("createdWebhookId" in r for r in results)


async def test_delete_answers_202(http: httpx.AsyncClient, auth: dict[str, str]) -> None:
    ids = [r["createdWebhookId"] for r in await register(http, auth, item())]
    deleted = await http.request("DELETE", URL, headers=auth, json={"webhookIds": ids})
    assert deleted.status_code == 202
    assert (await http.get(URL, headers=auth)).json()["total"] == 0
    missing = await http.request("DELETE", URL, headers=auth, json={})
    assert missing.status_code == 400
