"""GET /rest/api/3/webhook lists exactly what is registered; the admin side drops or expires
registrations the way a Jira administrator or the 30-day expiry would."""

from __future__ import annotations

from typing import Any

import httpx

from tests.sandbox.helpers import ACME, GLOBEX, Receiver, connect, jira
from tests.sandbox.test_delivery import drain, register, set_points

URL = f"{jira()}/rest/api/3/webhook"


async def listed(http: httpx.AsyncClient, auth: dict[str, str], cloud_id: str = ACME,
                 **params: Any) -> dict[str, Any]:  # fmt: skip
    response = await http.get(f"{jira(cloud_id)}/rest/api/3/webhook", headers=auth, params=params)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def test_the_list_pages_exactly_what_is_registered_on_the_site(
    http: httpx.AsyncClient, auth: dict[str, str], receiver_url: str
) -> None:
    await connect(http, site=GLOBEX)  # the same grant now reaches Globex too
    ids = [await register(http, auth, receiver_url, f"project = PLAT AND status = {n}")
           for n in range(3)]  # fmt: skip
    other = await register(http, auth, receiver_url, "project = OPS")  # not on Acme's list...
    globex_body = {"url": receiver_url, "webhooks": [{"events": ["jira:issue_updated"],
                                                      "jqlFilter": "project = OPS"}]}  # fmt: skip
    on_globex = await http.post(f"{jira(GLOBEX)}/rest/api/3/webhook", headers=auth,
                                json=globex_body)  # fmt: skip
    globex_id = on_globex.json()["webhookRegistrationResult"][0]["createdWebhookId"]
    everything = await listed(http, auth)
    assert [w["id"] for w in everything["values"]] == [*ids, other]
    assert (everything["total"], everything["isLast"], everything["startAt"]) == (4, True, 0)
    assert everything["values"][0]["jqlFilter"] == "project = PLAT AND status = 0"
    assert set(everything["values"][0]) >= {"id", "events", "jqlFilter", "expirationDate"}
    first = await listed(http, auth, maxResults=3)
    assert [w["id"] for w in first["values"]] == ids and first["isLast"] is False
    second = await listed(http, auth, startAt=3, maxResults=3)
    assert [w["id"] for w in second["values"]] == [other] and second["isLast"] is True
    assert [w["id"] for w in (await listed(http, auth, GLOBEX))["values"]] == [globex_id]

    await http.request("DELETE", URL, headers=auth, json={"webhookIds": [ids[0]]})
    assert [w["id"] for w in (await listed(http, auth))["values"]] == [ids[1], ids[2], other]


async def test_an_administrator_deletes_a_registration(
    http: httpx.AsyncClient, auth: dict[str, str], receiver: Receiver, receiver_url: str
) -> None:
    kept = await register(http, auth, receiver_url, "project = APP")
    dropped = await register(http, auth, receiver_url)
    response = await http.delete(f"/_sandbox/webhooks/{dropped}")
    assert response.status_code == 200
    assert response.json()["deleted"]["id"] == dropped
    assert [w["id"] for w in (await listed(http, auth))["values"]] == [kept]
    assert [w["id"] for w in (await http.get("/_sandbox/webhooks")).json()["webhooks"]] == [kept]
    await set_points(http, auth, "PLAT-6", 8)  # only the dropped one matched PLAT
    await drain(http)
    assert receiver.received == []
    assert (await http.delete(f"/_sandbox/webhooks/{dropped}")).status_code == 404


async def test_an_id_on_two_sites_needs_the_site(
    http: httpx.AsyncClient, auth: dict[str, str], receiver_url: str
) -> None:
    await connect(http, site=GLOBEX)
    acme_id = await register(http, auth, receiver_url)
    body = {"url": receiver_url, "webhooks": [{"events": ["jira:issue_updated"],
                                               "jqlFilter": "project = OPS"}]}  # fmt: skip
    await http.post(f"{jira(GLOBEX)}/rest/api/3/webhook", headers=auth, json=body)
    assert (await http.delete(f"/_sandbox/webhooks/{acme_id}")).status_code == 409
    gone = await http.delete(f"/_sandbox/webhooks/{acme_id}", params={"cloudId": GLOBEX})
    assert gone.status_code == 200 and gone.json()["deleted"]["cloudId"] == GLOBEX
    assert [w["id"] for w in (await listed(http, auth))["values"]] == [acme_id]
    assert (await listed(http, auth, GLOBEX))["values"] == []


async def test_expiry_now(
    http: httpx.AsyncClient, auth: dict[str, str], receiver: Receiver, receiver_url: str
) -> None:
    first = await register(http, auth, receiver_url, "project = APP")
    second = await register(http, auth, receiver_url)
    some = await http.post("/_sandbox/webhooks/expire", json={"webhookIds": [first]})
    assert some.json() == {"expired": [{"cloudId": ACME, "id": first}]}
    assert [w["id"] for w in (await listed(http, auth))["values"]] == [second]
    everything = await http.post("/_sandbox/webhooks/expire", json={})
    assert everything.json() == {"expired": [{"cloudId": ACME, "id": second}]}
    assert (await listed(http, auth))["total"] == 0
    refreshed = await http.put(f"{URL}/refresh", headers=auth, json={"webhookIds": [second]})
    assert refreshed.status_code == 200  # ignored: an expired registration stays expired
    assert (await listed(http, auth))["total"] == 0
    await set_points(http, auth, "PLAT-6", 8)
    await drain(http)
    assert receiver.received == []
