"""Webhook deliveries to a real receiver: signed JWT, headers, v2 body, retries and switches."""

from __future__ import annotations

import time
from typing import Any

import httpx
import jwt
import pytest

from tests.sandbox.helpers import ACME, CLIENT_ID, CLIENT_SECRET, DEMO_ACCOUNT, Receiver, jira

API = f"{jira()}/rest/api/3"


async def register(
    http: httpx.AsyncClient,
    auth: dict[str, str],
    url: str,
    jql: str = "project = PLAT",
    **extra: Any,
) -> int:
    events = extra.pop("events", ["jira:issue_created", "jira:issue_updated", "jira:issue_deleted"])
    body = {"url": url, "webhooks": [{"events": events, "jqlFilter": jql, **extra}]}
    response = await http.post(f"{API}/webhook", headers=auth, json=body)
    return int(response.json()["webhookRegistrationResult"][0]["createdWebhookId"])


async def drain(http: httpx.AsyncClient) -> None:
    response = await http.post("/_sandbox/webhooks/drain", params={"timeout": 10})
    assert response.status_code == 200 and response.json() == {"drained": True}


async def switches(http: httpx.AsyncClient, **values: Any) -> None:
    response = await http.post("/_sandbox/webhooks/switches", json=values)
    assert response.status_code == 200, response.text


async def set_points(http: httpx.AsyncClient, auth: dict[str, str], key: str, value: int) -> None:
    response = await http.put(
        f"{API}/issue/{key}", headers=auth, json={"fields": {"customfield_10026": value}}
    )
    assert response.status_code == 204, response.text


async def test_delivery_is_signed_with_the_client_secret(
    http: httpx.AsyncClient, auth: dict[str, str], receiver: Receiver, receiver_url: str
) -> None:
    webhook_id = await register(http, auth, receiver_url)
    await set_points(http, auth, "PLAT-6", 8)
    await drain(http)
    assert len(receiver.received) == 1
    delivery = receiver.received[0]
    headers, body = delivery["headers"], delivery["body"]
    token = headers["authorization"].removeprefix("Bearer ")
    claims = jwt.decode(token, CLIENT_SECRET, algorithms=["HS256"])
    assert claims["iss"] == CLIENT_ID and claims["sub"] == DEMO_ACCOUNT
    assert {"iat", "exp", "jti", "context"} <= set(claims)
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(token, "another-client-secret-of-another-app", algorithms=["HS256"])
    assert headers["x-atlassian-webhook-identifier"]
    assert headers["x-atlassian-webhook-flow"] == "Primary"
    assert "x-atlassian-webhook-retry" not in headers
    assert body["webhookEvent"] == "jira:issue_updated"
    assert body["matchedWebhookIds"] == [webhook_id]
    assert body["issue"]["key"] == "PLAT-6" and "/rest/api/2/issue/" in body["issue"]["self"]
    assert isinstance(body["issue"]["fields"]["description"], str)  # v2 flavour: not ADF
    item = body["changelog"]["items"][0]
    assert item["fieldId"] == "customfield_10026" and item["toString"] == "8"
    assert item["fieldtype"] == "custom" and body["user"]["accountId"] == DEMO_ACCOUNT


async def test_filters_decide_what_is_delivered(
    http: httpx.AsyncClient, auth: dict[str, str], receiver: Receiver, receiver_url: str
) -> None:
    summary_only = await register(http, auth, receiver_url, fieldIdsFilter=["summary"])
    await set_points(http, auth, "PLAT-6", 5)  # not a summary change
    await http.put(f"{API}/issue/APP-1", headers=auth, json={"fields": {"summary": "other"}})
    await http.put(f"{API}/issue/PLAT-6", headers=auth, json={"fields": {"summary": "Renamed"}})
    await drain(http)
    assert [d["body"]["matchedWebhookIds"] for d in receiver.received] == [[summary_only]]


async def test_admin_changes_emit_created_updated_deleted(
    http: httpx.AsyncClient, auth: dict[str, str], receiver: Receiver, receiver_url: str
) -> None:
    await register(http, auth, receiver_url)
    site = f"/_sandbox/sites/{ACME}"
    created = await http.post(f"{site}/issues", json={"projectKey": "PLAT", "summary": "New"})
    key = created.json()["key"]
    await http.patch(f"{site}/issues/{key}", json={"status": "In Progress"})
    await http.delete(f"{site}/issues/{key}")
    await drain(http)
    events = [d["body"]["webhookEvent"] for d in receiver.received]
    assert sorted(events) == ["jira:issue_created", "jira:issue_deleted", "jira:issue_updated"]
    update = next(
        d["body"] for d in receiver.received if d["body"]["webhookEvent"].endswith("updated")
    )
    assert update["changelog"]["items"][0]["toString"] == "In Progress"


