"""POST /webhooks/jira with a valid signature and odd bodies (finding 4): every genuine
delivery is stored, made storable; malformed ones get a 4xx and one WARNING line."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from typing import Any

import httpx
import jwt
import pytest

from core.group_commit import GroupCommit
from core.settings import Settings
from models.jira import JiraWebhookDelivery
from services.jira.webhooks.inbox import store_deliveries
from services.runtime import Runtime
from tests.support import ServerProcess
from web.jira_webhooks import JiraWebhookReceiver

pytestmark = pytest.mark.usefixtures("database_url")


def signed_headers(identifier: str) -> dict[str, str]:
    secret = Settings(agilekit_env="development").jira_client_secret
    token = jwt.encode({"exp": int(time.time()) + 60}, secret, "HS256")
    return {
        "authorization": f"Bearer {token}",
        "x-atlassian-webhook-identifier": identifier,
        "content-type": "application/json",
    }


async def deliver(server: ServerProcess, body: bytes) -> tuple[httpx.Response, str]:
    identifier = f"odd-{uuid.uuid4().hex}"
    async with httpx.AsyncClient(timeout=10) as http:
        response = await http.post(
            f"{server.url}/webhooks/jira", content=body, headers=signed_headers(identifier)
        )
    return response, identifier


def issue_updated(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "webhookEvent": "jira:issue_updated",
        "timestamp": 1_764_000_000_000,
        "issue": {
            "id": "10001",
            "self": "https://acme.atlassian.net/rest/api/2/issue/10001",
            "fields": {"summary": "A summary", "description": "Text"},
        },
    }
    body.update(changes)
    return body


@pytest.mark.parametrize(
    ("raw", "stored_timestamp"),
    [
        (b"9223372036854775808", None),  # 2^63
        (b"1e20", None),
        (b"NaN", None),
        (b"Infinity", None),
        (b"-Infinity", None),
        (b"1764000000000", 1_764_000_000_000),
    ],
)
async def test_odd_timestamps_are_stored_without_one(
    info_server: ServerProcess, raw: bytes, stored_timestamp: int | None
) -> None:
    body = json.dumps(issue_updated(timestamp="__T__")).encode().replace(b'"__T__"', raw)
    response, identifier = await deliver(info_server, body)
    assert response.status_code == 200, response.text
    row = await JiraWebhookDelivery.get(identifier=identifier)
    assert row.timestamp_ms == stored_timestamp


@pytest.mark.parametrize(
    "link", ["http://[::1", "https://acme.atlassian.net/" + "x" * 2100, 12, None]
)
async def test_an_unusable_self_link_is_stored_without_a_site(
    info_server: ServerProcess, link: object
) -> None:
    body = issue_updated()
    body["issue"]["self"] = link
    response, identifier = await deliver(info_server, json.dumps(body).encode())
    assert response.status_code == 200, response.text
    assert (await JiraWebhookDelivery.get(identifier=identifier)).site_url == ""


async def test_text_jsonb_cannot_hold_is_made_storable_not_lost(info_server: ServerProcess) -> None:
    """A genuine delivery with a NUL in a description was never stored (jsonb refused it)."""
    body = issue_updated()
    body["issue"]["fields"]["description"] = "before\x00after \ud800 end"
    body["issue"]["fields"]["key\x00with nul"] = "x"
    raw = json.dumps(body).encode()[:-1] + b', "estimate": NaN}'  # and a NaN
    response, identifier = await deliver(info_server, raw)
    assert response.status_code == 200, response.text
    stored = (await JiraWebhookDelivery.get(identifier=identifier)).payload
    fields = stored["issue"]["fields"]
    assert fields["description"] == "before\ufffdafter \ufffd end"
    assert fields["key\ufffdwith nul"] == "x"
    assert stored["estimate"] is None


async def test_deep_nesting_is_refused_with_one_warning(info_server: ServerProcess) -> None:
    written = len(info_server.logs())
    for depth in (70, 5000):
        body = issue_updated()
        body["deep"] = "__DEEP__"
        raw = json.dumps(body).encode().replace(b'"__DEEP__"', b"[" * depth + b"]" * depth)
        response, identifier = await deliver(info_server, raw)
        assert response.status_code == 400, (depth, response.text)
        assert not await JiraWebhookDelivery.filter(identifier=identifier).exists()
    await asyncio.sleep(0.2)
    lines = [json.loads(line) for line in info_server.logs()[written:].splitlines() if line]
    refusals = [line for line in lines if line["msg"].startswith("webhook refused")]
    assert [line["level"] for line in refusals] == ["WARNING", "WARNING"], refusals
    assert not [line for line in lines if line["level"] == "ERROR"]


async def test_a_bad_identifier_is_a_400(info_server: ServerProcess) -> None:
    async with httpx.AsyncClient(timeout=10) as http:
        for identifier in ("", "with space", "x" * 129):
            response = await http.post(
                f"{info_server.url}/webhooks/jira",
                content=json.dumps(issue_updated()).encode(),
                headers=signed_headers(identifier),
            )
            assert response.status_code == 400, identifier


async def test_concurrent_deliveries_are_stored_together_each_once() -> None:
    inbox = GroupCommit(store_deliveries)
    app = JiraWebhookReceiver(Runtime(settings=Settings(agilekit_env="development")), inbox)
    identifiers = [f"grouped-{uuid.uuid4().hex}" for _ in range(12)]
    body = json.dumps(issue_updated()).encode()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://agilekit.test") as http:

        async def post(identifier: str) -> httpx.Response:
            headers = signed_headers(identifier)
            return await http.post("/webhooks/jira", content=body, headers=headers)

        first = await asyncio.gather(*(post(i) for i in identifiers))
        again = await asyncio.gather(*(post(i) for i in identifiers[:3]))  # Jira's retries
    assert [r.json() for r in first] == [{"ok": True, "duplicate": False}] * 12
    assert [r.json() for r in again] == [{"ok": True, "duplicate": True}] * 3
    assert inbox.groups < len(identifiers) + len(again)  # some went together
    rows = await JiraWebhookDelivery.filter(identifier__in=identifiers).order_by("id")
    assert sorted(row.identifier for row in rows) == sorted(identifiers)  # each stored once


async def test_a_streamed_body_over_the_cap_is_refused_unstored() -> None:
    """No Content-Length to refuse by: the receiver counts what arrives (it sits ahead of the
    app's body limit, web/middleware.py's DirectRoute)."""
    app = JiraWebhookReceiver(Runtime(settings=Settings(agilekit_env="development")))
    identifier = f"streamed-{uuid.uuid4().hex}"
    head = json.dumps(issue_updated())[:-1].encode() + b', "pad": "'

    async def chunks() -> Any:
        yield head
        for _ in range(40):  # 40 chunks of 8 KB: past MAX_WEBHOOK_BYTES (256 KB)
            yield b"x" * 8192
        yield b'"}'

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://agilekit.test") as http:
        refused = await http.post(
            "/webhooks/jira", content=chunks(), headers=signed_headers(identifier)
        )
        small = await http.post(
            "/webhooks/jira",
            content=json.dumps(issue_updated()).encode(),
            headers=signed_headers(identifier),
        )
    assert refused.status_code == 413 and refused.json() == {"error": "body too large"}
    assert small.status_code == 200 and small.json() == {"ok": True, "duplicate": False}
