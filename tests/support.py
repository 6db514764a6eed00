"""Test support: real PostgreSQL databases, Redis prefixes and uvicorn processes over loopback."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
BASE_DATABASE_URL = os.environ.get("DATABASE_URL", "")
if not BASE_DATABASE_URL.startswith("postgres"):
    BASE_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/postgres"
REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
# Tests meet no Jira request budget unless they ask for one (the rate-budget tests do): the
# suite's many quick calls to the sandbox would otherwise be paced at production's rates.
UNPACED_JIRA = {
    "JIRA_RATE_PER_SECOND": "0",
    "JIRA_SITE_RATE_PER_SECOND": "0",
    "JIRA_ISSUE_WRITE_INTERVAL_S": "0",
}
HOW_TO_START = {
    "PostgreSQL": "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start",
    "Redis": "redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save '' --appendonly no",
}


def require_service(name: str, url: str) -> None:
    """Fail fast, saying how to start the service, when it does not answer."""
    parsed = httpx.URL(url.replace("postgres://", "http://").replace("redis://", "http://"))
    host, port = parsed.host or "127.0.0.1", parsed.port or (5432 if name == "PostgreSQL" else 6379)
    try:
        socket.create_connection((host, port), timeout=2).close()
    except OSError as exc:
        variable = "DATABASE_URL" if name == "PostgreSQL" else "REDIS_URL"
        raise SystemExit(
            f"{name} is not reachable at {host}:{port} ({exc}). Start it with:\n"
            f"  {HOW_TO_START[name]}\nor point {variable} at a running one."
        ) from None


def database_url_for(name: str) -> str:
    base, _, _ = BASE_DATABASE_URL.rpartition("/")
    return f"{base}/{name}"


async def create_database(name: str) -> str:
    import asyncpg

    conn = await asyncpg.connect(BASE_DATABASE_URL.replace("postgres://", "postgresql://"))
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return database_url_for(name)


async def drop_database(name: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(BASE_DATABASE_URL.replace("postgres://", "postgresql://"))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


def unique_name(kind: str) -> str:
    return f"agilekit_{kind}_{os.getpid()}_{uuid.uuid4().hex[:8]}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class ChildProcess:
    """A child process of the tests, its output in a log file under /tmp."""

    env: dict[str, str]
    process: subprocess.Popen[bytes] | None = None
    log_path: Path | None = None

    def stop(self, grace: float = 10) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(grace)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)

    def kill(self) -> None:
        """SIGKILL: no shutdown hooks, whatever runs is cut off mid-way."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(5)

    def logs(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path else ""


@dataclass
class ServerProcess(ChildProcess):
    """A real `uvicorn app:create_app` process on a loopback port."""

    port: int = field(default_factory=free_port)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/graphql"

    def start(self, timeout: float = 20) -> ServerProcess:
        env = {**os.environ, "PUBLIC_URL": self.url, **self.env}
        self.log_path = Path(f"/tmp/{unique_name('server')}.log")
        log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "app:create_app",
                "--factory",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--log-level",
                "warning",
                "--ws",
                "websockets-sansio",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        wait_http_ok(f"{self.url}/healthz", timeout, self)
        return self


@dataclass
class WorkerProcess(ChildProcess):
    """A real `agilekit worker` (arq) process; `env` must carry REDIS_URL and the run's prefix."""

    args: list[str] = field(default_factory=list)  # e.g. ["--metrics-port", "9100"]

    def start(self, timeout: float = 20) -> WorkerProcess:
        # INFO so that arq's "Starting worker" line (readiness) reaches the log.
        env = {**os.environ, **self.env, "LOG_LEVEL": "INFO"}
        self.log_path = Path(f"/tmp/{unique_name('worker')}.log")
        log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "cli", "worker", *self.args],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while "Starting worker" not in self.logs():
            if self.process.poll() is not None:
                raise RuntimeError(f"worker exited early:\n{self.logs()[-4000:]}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"worker not ready in {timeout}s:\n{self.logs()[-4000:]}")
            time.sleep(0.1)
        return self

    def stop(self, grace: float = 15) -> None:  # lets a running job finish
        super().stop(grace)


def wait_http_ok(url: str, timeout: float, server: ServerProcess | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server and server.process and server.process.poll() is not None:
            raise RuntimeError(f"server exited early:\n{server.logs()[-4000:]}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"{url} not ready in {timeout}s:\n{server.logs()[-4000:] if server else ''}")


class GraphQLClient:
    """A small GraphQL-over-HTTP client for tests."""

    def __init__(self, base_url: str, token: str | None = None) -> None:
        self.base_url = base_url
        self.token = token
        self.http = httpx.AsyncClient(base_url=base_url, timeout=30)

    async def execute(
        self, query: str, variables: dict[str, Any] | None = None, token: str | None = None
    ) -> dict[str, Any]:
        headers = {"content-type": "application/json"}
        if token or self.token:
            headers["authorization"] = f"Bearer {token or self.token}"
        # json.dumps escapes what UTF-8 cannot encode (lone surrogates), as browsers send it.
        body = json.dumps({"query": query, "variables": variables or {}}).encode()
        response = await self.http.post("/graphql", content=body, headers=headers)
        assert response.status_code == 200, response.text
        return response.json()

    async def data(
        self, query: str, variables: dict[str, Any] | None = None, token: str | None = None
    ) -> dict[str, Any]:
        """Execute and assert there are no top-level errors."""
        body = await self.execute(query, variables, token)
        assert not body.get("errors"), body
        return body["data"]

    async def sign_in(self, email: str, plan: str = "FREE", name: str | None = None) -> str:
        data = await self.data(
            "mutation($e:String!,$n:String,$p:Plan){devSignIn(email:$e,name:$n,plan:$p)"
            "{token errors{code message}}}",
            {"e": email, "n": name or email.split("@")[0], "p": plan},
        )
        assert not data["devSignIn"]["errors"], data
        return data["devSignIn"]["token"]

    async def aclose(self) -> None:
        await self.http.aclose()
