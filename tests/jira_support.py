"""Helpers for Jira connection tests: the sandbox (in its own process or in this one), driving
its consent page, users."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import unescape
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest

from core.settings import Settings
from models.jira import EstimatePushStatus, JiraConnection, JiraIssueLink
from models.rooms import Issue
from models.users import Plan, User
from sandbox import SandboxConfig, create_sandbox_app
from sandbox.state import SandboxState
from services.jira.connection import ConnectResult, complete_connect, start_connect
from services.runtime import Runtime
from tests.asgi_support import Lifespan, ServedTransport
from tests.support import (
    ROOT,
    UNPACED_JIRA,
    GraphQLClient,
    ServerProcess,
    free_port,
    unique_name,
    wait_http_ok,
)
from wiring import build_runtime

__all__ = ["free_port"]

# Seeded sandbox accounts (sandbox/seed.py): Dana has ACME + GLOBEX, Alex ACME, Sam GLOBEX.
DANA = "557058:0f7e3b1a-5c2d-4e8f-9a01-000000000001"
ALEX = "557058:1b2c3d4e-0000-4000-8000-000000000002"
SAM = "557058:2c3d4e5f-0000-4000-8000-000000000003"
PRIYA = "557058:3d4e5f60-0000-4000-8000-000000000004"

_HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')
_SITE = re.compile(r'<input type="radio" name="site" value="([^"]+)"')


class Sandbox:
    """A Jira Cloud sandbox wherever it runs: its root URL, how to reach it, its admin API."""

    @property
    def url(self) -> str:
        raise NotImplementedError

    @property
    def transport(self) -> httpx.AsyncBaseTransport | None:
        """What reaches the sandbox under an httpx client (None: the network)."""
        return None

    def client(self, **kwargs: Any) -> httpx.AsyncClient:
        """A fresh HTTP client that reaches the sandbox (a browser, or the admin's)."""
        return httpx.AsyncClient(transport=self.transport, timeout=10, **kwargs)

    async def admin(self, method: str, path: str, **kwargs: Any) -> Any:
        async with self.client(base_url=f"{self.url}/_sandbox") as http:
            response = await http.request(method, path, **kwargs)
        assert response.status_code < 300, (path, response.status_code, response.text)
        return response.json() if response.content else None


@dataclass
class SandboxProcess(Sandbox):
    """The Jira Cloud sandbox (`sandbox.create_sandbox_app`) in its own uvicorn process, for
    tests with sockets under test (a product server in a process of its own: tests/e2e)."""

    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    log_path: Path | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> SandboxProcess:
        code = (
            "import uvicorn\nfrom sandbox import create_sandbox_app\n"
            f"uvicorn.run(create_sandbox_app(root_url={self.url!r}), host='127.0.0.1', "
            f"port={self.port}, log_level='warning')\n"
        )
        self.log_path = Path(f"/tmp/{unique_name('sandbox')}.log")
        self.process = subprocess.Popen(
            [sys.executable, "-c", code],
            cwd=ROOT,
            env=dict(os.environ),
            stdout=self.log_path.open("wb"),
            stderr=subprocess.STDOUT,
        )
        wait_http_ok(f"{self.url}/_sandbox/state", 20)
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)


IN_PROCESS_URL = "http://sandbox.test"  # never resolved: only the sandbox's transport serves it


class InProcessSandbox(Sandbox):
    """The sandbox app in this process and event loop, behind `httpx.ASGITransport`
    (tests/asgi_support.py) at a fake root URL, so the URLs it writes (consent form actions,
    `self` links) lead back to it. Reach it only through `transport` or `client()`: give the
    transport to the product's Jira client (`make_runtime` does). Started and stopped with
    `async with` (or `await start()` / `await stop()`), which runs the app's lifespan: its
    webhook dispatcher is closed at the end. Webhook deliveries still leave over the network
    (the dispatcher's own client), to whatever callback URL was registered."""

    def __init__(self, url: str = IN_PROCESS_URL, config: SandboxConfig | None = None) -> None:
        self._url = url.rstrip("/")
        self.app = create_sandbox_app(root_url=self._url, config=config)
        self._lifespan = Lifespan(self.app)
        self._transport = ServedTransport(self.app, self._url, self._lifespan.state)

    @property
    def url(self) -> str:
        return self._url

    @property
    def transport(self) -> httpx.AsyncBaseTransport:
        return self._transport

    @property
    def state(self) -> SandboxState:
        """The sandbox's memory (prefer the admin API, as tests of a process must)."""
        state: SandboxState = self.app.state.sandbox
        return state

    async def start(self) -> InProcessSandbox:
        await self._lifespan.startup()
        return self

    async def stop(self) -> None:
        await self._lifespan.shutdown()

    async def __aenter__(self) -> InProcessSandbox:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()