async def test_retries_keep_the_identifier(
    http: httpx.AsyncClient, auth: dict[str, str], receiver: Receiver, receiver_url: str
) -> None:
    await register(http, auth, receiver_url)
    await switches(http, retry_backoff_ms=10)
    receiver.statuses = [500, 429]
    await set_points(http, auth, "PLAT-6", 3)
    await drain(http)
    headers = [d["headers"] for d in receiver.received]
    assert len({h["x-atlassian-webhook-identifier"] for h in headers}) == 1
    assert [h.get("x-atlassian-webhook-retry") for h in headers] == [None, "1", "2"]


async def test_timeouts_are_retried(
    http: httpx.AsyncClient, auth: dict[str, str], receiver: Receiver, receiver_url: str
) -> None:
    await register(http, auth, receiver_url)
    await switches(http, retry_backoff_ms=10, timeout_seconds=0.2, max_retries=1)
    receiver.delay_seconds = 0.5
    await set_points(http, auth, "PLAT-6", 3)
    await drain(http)
    attempts = (await http.get("/_sandbox/webhooks/deliveries")).json()["attempts"]
    assert [(a["attempt"], a["status"]) for a in attempts] == [(0, 0), (1, 0)]
    assert attempts[0]["error"] == "ReadTimeout"


async def test_duplicate_switch(
    http: httpx.AsyncClient, auth: dict[str, str], receiver: Receiver, receiver_url: str
) -> None:
    await register(http, auth, receiver_url)
    await switches(http, duplicate=True)
    await set_points(http, auth, "PLAT-6", 2)
    await drain(http)
    ids = [d["headers"]["x-atlassian-webhook-identifier"] for d in receiver.received]
    assert len(ids) == 2 and ids[0] == ids[1]
    assert receiver.received[0]["body"] == receiver.received[1]["body"]


async def test_out_of_order_switch(
    http: httpx.AsyncClient, auth: dict[str, str], receiver: Receiver, receiver_url: str
) -> None:
    await register(http, auth, receiver_url)
    await switches(http, out_of_order=True)
    for points in (1, 2, 3):
        await set_points(http, auth, "PLAT-6", points)
    assert receiver.received == []  # held until released
    await drain(http)
    values = [d["body"]["changelog"]["items"][0]["toString"] for d in receiver.received]
    assert values == ["3", "2", "1"]


async def test_delay_switch(
    http: httpx.AsyncClient, auth: dict[str, str], receiver: Receiver, receiver_url: str
) -> None:
    await register(http, auth, receiver_url)
    await switches(http, delay_ms=300)
    started = time.monotonic()
    await set_points(http, auth, "PLAT-6", 2)
    await drain(http)
    assert len(receiver.received) == 1 and time.monotonic() - started >= 0.3


async def test_expired_webhooks_do_not_deliver(
    http: httpx.AsyncClient, auth: dict[str, str], receiver: Receiver, receiver_url: str
) -> None:
    await register(http, auth, receiver_url)
    await http.post("/_sandbox/clock", json={"advanceSeconds": 30 * 86400 + 1})
    await http.patch(f"/_sandbox/sites/{ACME}/issues/PLAT-6", json={"summary": "Late"})
    await drain(http)
    assert receiver.received == []


async def test_private_app_only_delivers_its_owners_webhooks(
    http: httpx.AsyncClient, receiver: Receiver, receiver_url: str
) -> None:
    """Non-distributed apps get deliveries only for webhooks their owner registered."""
    secret = "private-app-secret-long-enough-for-hs256!"
    app = {"clientId": "private-app", "clientSecret": secret, "distributed": False,
           "ownerAccountId": "557058:1b2c3d4e-0000-4000-8000-000000000002",
           "loopbackCallbackSuffix": "/integrations/jira/callback"}  # fmt: skip
    assert (await http.post("/_sandbox/apps", json=app)).status_code == 201
    params = {"audience": "api.atlassian.com", "client_id": "private-app",
              "scope": "read:jira-work manage:jira-webhook", "state": "s",
              "redirect_uri": "http://127.0.0.1:8000/integrations/jira/callback",
              "response_type": "code", "sandbox_account": DEMO_ACCOUNT}  # fmt: skip
    page = await http.get("/auth/authorize", params=params)
    assert page.status_code == 200
    form = {**params, "site": ACME, "decision": "accept"}
    location = (await http.post("/auth/authorize/decision", data=form)).headers["location"]
    code = location.split("code=")[1].split("&")[0]
    token = await http.post(
        "/auth/oauth/token",
        json={"grant_type": "authorization_code", "client_id": "private-app",
              "client_secret": secret, "code": code, "redirect_uri": params["redirect_uri"]},
    )  # fmt: skip
    headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
    await register(http, headers, receiver_url)  # registered by the demo user, not the owner
    await http.patch(f"/_sandbox/sites/{ACME}/issues/PLAT-6", json={"summary": "Private"})
    await drain(http)
    assert receiver.received == []
