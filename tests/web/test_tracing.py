"""One trace from a Jira webhook delivery: the HTTP handler's span, its apply span inside the
window's batch job (the traceparent kept by runtime.trace_carrier, never a job argument) and
the room-event publish."""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import time
import uuid
from datetime import UTC, datetime

import httpx
import jwt
import pytest

from core.jobs import InProcessJobQueue
from core.settings import Settings
from jobs.jira.webhook_inbox import process_jira_webhook
from models.jira import JiraWebhookDelivery
from services.runtime import Runtime
from tests.services.jira.webhooks.test_inbox import update, world
from tests.tracing_support import leaked, recording
from web.jira_webhooks import JiraWebhookReceiver
from wiring import build_runtime, start_runtime

pytestmark = pytest.mark.usefixtures("database_url")


async def post_delivery(
    runtime: Runtime, body: dict, token: str, identifier: str | None = None
) -> httpx.Response:
    transport = httpx.ASGITransport(app=JiraWebhookReceiver(runtime))
    async with httpx.AsyncClient(transport=transport, base_url="http://agilekit.test") as http:
        return await http.post(
            "/webhooks/jira",
            json=body,
            headers={
                "authorization": f"Bearer {token}",
                "x-atlassian-webhook-identifier": identifier or f"trace-{uuid.uuid4().hex}",
            },
        )


async def test_a_delivery_is_one_trace_from_handler_through_job_to_publish(
    database_url: str,
) -> None:
    settings = Settings(agilekit_env="development", database_url=database_url)
    runtime = build_runtime(settings)
    runtime.tracing, exporter = recording(settings)
    site_url, jira_id, issues = await world(1)
    token = jwt.encode({"exp": int(time.time()) + 60}, settings.jira_client_secret, "HS256")
    # The run's database is shared: a delivery an earlier test's server stopped before applying
    # would join this one's batch (and its spans this trace's lookup by name).
    await JiraWebhookDelivery.filter(processed_at=None).update(processed_at=datetime.now(UTC))
    async with contextlib.AsyncExitStack() as stack:
        await start_runtime(runtime, stack)
        assert isinstance(runtime.jobs, InProcessJobQueue)
        body = update(site_url, jira_id, "Traced", "2026-04-01T10:00:00.000+0000")
        response = await post_delivery(runtime, body, token)
        assert response.status_code == 200 and not response.json()["duplicate"]
        await runtime.jobs.join()
    spans = {span.name: span for span in exporter.get_finished_spans()}
    handler = spans["POST /webhooks/jira"]
    batch_job = spans["job apply_jira_webhooks"]  # serves every delivery of its window
    job = spans["jira_webhook apply"]
    publish = spans["room_event publish"]
    assert {handler.context.trace_id, job.context.trace_id, publish.context.trace_id} == {
        handler.context.trace_id
    }
    assert job.parent is not None and job.parent.span_id == handler.context.span_id
    assert publish.parent is not None and publish.parent.span_id == job.context.span_id
    assert batch_job.attributes["agilekit.webhook.deliveries"] == 1
    assert handler.attributes["http.response.status_code"] == 200
    assert handler.attributes["agilekit.webhook.outcome"] == "stored"
    assert job.attributes["agilekit.webhook.outcome"] == "jira:issue_updated:1"
    assert publish.attributes["agilekit.room.id"] == str(issues[0].room_id)
    assert publish.attributes["agilekit.room_event.kind"] == "ISSUE_UPDATED"
    secrets = [token, settings.jira_client_secret, "Traced", site_url]
    assert leaked(exporter.get_finished_spans(), secrets) == []


async def test_the_job_continues_the_trace_from_the_carrier_not_from_its_caller(
    database_url: str,
) -> None:
    """A worker process shares no context with the server: run the job in an empty one."""
    settings = Settings(agilekit_env="development", database_url=database_url)
    runtime = build_runtime(settings)
    runtime.tracing, exporter = recording(settings)
    runtime.scheduler = None  # the handler stores and keeps the traceparent; no job is queued
    site_url, jira_id, _ = await world(1)
    token = jwt.encode({"exp": int(time.time()) + 60}, settings.jira_client_secret, "HS256")
    body = update(site_url, jira_id, "Later", "2026-04-01T11:00:00.000+0000")
    identifier = f"trace-{uuid.uuid4().hex}"
    assert (await post_delivery(runtime, body, token, identifier)).status_code == 200
    delivery = await JiraWebhookDelivery.get(identifier=identifier)
    job = asyncio.create_task(
        process_jira_webhook({"runtime": runtime}, delivery.id), context=contextvars.Context()
    )
    await job
    spans = {span.name: span for span in exporter.get_finished_spans()}
    handler, job_span = spans["POST /webhooks/jira"], spans["job process_jira_webhook"]
    assert job_span.context.trace_id == handler.context.trace_id
    assert job_span.parent is not None and job_span.parent.span_id == handler.context.span_id
    assert runtime.jira_http is not None
    await runtime.jira_http.aclose()