async def consent(
    authorize_url: str,
    account_id: str,
    decision: str = "accept",
    site: str | None = None,
    *,
    sandbox: Sandbox | None = None,
) -> dict[str, str]:
    """Open the consent page as `account_id`, accept or decline, and return the query of the
    redirect to our callback (without following it). `sandbox`: whose page it is, required
    when it runs in process (without it the page is fetched over the network)."""
    if sandbox is None:
        in_process = urlsplit(IN_PROCESS_URL).netloc == urlsplit(authorize_url).netloc
        assert not in_process, "an in-process sandbox's consent page: pass sandbox="
    browser = httpx.AsyncClient(timeout=10) if sandbox is None else sandbox.client()
    async with browser as http:
        page = await http.get(f"{authorize_url}&{urlencode({'sandbox_account': account_id})}")
        assert page.status_code == 200, page.text
        form = {unescape(k): unescape(v) for k, v in _HIDDEN.findall(page.text)}
        sites = _SITE.findall(page.text)
        form["site"] = site or sites[0]
        form["decision"] = decision
        action = unescape(re.search(r'<form method="post" action="([^"]+)"', page.text)[1])
        answer = await http.post(action, data=form)
    assert answer.status_code in (302, 303), answer.text
    location = answer.headers["location"]
    return {key: values[0] for key, values in parse_qs(urlsplit(location).query).items()}


def sandbox_settings(sandbox: Sandbox, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "agilekit_env": "development",
        "public_url": "http://127.0.0.1:9",  # only used to build redirect_uri here
        "atlassian_auth_url": f"{sandbox.url}/auth",
        "atlassian_api_url": f"{sandbox.url}/api",
        "redis_prefix": unique_name("jira"),
        **{name.lower(): value for name, value in UNPACED_JIRA.items()},
    }
    return Settings(**{**values, **overrides})


async def make_runtime(sandbox: Sandbox, **overrides: Any) -> Runtime:
    """A Runtime whose Jira client reaches `sandbox` (in process: through its transport)."""
    return build_runtime(sandbox_settings(sandbox, **overrides), jira_transport=sandbox.transport)


async def make_user(plan: Plan = Plan.PREMIUM) -> User:
    tag = uuid.uuid4().hex[:10]
    return await User.create(subject=f"test|{tag}", email=f"jira-{tag}@example.com", plan=plan)


