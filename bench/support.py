"""Benchmark plumbing: a scratch PostgreSQL database, uvicorn processes, a lean HTTP client."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from tortoise import Tortoise

from bench.figures import percentile as percentile  # re-exported for the benches
from models.database import close_db, init_db
from tests.support import GraphQLClient, free_port
from wiring import make_jira_http

ROOT = Path(__file__).resolve().parent.parent
BASE_DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")


def summary(values_ms: list[float]) -> str:
    return (
        f"p50 {statistics.median(values_ms):7.2f} ms   p99 {percentile(values_ms, 99):7.2f} ms"
        f"   max {max(values_ms):7.2f} ms   n={len(values_ms)}"
    )


async def _admin(sql: str) -> None:
    conn = await asyncpg.connect(BASE_DATABASE_URL.replace("postgres://", "postgresql://"))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@asynccontextmanager
async def scratch_database() -> AsyncIterator[str]:
    """A new database with the schema, the ORM connected in this process; dropped afterwards."""
    name = f"agilekit_bench_{uuid.uuid4().hex[:8]}"
    await _admin(f'CREATE DATABASE "{name}"')
    url = f"{BASE_DATABASE_URL.rpartition('/')[0]}/{name}"
    try:
        await init_db(url)
        await Tortoise.generate_schemas(safe=True)
        yield url
    finally:
        await close_db()
        await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class Uvicorn:
    """`uvicorn <factory> --factory` on a free loopback port (the same flags for every app)."""

    factory: str
    env: dict[str, str]
    port: int = 0
    process: subprocess.Popen[bytes] | None = None
    profile_to: str | None = None  # write a cProfile of the server here (for optimising)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/graphql"

    def start(self) -> Uvicorn:
        self.port = self.port or free_port()
        profile = ["-m", "cProfile", "-o", self.profile_to] if self.profile_to else []
        command = [
            sys.executable,
            *profile,
            "-m",
            "uvicorn",
            self.factory,
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--log-level",
            "warning",
            "--no-access-log",
            "--ws",
            "websockets-sansio",
            # Room events are small JSON: compressing each one per subscriber costs
            # more CPU than it saves bandwidth (see the fan-out figures).
            "--ws-per-message-deflate",
            os.environ.get("BENCH_WS_DEFLATE", "false"),
        ]
        self.process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **self.env})
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.1)
        raise TimeoutError(f"{self.factory} did not start")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT if self.profile_to else signal.SIGTERM)
            try:
                self.process.wait(60 if self.profile_to else 10)
            except subprocess.TimeoutExpired:
                self.process.kill()


async def drop_redis_keys(prefix: str) -> int:
    """Delete this run's keys: ours under the prefix and arq's results of our job ids."""
    import redis.asyncio as aioredis

    client = aioredis.from_url(REDIS_URL)
    deleted = 0
    try:
        for pattern in (f"{prefix}*", f"arq:*{prefix}*"):
            async for key in client.scan_iter(match=pattern, count=500):
                deleted += await client.delete(key)
    finally:
        await client.aclose()
    return deleted


@dataclass
class JiraApp:
    """A product server pointed at a sandbox, a GraphQL client of it and a direct Jira client."""

    server: Uvicorn
    gql: GraphQLClient
    jira_http: httpx.AsyncClient


@asynccontextmanager
async def jira_app(database_url: str, sandbox_url: str) -> AsyncIterator[JiraApp]:
    port = free_port()
    env = app_env(
        database_url,
        PUBLIC_URL=f"http://127.0.0.1:{port}",
        ATLASSIAN_AUTH_URL=f"{sandbox_url}/auth",
        ATLASSIAN_API_URL=f"{sandbox_url}/api",
        # The request budget paces Jira calls on purpose (5/s per site): off here, so the
        # figures are the server's own cost against a direct client that has no budget.
        JIRA_RATE_PER_SECOND="0",
        JIRA_SITE_RATE_PER_SECOND="0",
    )
    profile_to = os.environ.get("PROFILE_SERVER")  # a cProfile of the server, at its exit
    server = Uvicorn("app:create_app", env, port=port, profile_to=profile_to).start()
    app = JiraApp(server, GraphQLClient(server.url), make_jira_http())
    try:
        yield app
    finally:
        await app.gql.aclose()
        await app.jira_http.aclose()
        server.stop()


def app_env(database_url: str, **extra: str) -> dict[str, str]:
    return {
        "AGILEKIT_ENV": "development",
        "DATABASE_URL": database_url,
        "SEED_DEMO_DATA": "false",
        "LOG_LEVEL": "WARNING",
        "REDIS_PREFIX": f"agilekit_bench_{uuid.uuid4().hex[:8]}",
        **extra,
    }


class KeepAliveClient:
    """HTTP/1.1 over one kept-alive connection with pre-encoded requests: a load generator
    cheap enough not to starve the server it measures on a 2-core machine."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def open(self) -> KeepAliveClient:
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        return self

    @staticmethod
    def encode(
        method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> bytes:
        payload = json.dumps(body).encode() if body is not None else b""
        lines = [f"{method} {path} HTTP/1.1", "host: 127.0.0.1", f"content-length: {len(payload)}"]
        if body is not None:
            lines.append("content-type: application/json")
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + payload

    async def request(self, raw: bytes) -> bytes:
        assert self.reader is not None and self.writer is not None
        self.writer.write(raw)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = head.split(b" ", 2)[1]
        length = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
        body = await self.reader.readexactly(length)
        if status != b"200":
            raise RuntimeError(f"HTTP {status.decode()}: {body[:300]!r}")
        return body

    async def graphql(self, query: str, variables: dict[str, Any], token: str) -> dict[str, Any]:
        """POST /graphql; the data (top-level errors raise)."""
        headers = {"authorization": f"Bearer {token}"}
        raw = self.encode("POST", "/graphql", {"query": query, "variables": variables}, headers)
        body = json.loads(await self.request(raw))
        if body.get("errors"):
            raise RuntimeError(f"GraphQL errors: {body['errors']}")
        return dict(body["data"])

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
