"""JiraClient against the sandbox over HTTP (in process, through its ASGI transport): typed
results, paging, retries, errors."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from jira_cloud import errors
from jira_cloud.adf import adf_to_text, text_to_adf
from jira_cloud.client import JiraClient
from jira_cloud.pagination import collect_offset, collect_token
from tests.jira_support import Sandbox, consent, new_account
from wiring import make_jira_http

ACME = "8f3c2a10-5d1e-4c7b-9a42-3e1f0b6d7c01"
ACME_URL = "https://acme-demo.atlassian.net"
REDIRECT = "http://127.0.0.1:9/integrations/jira/callback"
CLIENT = {
    "client_id": "agilekit-dev-client",
    "client_secret": "dev-only-agilekit-jira-client-secret",
}
SCOPES = (
    "read:jira-work write:jira-work read:jira-user offline_access read:board-scope:jira-software "
    "read:project:jira read:sprint:jira-software read:issue-details:jira read:jql:jira "
    "read:board-scope.admin:jira-software read:issue:jira-software write:issue:jira-software"
)


@dataclass
class SandboxTokens:
    """A TokenSource holding one grant; refreshes for real at the sandbox and counts them."""

    http: httpx.AsyncClient
    auth_url: str
    access: str
    refresh: str
    refreshed_for: list[str] = field(default_factory=list)

    async def access_token(self) -> str:
        return self.access

    async def refresh_after_unauthorized(self, rejected_token: str) -> str:
        self.refreshed_for.append(rejected_token)
        body = {"grant_type": "refresh_token", "refresh_token": self.refresh, **CLIENT}
        response = await self.http.post(f"{self.auth_url}/oauth/token", json=body)
        assert response.status_code == 200, response.text
        grant = response.json()
        self.access, self.refresh = grant["access_token"], grant["refresh_token"]
        return self.access


async def grant(sandbox: Sandbox, http: httpx.AsyncClient, scope: str) -> SandboxTokens:
    """The OAuth code flow for a fresh sandbox account on Acme, driven with httpx."""
    account = await new_account(sandbox, [ACME])
    query = {"audience": "api.atlassian.com", "scope": scope, "redirect_uri": REDIRECT,
             "state": "s", "response_type": "code", "prompt": "consent",
             "client_id": CLIENT["client_id"]}  # fmt: skip
    url = f"{sandbox.url}/auth/authorize?{urlencode(query)}"
    answer = await consent(url, account, sandbox=sandbox)
    body = {"grant_type": "authorization_code", "code": answer["code"], "redirect_uri": REDIRECT}
    response = await http.post(f"{sandbox.url}/auth/oauth/token", json={**body, **CLIENT})
    assert response.status_code == 200, response.text
    tokens = response.json()
    return SandboxTokens(
        http, f"{sandbox.url}/auth", tokens["access_token"], tokens["refresh_token"]
    )


@pytest.fixture(scope="module")
async def http(jira_sandbox: Sandbox) -> AsyncIterator[httpx.AsyncClient]:
    client = make_jira_http(jira_sandbox.transport)
    yield client
    await client.aclose()


@pytest.fixture(scope="module")
async def world(jira_sandbox: Sandbox) -> dict[str, Any]:
    state = await jira_sandbox.admin("GET", "/state")
    site = next(s for s in state["sites"] if s["cloudId"] == ACME)
    boards = {b["name"]: b["id"] for b in site["boards"]}
    return {"boards": boards, "sprints": site["sprints"]}


@pytest.fixture
async def tokens(jira_sandbox: Sandbox, http: httpx.AsyncClient) -> SandboxTokens:
    return await grant(jira_sandbox, http, SCOPES)


@pytest.fixture
async def client(
    jira_sandbox: Sandbox, http: httpx.AsyncClient, tokens: SandboxTokens
) -> AsyncIterator[JiraClient]:
    yield JiraClient(
        http, f"{jira_sandbox.url}/api", ACME, tokens, site_url=ACME_URL, backoff_base=0.02,
        max_retry_after=2.0,
    )  # fmt: skip
    await jira_sandbox.admin("DELETE", "/faults")


async def requests_since(sandbox: Sandbox, seq: int, path: str) -> list[dict[str, Any]]:
    return (await sandbox.admin("GET", "/requests", params={"since": seq, "path": path}))[
        "requests"
    ]


async def last_seq(sandbox: Sandbox) -> int:
    return int((await sandbox.admin("GET", "/requests", params={"path": "-none-"}))["lastSeq"])


async def new_sprint_with_issues(
    sandbox: Sandbox, board_id: int, count: int
) -> tuple[int, list[str]]:
    sprint = await sandbox.admin(
        "POST", f"/sites/{ACME}/sprints", json={"boardId": board_id, "name": "Paging"}
    )
    created = await sandbox.admin(
        "POST",
        f"/sites/{ACME}/issues/bulk",
        json={"projectKey": "PLAT", "count": count, "sprintId": sprint["id"], "storyPoints": 3},
    )
    return int(sprint["id"]), list(created["keys"])


async def test_typed_listings(client: JiraClient, world: dict[str, Any]) -> None:
    me = await client.myself()
    assert me.account_id.startswith("557058:test-")
    projects = await client.list_projects(None, 0, 1)
    assert [p.key for p in projects.items] == ["APP"] and not projects.is_last
    assert projects.items[0].team_managed is True
    rest = await client.list_projects(None, projects.next_start_at or 0, 50)
    assert [(p.key, p.team_managed) for p in rest.items] == [("PLAT", False)] and rest.is_last
    assert (await client.list_projects("no-such-project")).items == []
    assert (await client.get_project("plat")).name == "Platform"
    boards = await client.list_boards("PLAT")
    assert {(b.name, b.type, b.project_key) for b in boards.items} >= {
        ("PLAT board", "scrum", "PLAT"),
        ("PLAT kanban", "kanban", "PLAT"),
    }
    fields = {f.id: f for f in await client.get_fields()}
    assert fields["customfield_10026"].name == "Story Points"


async def test_sprints_are_the_boards_own_and_kanban_has_none(
    client: JiraClient, world: dict[str, Any]
) -> None:
    app_board, plat_board = world["boards"]["APP board"], world["boards"]["PLAT board"]
    plat_active = next(
        s for s in world["sprints"] if s["originBoardId"] == plat_board and s["state"] == "active"
    )
    sprints = await client.list_sprints(app_board)
    assert sprints and all(s.origin_board_id == app_board for s in sprints)
    assert {s.state for s in sprints} == {"active", "future"}
    assert plat_active["id"] not in {s.id for s in sprints}  # the APP board's filter shows it
    closed = await client.list_sprints(app_board, ["closed"])
    assert [s.state for s in closed] == ["closed"] and closed[0].complete_date
    assert await client.list_sprints(world["boards"]["PLAT kanban"]) == []


async def test_paging_250_sprint_issues_yields_each_once_offset_and_token(
    client: JiraClient, jira_sandbox: Sandbox, world: dict[str, Any]
) -> None:
    sprint_id, keys = await new_sprint_with_issues(jira_sandbox, world["boards"]["PLAT board"], 250)
    seq = await last_seq(jira_sandbox)
    sp = ("customfield_10026",)

    async def offset(start_at: int) -> Any:
        return await client.sprint_issues(sprint_id, start_at, 100, story_points_fields=sp)

    by_offset = await collect_offset(offset)
    assert sorted(i.key for i in by_offset) == sorted(keys)
    assert len({i.id for i in by_offset}) == 250
    assert {i.story_points for i in by_offset} == {3.0}
    assert by_offset[0].url == f"{ACME_URL}/browse/{by_offset[0].key}"
    assert len(await requests_since(jira_sandbox, seq, f"/sprint/{sprint_id}/issue")) == 3

    async def token(next_token: str | None) -> Any:
        return await client.search_jql(
            f"sprint = {sprint_id}", next_token, 100, story_points_fields=sp
        )

    by_token = await collect_token(token)
    assert sorted(i.key for i in by_token) == sorted(keys) and len(by_token) == 250
    assert len(await requests_since(jira_sandbox, seq, "/search/jql")) == 3

    async def software(next_token: str | None) -> Any:
        return await client.software_sprint_issues(sprint_id, next_token, 100)

    by_software = await collect_token(software)
    assert [i.key for i in by_software] == [i.key for i in by_offset]  # both in rank order
    assert len(await requests_since(jira_sandbox, seq, "/rest/software/1.0/sprint/")) == 3


async def test_429_retry_after_is_waited_out(client: JiraClient, jira_sandbox: Sandbox) -> None:
    await jira_sandbox.admin(
        "POST",
        "/faults",
        json={
            "kind": "rate_limit",
            "path_contains": "/rest/api/3/field",
            "remaining": 1,
            "retry_after": 1,
        },
    )
    seq = await last_seq(jira_sandbox)
    started = time.monotonic()
    assert await client.get_fields()
    assert time.monotonic() - started >= 0.95
    log = await requests_since(jira_sandbox, seq, "/rest/api/3/field")
    assert [r["status"] for r in log] == [429, 200]


async def test_429_beyond_the_bound_raises_rate_limited_at_once(
    client: JiraClient, jira_sandbox: Sandbox
) -> None:
    await jira_sandbox.admin(
        "POST",
        "/faults",
        json={
            "kind": "rate_limit",
            "path_contains": "/rest/api/3/myself",
            "remaining": 1,
            "retry_after": 30,
        },
    )
    seq = await last_seq(jira_sandbox)
    with pytest.raises(errors.RateLimited) as raised:
        await client.myself()
    assert raised.value.retry_after == 30.0
    assert len(await requests_since(jira_sandbox, seq, "/rest/api/3/myself")) == 1


async def test_5xx_and_dropped_connections_are_retried_for_reads(
    client: JiraClient, jira_sandbox: Sandbox
) -> None:
    await jira_sandbox.admin(
        "POST",
        "/faults",
        json={
            "kind": "error",
            "status": 500,
            "path_contains": "/rest/api/3/myself",
            "remaining": 2,
        },
    )
    seq = await last_seq(jira_sandbox)
    assert (await client.myself()).account_id
    assert [r["status"] for r in await requests_since(jira_sandbox, seq, "/myself")] == [
        500,
        500,
        200,
    ]
    await jira_sandbox.admin(
        "POST", "/faults", json={"kind": "drop", "path_contains": "/search/jql", "remaining": 1}
    )
    page = await client.search_jql("project = PLAT", None, 5)  # a POST, but a read
    assert len(page.items) == 5


async def test_5xx_is_not_retried_for_writes(client: JiraClient, jira_sandbox: Sandbox) -> None:
    await jira_sandbox.admin(
        "POST",
        "/faults",
        json={
            "kind": "error",
            "status": 500,
            "method": "PUT",
            "path_contains": "/rest/api/3/issue/PLAT-1",
            "remaining": 1,
        },
    )
    seq = await last_seq(jira_sandbox)
    with pytest.raises(errors.Unavailable):
        await client.edit_issue("PLAT-1", {"summary": "Never retried"})
    assert len(await requests_since(jira_sandbox, seq, "/rest/api/3/issue/PLAT-1")) == 1
    assert (await client.get_issue("PLAT-1")).summary != "Never retried"
    with pytest.raises(errors.Unavailable):  # exhausted retries on a read
        await jira_sandbox.admin(
            "POST",
            "/faults",
            json={"kind": "error", "status": 502, "path_contains": "/rest/api/3/field"},
        )
        await client.get_fields()


async def test_scope_mismatch_is_typed_and_never_refreshes(
    jira_sandbox: Sandbox, http: httpx.AsyncClient
) -> None:
    narrow = await grant(jira_sandbox, http, "read:jira-work offline_access")
    client = JiraClient(http, f"{jira_sandbox.url}/api", ACME, narrow, site_url=ACME_URL)
    with pytest.raises(errors.ScopeMismatch):
        await client.list_boards("PLAT")
    assert narrow.refreshed_for == []
    assert (await client.list_projects()).items  # classic scope still works


async def test_expired_token_is_refreshed_once_then_retried(
    client: JiraClient, tokens: SandboxTokens, jira_sandbox: Sandbox
) -> None:
    me = await client.myself()
    stale = tokens.access
    await jira_sandbox.admin("POST", "/tokens/expire", json={"accountId": me.account_id})
    assert (await client.myself()).account_id == me.account_id
    assert tokens.refreshed_for == [stale]
    await jira_sandbox.admin("POST", "/tokens/revoke", json={"accountId": me.account_id})
    tokens.refresh_after_unauthorized = _refuse  # type: ignore[method-assign]
    with pytest.raises(errors.Unauthorized):
        await client.myself()


async def _refuse(rejected_token: str) -> str:
    return rejected_token  # the grant is gone: the same token comes back and is refused again


async def test_issue_reads_writes_and_typed_errors(
    client: JiraClient, world: dict[str, Any]
) -> None:
    plat_board = world["boards"]["PLAT board"]
    issue = await client.get_issue("PLAT-2", story_points_fields=("customfield_10026",))
    assert issue.key == "PLAT-2" and issue.issue_type and issue.status_category
    meta = await client.editmeta("PLAT-2")
    assert "summary" in meta.fields and meta.fields["summary"].settable
    config = await client.board_configuration(plat_board)
    assert (config.estimation_type, config.estimation_field_id) == ("field", "customfield_10026")
    estimate = await client.set_estimation("PLAT-2", plat_board, 8)
    assert (estimate.field_id, estimate.value) == ("customfield_10026", 8)
    assert (await client.get_estimation("PLAT-2", plat_board)).value == 8
    with pytest.raises(errors.FieldNotEditable) as not_editable:
        await client.edit_issue("PLAT-2", {"customfield_10016": 5})  # the other site field
    assert not_editable.value.field_ids == ["customfield_10016"]
    with pytest.raises(errors.InvalidValue):
        await client.edit_issue("PLAT-2", {"customfield_10026": "five"})
    await client.edit_issue("PLAT-2", {"customfield_10026": 5})
    fetched = await client.bulkfetch(
        ["PLAT-2", "PLAT-3", "NOPE-1"], story_points_fields=("customfield_10026",)
    )
    assert [i.key for i in fetched.issues] == ["PLAT-2", "PLAT-3"]
    assert fetched.issues[0].story_points == 5.0
    comment = await client.add_comment("PLAT-2", text_to_adf("Estimated: 5"))
    assert comment.id
    assert adf_to_text((await client.get_issue("PLAT-2")).description) != ""
    with pytest.raises(errors.NotFound):
        await client.get_issue("PLAT-99999")
    with pytest.raises(ValueError):
        await client.bulkfetch([str(n) for n in range(101)])


async def test_logs_carry_method_path_status_but_never_the_token(
    client: JiraClient, tokens: SandboxTokens, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="jira_cloud.transport"):
        await client.myself()
    lines = [
        record.getMessage() for record in caplog.records if record.name == "jira_cloud.transport"
    ]
    assert any(line.startswith("jira GET /rest/api/3/myself 200 ") for line in lines), lines
    assert not any(tokens.access in line for line in lines)