def query_of(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


@pytest.fixture(scope="session")
def jira_sandbox() -> Iterator[SandboxProcess]:
    """One sandbox process per test package that uses it (import into its conftest). Packages
    without a socket under test define their own `jira_sandbox`: an InProcessSandbox."""
    sandbox = SandboxProcess().start()
    yield sandbox
    sandbox.stop()


async def new_account(sandbox: Sandbox, cloud_ids: list[str] | None = None) -> str:
    """A fresh Atlassian account at the sandbox, so revocations stay within one test."""
    tag = uuid.uuid4().hex[:10]
    body: dict[str, Any] = {"accountId": f"557058:test-{tag}", "email": f"{tag}@sandbox.example"}
    if cloud_ids:
        body["cloudIds"] = cloud_ids
    created = await sandbox.admin("POST", "/accounts", json=body)
    return str(created["accountId"])


async def token_calls(sandbox: Sandbox) -> dict[str, int]:
    return dict((await sandbox.admin("GET", "/oauth/stats"))["tokenCalls"])


async def connect_user(
    runtime: Runtime,
    user: User,
    account: str,
    site: str | None = None,
    return_to: str | None = None,
    *,
    sandbox: Sandbox | None = None,
) -> ConnectResult:
    """The whole consent at the service level: start, accept at the sandbox, complete.
    `sandbox` as for `consent`."""
    url = await start_connect(runtime, user, return_to)
    answer = await consent(url, account, site=site, sandbox=sandbox)
    return await complete_connect(runtime, answer["code"], answer["state"], user)


ACME_CLOUD_ID = "8f3c2a10-5d1e-4c7b-9a42-3e1f0b6d7c01"  # the sandbox's first demo site
GLOBEX_CLOUD_ID = "2b7e9d44-8a1f-4e3c-b5d2-9c0a7f6e1d02"  # and its second
START_CONNECT = "mutation { startJiraConnect { authorizeUrl errors { code } } }"


COMPLETE_CONNECT = """mutation($c:String!,$s:String!){completeJiraConnect(code:$c,state:$s){
  connection { status site { cloudId } } returnTo errors { code field message } } }"""


async def hand_off(server: ServerProcess, answer: dict[str, str]) -> dict[str, str]:
    """Follow Atlassian's redirect to our callback, which hands `code` and `state` on to the
    app's settings page (completing nothing); returns that page's query."""
    async with httpx.AsyncClient(timeout=30) as http:
        callback = await http.get(f"{server.url}/integrations/jira/callback", params=answer)
    assert callback.status_code == 303, callback.text
    location = callback.headers["location"]
    assert location.startswith(f"{server.url}/settings/integrations?"), location
    return query_of(location)


async def complete_in_app(gql: GraphQLClient, handed: dict[str, str], token: str) -> dict[str, Any]:
    """What the app does on /settings/integrations?code&state: completeJiraConnect."""
    variables = {"c": handed["code"], "s": handed["state"]}
    return dict((await gql.data(COMPLETE_CONNECT, variables, token=token))["completeJiraConnect"])


async def finish_connect(
    gql: GraphQLClient, server: ServerProcess, answer: dict[str, str], token: str
) -> dict[str, Any]:
    """The browser's way back from consent: our callback, then the app completes it."""
    handed = await hand_off(server, answer)
    assert handed == {"code": answer["code"], "state": answer["state"]}, handed
    payload = await complete_in_app(gql, handed, token)
    assert payload["errors"] == [], payload
    return payload


async def connect_via_graphql(
    gql: GraphQLClient,
    server: ServerProcess,
    sandbox: SandboxProcess,
    token: str,
    sites: list[str] | None = None,
) -> str:
    """Connect the token's user the way a browser does: startJiraConnect, the sandbox's consent
    page, our callback route, completeJiraConnect. Returns the new Atlassian account id."""
    url = (await gql.data(START_CONNECT, token=token))["startJiraConnect"]["authorizeUrl"]
    account = await new_account(sandbox, sites or [ACME_CLOUD_ID])
    answer = await consent(url, account)
    await finish_connect(gql, server, answer, token)
    return account


ISSUES = """query($source:JiraIssueSourceInput!){ jiraIssues(source:$source, first:100) {
  edges { node { key id summary } } } }"""
IMPORT = """mutation($r: ID!, $k: [String!]!) { importJiraIssues(roomId: $r, issueKeys: $k) {
  issues { id title description status
    jiraLink { key url jiraIssueId lastSyncedAt pushStatus deletedInJira } }
  created updated errors { code field message } } }"""


async def scrum_board_id(sandbox: Sandbox, cloud_id: str, project: str) -> int:
    state = await sandbox.admin("GET", "/state")
    site = next(s for s in state["sites"] if s["cloudId"] == cloud_id)
    return int(next(b["id"] for b in site["boards"] if b["name"] == f"{project} board"))


async def plat_board_id(sandbox: Sandbox) -> int:
    return await scrum_board_id(sandbox, ACME_CLOUD_ID, "PLAT")


async def new_sprint_issues(
    sandbox: Sandbox, count: int, cloud_id: str = ACME_CLOUD_ID, project: str = "PLAT"
) -> tuple[int, list[str]]:
    """A new sprint on the project's scrum board holding `count` new issues (no webhooks)."""
    board = await scrum_board_id(sandbox, cloud_id, project)
    sprint = await sandbox.admin("POST", f"/sites/{cloud_id}/sprints", json={"boardId": board})
    body = {"projectKey": project, "count": count, "sprintId": sprint["id"], "emitWebhooks": False}
    created = await sandbox.admin("POST", f"/sites/{cloud_id}/issues/bulk", json=body)
    return int(sprint["id"]), list(created["keys"])


MAPPING_FIELDS = """cloudId projectKey boardId sprintId storyPointsFieldId storyPointsFieldSource
  autoImport autoPushEstimates commentOnPush webhookStatus webhookExpiresAt webhookError"""
SET_MAPPING = f"""mutation($r:ID!,$i:RoomJiraMappingInput!){{
  setRoomJiraMapping(roomId:$r, input:$i) {{ mapping {{ {MAPPING_FIELDS} }}
  errors {{ code field message }} }} }}"""
READ_MAPPING = f"query($r:ID!){{ room(id:$r) {{ jiraMapping {{ {MAPPING_FIELDS} }} }} }}"


async def successful(sandbox: Sandbox, method: str, path: str) -> int:
    """How many `method` requests to paths containing `path` the sandbox answered with 2xx."""
    found = await sandbox.admin("GET", "/requests", params={"method": method, "path": path})
    return len([r for r in found["requests"] if r.get("status", 200) < 300])


async def eventually(check: Callable[[], Awaitable[bool]], within: float = 10) -> None:
    deadline = time.monotonic() + within
    while not await check():
        assert time.monotonic() < deadline, "condition not reached in time"
        await asyncio.sleep(0.05)


@dataclass
class Linked:
    """A room issue linked to a sandbox issue."""

    issue: Issue
    link: JiraIssueLink
    jira_id: str
    key: str


async def link_issue(issue: Issue, connection: JiraConnection, created: dict[str, Any]) -> Linked:
    """Link `issue` to the sandbox issue `created` (its admin API's answer), push pending."""
    link = await JiraIssueLink.create(
        issue=issue,
        connection=connection,
        cloud_id=ACME_CLOUD_ID,
        jira_issue_id=str(created["id"]),
        key=created["key"],
        url="https://acme-demo.example/browse/" + created["key"],
        last_synced_at=datetime.now(UTC),
        push_status=EstimatePushStatus.PENDING,
    )
    return Linked(issue, link, str(created["id"]), created["key"])
