"""The transport obeys each RateLimit-Reason (against the sandbox, in process): a 429 holds
back what it names (an endpoint, a site, the app, one issue's writes) for its Retry-After, so
the calls after it wait, or fail at once with RateLimited, instead of meeting 429s of their own.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from jira_cloud.buckets import LocalBudget
from jira_cloud.budget import Policy
from jira_cloud.client import JiraClient
from jira_cloud.errors import RateLimited
from tests.jira_cloud.test_client import CLIENT, REDIRECT, SCOPES, SandboxTokens
from tests.jira_support import ACME_CLOUD_ID, GLOBEX_CLOUD_ID, Sandbox, consent, new_account
from wiring import make_jira_http

ACME, GLOBEX = ACME_CLOUD_ID, GLOBEX_CLOUD_ID


async def site_tokens(sandbox: Sandbox, http: httpx.AsyncClient, cloud_id: str) -> SandboxTokens:
    """A grant for a fresh account on `cloud_id` (the OAuth code flow, driven with httpx)."""
    account = await new_account(sandbox, [cloud_id])
    query = {"audience": "api.atlassian.com", "scope": SCOPES, "redirect_uri": REDIRECT,
             "state": "s", "response_type": "code", "prompt": "consent",
             "client_id": CLIENT["client_id"]}  # fmt: skip
    answer = await consent(
        f"{sandbox.url}/auth/authorize?{urlencode(query)}", account, site=cloud_id, sandbox=sandbox
    )
    body = {"grant_type": "authorization_code", "code": answer["code"], "redirect_uri": REDIRECT}
    grant = (await http.post(f"{sandbox.url}/auth/oauth/token", json={**body, **CLIENT})).json()
    return SandboxTokens(http, f"{sandbox.url}/auth", grant["access_token"], grant["refresh_token"])


@pytest.fixture(scope="module")
async def http(jira_sandbox: Sandbox) -> AsyncIterator[httpx.AsyncClient]:
    client = make_jira_http(jira_sandbox.transport)
    yield client
    await client.aclose()


@pytest.fixture(scope="module")
async def grants(jira_sandbox: Sandbox, http: httpx.AsyncClient) -> dict[str, SandboxTokens]:
    return {site: await site_tokens(jira_sandbox, http, site) for site in (ACME, GLOBEX)}


@pytest.fixture
async def limits(jira_sandbox: Sandbox) -> AsyncIterator[Any]:
    """Sets the sandbox's limits for one test (and lifts them after it)."""

    async def configure(body: dict[str, Any]) -> None:
        await jira_sandbox.admin("POST", "/rate-limits", json=body)

    yield configure
    await configure({})


class Clients:
    """Clients of both sites sharing one in-process budget: `impatient` ones wait for nothing
    (RateLimited at once), `patient` ones wait up to 5 s."""

    def __init__(self, http: httpx.AsyncClient, sandbox: Sandbox, grants: Any, policy: Policy):
        self.budget = LocalBudget(policy)
        self.sandbox = sandbox

        def make(site: str, patience: float) -> JiraClient:
            return JiraClient(
                http, f"{sandbox.url}/api", site, grants[site], site_url="https://x.test",
                max_retry_after=patience, budget=self.budget,
            )  # fmt: skip

        self.acme, self.globex = make(ACME, 0), make(GLOBEX, 0)
        self.patient_acme = make(ACME, 5)

    async def sent(self, path: str = "/rest/api/3/") -> list[int]:
        """The statuses the sandbox answered for paths containing `path`, oldest first."""
        found = await self.sandbox.admin("GET", "/requests", params={"path": path})
        return [r["status"] for r in found["requests"]]


@pytest.fixture
async def clients(
    http: httpx.AsyncClient, jira_sandbox: Sandbox, grants: Any
) -> AsyncIterator[Clients]:
    await jira_sandbox.admin("DELETE", "/requests")
    yield Clients(http, jira_sandbox, grants, Policy())


async def new_issue(sandbox: Sandbox) -> str:
    body = {"projectKey": "PLAT", "summary": "Rate limited"}
    return str((await sandbox.admin("POST", f"/sites/{ACME}/issues", json=body))["key"])


