"""Webhooks end to end: the sandbox delivers signed webhooks to a real server process."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt
import pytest

from core.settings import Settings
from jobs.jira.webhook_inbox import sweep_jira_webhooks
from models.jira import JiraIssueLink, JiraSite, JiraWebhookDelivery
from models.rooms import Issue
from services.jira.token_store import ACCESS_FIELD, keyring_for, unseal
from services.rooms import rooms
from services.runtime import Runtime
from tests.core.bus.private_redis import PrivateRedis
from tests.jira_support import (
    SandboxProcess,
    connect_user,
    eventually,
    make_runtime,
    make_user,
    new_account,
)
from tests.resolvers.room_helpers import RoomSubscriber, add_issue, create_room, unique_email
from tests.support import GraphQLClient, ServerProcess

ACME = "8f3c2a10-5d1e-4c7b-9a42-3e1f0b6d7c01"
EVENTS = ["jira:issue_created", "jira:issue_updated", "jira:issue_deleted"]

pytestmark = pytest.mark.usefixtures("database_url")


@pytest.fixture(scope="module")
async def registered(jira_server: ServerProcess, jira_sandbox: SandboxProcess) -> dict[str, Any]:
    """A connected user (sites stored) with one webhook on PLAT pointing at the server."""
    runtime = await make_runtime(jira_sandbox)
    user = await make_user()
    account = await new_account(jira_sandbox, [ACME])
    connection = (await connect_user(runtime, user, account, site=ACME)).connection
    token = unseal(keyring_for(runtime.settings), connection, ACCESS_FIELD)
    await runtime.jira_http.aclose()  # type: ignore[union-attr]
    async with httpx.AsyncClient(timeout=10) as http:
        answer = await http.post(
            f"{jira_sandbox.url}/api/ex/jira/{ACME}/rest/api/3/webhook",
            headers={"authorization": f"Bearer {token}"},
            json={
                "url": f"{jira_server.url}/webhooks/jira",
                "webhooks": [{"events": EVENTS, "jqlFilter": "project = PLAT"}],
            },
        )
    assert answer.status_code == 200, answer.text
    result = answer.json()["webhookRegistrationResult"][0]
    assert "createdWebhookId" in result, result
    return {"user": user, "connection": connection, "webhook_id": result["createdWebhookId"]}


async def linked_issue(
    sandbox: SandboxProcess, setup: dict[str, Any], rooms_count: int = 1
) -> tuple[str, str, list[Issue]]:
    """A new PLAT issue at the sandbox, linked into `rooms_count` new rooms via the ORM."""
    created = await sandbox.admin(
        "POST", f"/sites/{ACME}/issues", json={"projectKey": "PLAT", "summary": "Original"}
    )
    issues = []
    for _ in range(rooms_count):
        room = await rooms.create_room(setup["user"], f"WH {uuid.uuid4().hex[:6]}", ["1", "2"])
        issue = await rooms.add_issue(setup["user"], str(room.id), "Original", None, None)
        await JiraIssueLink.create(
            issue=issue,
            connection=setup["connection"],
            cloud_id=ACME,
            jira_issue_id=str(created["id"]),
            key=created["key"],
            url=f"https://example/browse/{created['key']}",
            last_synced_at=datetime.now(UTC),
        )
        issues.append(issue)
    return str(created["id"]), created["key"], issues


async def titles(issues: list[Issue]) -> list[str]:
    return [i.title for i in await Issue.filter(id__in=[i.id for i in issues]).order_by("id")]


async def test_title_change_reaches_every_linked_issue(
    jira_sandbox: SandboxProcess, registered: dict[str, Any]
) -> None:
    _, key, issues = await linked_issue(jira_sandbox, registered, rooms_count=2)
    await jira_sandbox.admin(
        "PATCH", f"/sites/{ACME}/issues/{key}", json={"summary": "Renamed in Jira"}
    )

    async def renamed() -> bool:
        return await titles(issues) == ["Renamed in Jira"] * 2

    await eventually(renamed)
    row = await JiraWebhookDelivery.filter(event="jira:issue_updated").order_by("-id").first()
    assert row is not None and registered["webhook_id"] in row.matched_webhook_ids
    assert await JiraSite.filter(cloud_id=ACME, url=row.site_url).exists()


async def test_duplicates_applied_once_and_out_of_order_in_order(
    jira_sandbox: SandboxProcess, jira_server: ServerProcess, registered: dict[str, Any]
) -> None:
    _, key, issues = await linked_issue(jira_sandbox, registered)
    await jira_sandbox.admin(
        "POST", "/webhooks/switches", json={"duplicate": True, "out_of_order": True}
    )
    try:
        for n in range(1, 4):
            await jira_sandbox.admin(
                "PATCH", f"/sites/{ACME}/issues/{key}", json={"summary": f"Title {n}"}
            )
            await asyncio.sleep(0.01)  # distinct `updated` stamps
        await jira_sandbox.admin("POST", "/webhooks/drain?timeout=10")  # newest first
    finally:
        await jira_sandbox.admin(
            "POST", "/webhooks/switches", json={"duplicate": False, "out_of_order": False}
        )
    attempts = [
        a
        for a in (await jira_sandbox.admin("GET", "/webhooks/deliveries"))["attempts"]
        if a.get("issueKey") == key
        and a["event"] == "jira:issue_updated"
        and a["url"].startswith(jira_server.url)  # other modules' servers may listen on PLAT too
    ]
    assert len(attempts) == 6 and all(a["status"] == 200 for a in attempts)

    async def all_processed() -> bool:
        rows = await JiraWebhookDelivery.filter(
            identifier__in={a["identifier"] for a in attempts}
        ).values_list("processed_at", flat=True)
        return len(rows) == 3 and all(rows)

    await eventually(all_processed)
    assert await titles(issues) == ["Title 3"]


async def test_forged_delivery_is_refused_and_not_stored(jira_server: ServerProcess) -> None:
    ident = f"forged-{uuid.uuid4().hex}"
    now = int(time.time())
    forged = jwt.encode({"iss": "x", "exp": now + 60}, "not-the-client-secret" * 3, "HS256")
    body = {"webhookEvent": "jira:issue_deleted", "timestamp": now * 1000, "issue": {"id": "1"}}
    async with httpx.AsyncClient(timeout=10) as http:
        for headers in ({"authorization": f"Bearer {forged}"}, {}):
            answer = await http.post(
                f"{jira_server.url}/webhooks/jira",
                json=body,
                headers={"x-atlassian-webhook-identifier": ident, **headers},
            )
            assert answer.status_code == 401
    assert not await JiraWebhookDelivery.filter(identifier=ident).exists()


async def test_body_checks(jira_server: ServerProcess) -> None:
    secret = Settings(agilekit_env="development").jira_client_secret
    token = jwt.encode({"exp": int(time.time()) + 60}, secret, "HS256")
    headers = {"authorization": f"Bearer {token}", "x-atlassian-webhook-identifier": "b-1"}
    async with httpx.AsyncClient(timeout=10) as http:
        url = f"{jira_server.url}/webhooks/jira"
        assert (await http.post(url, content=b"{nope", headers=headers)).status_code == 400
        big = b'{"x":"' + b"a" * 300_000 + b'"}'
        assert (await http.post(url, content=big, headers=headers)).status_code == 413


async def test_deletion_marks_links_deleted_in_jira(
    jira_sandbox: SandboxProcess, registered: dict[str, Any]
) -> None:
    _, key, issues = await linked_issue(jira_sandbox, registered)
    await jira_sandbox.admin("DELETE", f"/sites/{ACME}/issues/{key}")

    async def deleted() -> bool:
        return (await JiraIssueLink.get(issue_id=issues[0].id)).deleted_in_jira

    await eventually(deleted)
    assert await Issue.filter(id=issues[0].id).exists()


async def test_title_change_reaches_a_room_subscriber(
    jira_server: ServerProcess, jira_sandbox: SandboxProcess, registered: dict[str, Any]
) -> None:
    gql = GraphQLClient(jira_server.url)
    token = await gql.sign_in(unique_email("wh-sub"), "PREMIUM")
    room_id = await create_room(gql, token)
    issue_id = await add_issue(gql, token, room_id, "Before")
    created = await jira_sandbox.admin(
        "POST", f"/sites/{ACME}/issues", json={"projectKey": "PLAT", "summary": "Before"}
    )
    await JiraIssueLink.create(
        issue_id=int(issue_id),
        connection=registered["connection"],
        cloud_id=ACME,
        jira_issue_id=str(created["id"]),
        key=created["key"],
        url=f"https://example/browse/{created['key']}",
        last_synced_at=datetime.now(UTC),
    )
    subscriber = await RoomSubscriber(jira_server.ws_url, token).connect()
    try:
        await subscriber.subscribe(room_id)
        await subscriber.wait_ready(gql, token, room_id)
        await jira_sandbox.admin(
            "PATCH", f"/sites/{ACME}/issues/{created['key']}", json={"summary": "Live title"}
        )
        event = await subscriber.next_event()
        assert event["__typename"] == "IssueUpdated"
        assert event["issue"]["id"] == issue_id and event["issue"]["title"] == "Live title"
    finally:
        await subscriber.close()
        await gql.aclose()


async def test_redis_down_deliveries_accepted_then_processed(
    start_server: Callable[..., ServerProcess], registered: dict[str, Any]
) -> None:
    redis = PrivateRedis().start()
    try:
        server = start_server(REDIS_URL=redis.url)
        redis.kill()
        site = await JiraSite.get(connection=registered["connection"], cloud_id=ACME)
        issue_id = str(90_000 + int(uuid.uuid4().hex[:4], 16))
        room = await rooms.create_room(registered["user"], "Redis down", ["1", "2"])
        issue = await rooms.add_issue(registered["user"], str(room.id), "Before", None, None)
        await JiraIssueLink.create(
            issue=issue,
            cloud_id=ACME,
            jira_issue_id=issue_id,
            key="PLAT-999",
            url="https://example/browse/PLAT-999",
            last_synced_at=datetime.now(UTC),
        )
        secret = Settings(agilekit_env="development").jira_client_secret
        idents = [f"down-{uuid.uuid4().hex}" for _ in range(3)]
        async with httpx.AsyncClient(timeout=10) as http:
            for n, ident in enumerate(idents):
                token = jwt.encode({"exp": int(time.time()) + 60}, secret, "HS256")
                body = {
                    "timestamp": 1_790_000_000_000 + n,
                    "webhookEvent": "jira:issue_updated",
                    "issue": {
                        "id": issue_id,
                        "self": f"{site.url.rstrip('/')}/rest/api/2/issue/{issue_id}",
                        "fields": {"summary": f"While down {n}"},
                    },
                }
                answer = await http.post(
                    f"{server.url}/webhooks/jira",
                    json=body,
                    headers={
                        "authorization": f"Bearer {token}",
                        "x-atlassian-webhook-identifier": ident,
                    },
                )
                assert answer.status_code == 200, answer.text
        stored = await JiraWebhookDelivery.filter(identifier__in=idents).values_list(
            "processed_at", flat=True
        )
        assert stored == [None, None, None]
        redis.start()  # back on the same port; the worker's sweeper cron finds the rows
        runtime = Runtime(settings=Settings(agilekit_env="development", redis_url=redis.url))
        assert await sweep_jira_webhooks({"runtime": runtime}, grace=timedelta(0)) >= 3
        await issue.refresh_from_db()
        assert issue.title == "While down 2"
        assert not await JiraWebhookDelivery.filter(identifier__in=idents, processed_at=None)
    finally:
        redis.kill()
