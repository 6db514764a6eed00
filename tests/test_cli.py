"""The `agilekit` command, run as a real subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from core.jobs import queue_name
from core.settings import Settings
from models.jira import JiraWebhookDelivery
from services.jira.webhooks.inbox import store_delivery
from tests.jobs.support import arq_queue, job_settings, make_states, remaining
from tests.support import (
    ROOT,
    GraphQLClient,
    create_database,
    drop_database,
    free_port,
    unique_name,
    wait_http_ok,
)

CONFIG_VARIABLES = (
    "AGILEKIT_ENV",
    "DATABASE_URL",
    "REDIS_URL",
    "REDIS_PREFIX",
    "AUTH_JWT_SECRET",
    "JIRA_CLIENT_ID",
    "JIRA_CLIENT_SECRET",
    "TOKEN_ENCRYPTION_KEYS",
)


def agilekit(*args: str, timeout: float = 60, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k not in CONFIG_VARIABLES}
    return subprocess.run(
        [sys.executable, "-m", "cli", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture
async def settings(database_url: str, redis_prefix: str) -> AsyncIterator[Settings]:
    async with job_settings(database_url, redis_prefix) as settings:
        yield settings


def test_serve_in_production_refuses_development_secrets_and_names_them() -> None:
    result = agilekit(
        "serve", "--port", str(free_port()), AGILEKIT_ENV="production", JIRA_CLIENT_ID="real-id"
    )
    assert result.returncode != 0
    assert "AGILEKIT_ENV=production refuses development defaults" in result.stderr
    for name in ("AUTH_JWT_SECRET", "JIRA_CLIENT_SECRET", "TOKEN_ENCRYPTION_KEYS"):
        assert name in result.stderr
    assert "JIRA_CLIENT_ID" not in result.stderr


async def test_set_plan_changes_the_plan_viewer_reports(
    gql: GraphQLClient, database_url: str
) -> None:
    email = f"plan-{uuid.uuid4().hex[:8]}@example.com"
    token = await gql.sign_in(email)

    premium = agilekit("users", "set-plan", email, "premium", DATABASE_URL=database_url)
    assert premium.returncode == 0, premium.stderr
    assert (await gql.data("{ viewer { plan } }", token=token))["viewer"]["plan"] == "PREMIUM"

    free = agilekit("users", "set-plan", email.upper(), "free", DATABASE_URL=database_url)
    assert free.returncode == 0, free.stderr
    assert (await gql.data("{ viewer { plan } }", token=token))["viewer"]["plan"] == "FREE"


def test_set_plan_of_an_unknown_email_exits_1_with_a_message(database_url: str) -> None:
    email = f"nobody-{uuid.uuid4().hex[:8]}@example.com"
    result = agilekit("users", "set-plan", email, "premium", DATABASE_URL=database_url)
    assert result.returncode == 1
    assert f"No user with email {email!r}" in result.stderr


def test_worker_refuses_to_start_without_redis(database_url: str) -> None:
    result = agilekit("worker", DATABASE_URL=database_url)
    assert result.returncode != 0
    assert "agilekit worker needs REDIS_URL" in result.stderr


async def test_worker_burst_runs_the_queued_purge(settings: Settings) -> None:
    ids = await make_states()
    async with arq_queue(settings) as queue:
        assert await queue.enqueue("purge_expired")
        result = agilekit(
            "worker",
            "--burst",
            DATABASE_URL=settings.database_url,
            REDIS_URL=settings.redis_url or "",
            REDIS_PREFIX=settings.redis_prefix,
            LOG_LEVEL="INFO",
        )
        assert await queue.redis.zcard(queue_name(settings)) == 0
    assert result.returncode == 0, result.stderr[-3000:]
    assert await remaining(ids) == {"just_expired", "valid"}
    lines = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    assert any("purge_expired" in line["msg"] for line in lines), result.stderr[-3000:]


async def test_webhooks_dead_lists_and_replay_revives_a_given_delivery(database_url: str) -> None:
    payload = {"webhookEvent": "jira:issue_updated", "issue": {"self": "https://cli.example/x"}}
    delivery_id, _ = await store_delivery(uuid.uuid4().hex, payload)
    await JiraWebhookDelivery.filter(id=delivery_id).update(
        dead_at=datetime.now(UTC), attempts=12, last_error="RuntimeError: boom"
    )

    listed = agilekit("webhooks", "dead", DATABASE_URL=database_url)
    assert listed.returncode == 0, listed.stderr
    assert f"{delivery_id}\tjira:issue_updated\t12 attempts\tRuntimeError: boom" in listed.stdout

    replayed = agilekit("webhooks", "replay", str(delivery_id), DATABASE_URL=database_url)
    assert replayed.returncode == 0, replayed.stderr
    assert replayed.stdout.startswith("1 dead deliveries made pending again")
    row = await JiraWebhookDelivery.get(id=delivery_id)
    assert (row.dead_at, row.attempts, row.processed_at) == (None, 0, None)


async def test_serve_on_a_database_never_migrated_says_so_and_prints_no_banner() -> None:
    """Finding 10: it printed the banner and a token, then a traceback ending in `no such
    table: users`."""
    name = unique_name("unmigrated")
    url = await create_database(name)
    try:
        result = agilekit("serve", "--port", str(free_port()), DATABASE_URL=url, timeout=30)
    finally:
        await drop_database(name)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "run `agilekit migrate` first" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert "Bearer" not in result.stdout and "GraphiQL at" not in result.stdout


def test_serve_on_a_fresh_sqlite_file_creates_its_schema_and_announces_itself(
    tmp_path: Path,
) -> None:
    database = tmp_path / "fresh.sqlite3"
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in CONFIG_VARIABLES}
    env.update(DATABASE_URL=f"sqlite://{database}", SEED_DEMO_DATA="false", LOG_LEVEL="WARNING")
    env["PUBLIC_URL"] = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [sys.executable, "-m", "cli", "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        wait_http_ok(f"http://127.0.0.1:{port}/healthz", 30)
        body = httpx.post(
            f"http://127.0.0.1:{port}/graphql",
            json={"query": 'mutation { devSignIn(email: "f@example.com") { token } }'},
            timeout=10,
        ).json()
        assert body["data"]["devSignIn"]["token"], body
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=15)
    assert "GraphiQL at" in output and "Traceback" not in output


def test_migrate_says_truthfully_what_it_did_on_sqlite(tmp_path: Path) -> None:
    url = f"sqlite://{tmp_path / 'twice.sqlite3'}"
    first = agilekit("migrate", DATABASE_URL=url)
    second = agilekit("migrate", DATABASE_URL=url)
    assert first.returncode == second.returncode == 0, first.stderr + second.stderr
    assert "sqlite schema created" in first.stdout
    assert second.stdout.strip() == "sqlite schema is up to date"


async def test_migrate_on_postgresql_applies_then_reports_up_to_date() -> None:
    name = unique_name("migrate")
    url = await create_database(name)
    try:
        first = agilekit("migrate", DATABASE_URL=url)
        second = agilekit("migrate", DATABASE_URL=url)
    finally:
        await drop_database(name)
    assert first.stdout.startswith("applied "), first.stdout + first.stderr
    assert second.stdout.strip() == "database is up to date"


def test_the_worker_runs_on_uvloop_like_the_server() -> None:
    """asyncio's socket transport was a seventh of the worker's CPU in a webhook burst."""
    import uvloop

    import cli

    loop = cli._new_event_loop()
    try:
        assert isinstance(loop, uvloop.Loop)
    finally:
        loop.close()