async def test_burst_429_holds_back_that_endpoint_of_that_site(
    clients: Clients, limits: Any, jira_sandbox: Sandbox
) -> None:
    first, second = await new_issue(jira_sandbox), await new_issue(jira_sandbox)
    await limits({"endpoints": {"GET /rest/api/3/issue/{key}": {"limit": 1, "windowSeconds": 1}}})
    await clients.acme.get_issue(first)
    with pytest.raises(RateLimited) as limited:
        await clients.acme.get_issue(first)
    assert limited.value.retry_after == 1
    # The same endpoint template, another issue: held back here, never sent to Jira.
    with pytest.raises(RateLimited):
        await clients.acme.get_issue(second)
    assert await clients.sent("/issue/") == [200, 429]
    await clients.acme.myself()  # other endpoints are not held back
    started = time.monotonic()
    await clients.patient_acme.get_issue(second)  # waits the pause out, then goes
    assert time.monotonic() - started >= 0.8
    assert await clients.sent("/issue/") == [200, 429, 200]


async def test_tenant_quota_429_holds_back_every_call_to_that_site(
    clients: Clients, limits: Any
) -> None:
    await limits({"quota": {"points": 3, "windowSeconds": 60, "pointsPerObject": 1}})
    await clients.acme.get_fields()  # 1 point + 1 a field: the quota is spent
    with pytest.raises(RateLimited) as limited:
        await clients.acme.myself()
    assert 50 <= (limited.value.retry_after or 0) <= 60
    with pytest.raises(RateLimited) as held:
        await clients.acme.list_projects()
    assert 50 <= (held.value.retry_after or 0) <= 60
    assert await clients.sent() == [200, 429]  # the second was never sent
    await clients.globex.myself()  # another site is not held back
    assert await clients.sent() == [200, 429, 200]


async def test_global_quota_429_holds_back_every_site(clients: Clients, limits: Any) -> None:
    await limits({"quota": {"points": 2, "windowSeconds": 30, "scope": "global"}})
    await clients.globex.myself()  # 1 point + 1 object
    with pytest.raises(RateLimited):
        await clients.acme.myself()
    with pytest.raises(RateLimited):
        await clients.globex.get_fields()
    assert await clients.sent() == [200, 429]


async def test_per_issue_429_holds_back_writes_to_that_issue_only(
    clients: Clients, limits: Any, jira_sandbox: Sandbox
) -> None:
    one, other = await new_issue(jira_sandbox), await new_issue(jira_sandbox)
    await limits({"issueWrites": {"limit": 1, "windowSeconds": 5}})
    await clients.acme.edit_issue(one, {"summary": "First"})
    with pytest.raises(RateLimited):
        await clients.acme.edit_issue(one, {"summary": "Second"})
    with pytest.raises(RateLimited):  # a comment on it is a write to it too: held back
        await clients.acme.add_comment(one, {"type": "doc", "version": 1, "content": []})
    await clients.acme.edit_issue(other, {"summary": "Elsewhere"})
    await clients.acme.get_issue(one)  # reads are not held back
    assert await clients.sent() == [204, 429, 204, 200]


async def test_writes_to_one_issue_are_spaced_before_jira_complains(
    http: httpx.AsyncClient, jira_sandbox: Sandbox, grants: Any, limits: Any
) -> None:
    key = await new_issue(jira_sandbox)
    await jira_sandbox.admin("DELETE", "/requests")
    await limits({"issueWrites": {"limit": 1, "windowSeconds": 0.5}})
    spaced = Clients(http, jira_sandbox, grants, Policy(issue_write_interval=0.6))
    started = time.monotonic()
    await spaced.patient_acme.edit_issue(key, {"summary": "One"})
    await spaced.patient_acme.add_comment(key, {"type": "doc", "version": 1, "content": []})
    await spaced.patient_acme.edit_issue(key, {"summary": "Three"})
    assert time.monotonic() - started >= 1.2
    assert await spaced.sent() == [204, 201, 204]  # no 429: the budget spaced them
