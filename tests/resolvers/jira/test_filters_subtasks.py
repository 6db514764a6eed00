"""jiraFilters, a filter as a jiraIssues source, and sub-tasks (listing, import, webhook),
through the GraphQL schema in this process against the sandbox in this process."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from core.settings import Settings
from models.jira import JiraIssueLink
from models.users import User
from sandbox.serialize import webhook_issue_json
from schema.composition import Schema, build_schema
from schema.context import Context
from services.jira.webhooks.apply import process_delivery
from services.jira.webhooks.inbox import store_delivery
from services.rooms.rooms import create_room
from services.runtime import Runtime
from tests.jira_support import (
    ACME_CLOUD_ID,
    InProcessSandbox,
    connect_user,
    make_runtime,
    make_user,
    new_account,
)

pytestmark = pytest.mark.usefixtures("database_url")

FILTERS = """query($q: String, $first: Int, $after: String) {
  jiraFilters(query: $q, first: $first, after: $after) {
    edges { cursor node { id name jql owner } } pageInfo { hasNextPage endCursor } totalCount } }"""
ISSUES = """query($s: JiraIssueSourceInput!, $first: Int, $after: String) {
  jiraIssues(source: $s, first: $first, after: $after) {
    edges { node { key summary issueType parent { key summary } } }
    pageInfo { hasNextPage endCursor } } }"""
IMPORT = """mutation($r: ID!, $k: [String!]!) { importJiraIssues(roomId: $r, issueKeys: $k) {
  issues { id title description jiraLink { key parentKey } } created updated
  errors { code field message } } }"""
ROOM = """query($r: ID!) { room(id: $r) { issues { title description
  jiraLink { key parentKey } } } }"""


@pytest.fixture(scope="module")
async def sandbox() -> AsyncIterator[InProcessSandbox]:
    async with InProcessSandbox() as own:
        yield own


@pytest.fixture(scope="module")
async def runtime(sandbox: InProcessSandbox) -> AsyncIterator[Runtime]:
    runtime = await make_runtime(sandbox, public_url="http://127.0.0.1:8123")
    yield runtime
    assert runtime.jira_http is not None
    await runtime.jira_http.aclose()


@pytest.fixture(scope="module")
async def user(runtime: Runtime, sandbox: InProcessSandbox) -> User:
    user = await make_user()
    account = await new_account(sandbox, [ACME_CLOUD_ID])
    await connect_user(runtime, user, account, site=ACME_CLOUD_ID, sandbox=sandbox)
    return user


@pytest.fixture(scope="module")
def schema() -> Schema:
    return build_schema(Settings())


async def run(
    schema: Schema, runtime: Runtime, user: User, query: str, variables: dict[str, Any]
) -> tuple[dict[str, Any] | None, list[Any]]:
    """(data, errors) of one request: one Context, as the server makes per request."""
    context = Context(runtime=runtime, request=None, request_id="t")  # type: ignore[arg-type]
    context.user = user
    result = await schema.execute(query, variables, context_value=context)
    return result.data, list(result.errors or [])


async def ok(schema: Schema, runtime: Runtime, user: User, query: str, **variables: Any) -> Any:
    data, errors = await run(schema, runtime, user, query, variables)
    assert not errors, errors
    return data


async def requests_to(sandbox: InProcessSandbox, path: str) -> int:
    return len((await sandbox.admin("GET", "/requests", params={"path": path}))["requests"])


async def test_filters_page_with_opaque_cursors(
    schema: Schema, runtime: Runtime, user: User
) -> None:
    first = (await ok(schema, runtime, user, FILTERS, first=3))["jiraFilters"]
    names = [e["node"]["name"] for e in first["edges"]]
    assert names == ["APP backlog", "My open issues", "PLAT active sprint"]
    assert first["pageInfo"]["hasNextPage"] and first["totalCount"] == 4
    assert "10" not in first["pageInfo"]["endCursor"]  # opaque, not the offset
    after = first["pageInfo"]["endCursor"]
    rest = (await ok(schema, runtime, user, FILTERS, first=3, after=after))["jiraFilters"]
    [bugs] = [e["node"] for e in rest["edges"]]
    assert bugs["name"] == "PLAT open bugs" and isinstance(bugs["id"], int)
    assert bugs["jql"].startswith("project = PLAT") and bugs["owner"]
    assert not rest["pageInfo"]["hasNextPage"]
    named = (await ok(schema, runtime, user, FILTERS, q="bugs"))["jiraFilters"]
    assert [e["node"]["name"] for e in named["edges"]] == ["PLAT open bugs"]


async def test_a_filter_source_lists_the_filters_issues(
    schema: Schema, runtime: Runtime, user: User, sandbox: InProcessSandbox
) -> None:
    listed = (await ok(schema, runtime, user, FILTERS, q="PLAT active sprint"))["jiraFilters"]
    saved = listed["edges"][0]["node"]
    direct = await ok(schema, runtime, user, ISSUES, s={"jql": saved["jql"]}, first=100)
    expected = [e["node"]["key"] for e in direct["jiraIssues"]["edges"]]
    await sandbox.admin("DELETE", "/requests")
    keys, after = [], None
    while True:
        page = (await ok(schema, runtime, user, ISSUES, s={"filterId": saved["id"]}, first=5,
                         after=after))["jiraIssues"]  # fmt: skip
        keys += [e["node"]["key"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    pages = -(-len(expected) // 5)
    assert keys == expected and len(expected) > 5 and "PLAT-26" in keys
    assert await requests_to(sandbox, "/rest/api/3/search/jql") == pages
    # A request per page, each reading the filter once (its JQL is cached per request).
    assert await requests_to(sandbox, f"/rest/api/3/filter/{saved['id']}") == pages


async def test_an_unknown_filter_and_mixed_sources_are_refused(
    schema: Schema, runtime: Runtime, user: User
) -> None:
    _, errors = await run(schema, runtime, user, ISSUES, {"s": {"filterId": 4242}})
    [error] = errors
    assert error.extensions["code"] == "JIRA_NOT_FOUND"
    assert error.extensions["field"] == "source.filterId" and "4242" in error.message
    for mixed in ({"filterId": 10100, "jql": "project = PLAT"}, {"filterId": 10100,
                  "sprintId": 2}, {}):  # fmt: skip
        _, errors = await run(schema, runtime, user, ISSUES, {"s": mixed})
        [error] = errors
        assert error.extensions["code"] == "BAD_USER_INPUT", mixed
        assert error.extensions["field"] == "source" and "filterId" in error.message


async def test_a_sub_task_is_listed_with_its_parent(
    schema: Schema, runtime: Runtime, user: User
) -> None:
    data = await ok(schema, runtime, user, ISSUES, s={"sprintId": 2}, first=50)
    nodes = {e["node"]["key"]: e["node"] for e in data["jiraIssues"]["edges"]}
    assert nodes["PLAT-26"]["issueType"] == "Sub-task"
    assert nodes["PLAT-26"]["parent"] == {"key": "PLAT-7", "summary": "Harden webhook flow"}
    assert nodes["PLAT-7"]["parent"] is None


async def test_import_keeps_the_parent_and_a_reimport_is_idempotent(
    schema: Schema, runtime: Runtime, user: User, sandbox: InProcessSandbox
) -> None:
    room = await create_room(user, "Sub-tasks")
    await sandbox.admin(
        "PATCH", f"/sites/{ACME_CLOUD_ID}/issues/PLAT-26", json={"description": "Run it twice."}
    )
    first = (await ok(schema, runtime, user, IMPORT, r=str(room.id), k=["PLAT-26", "PLAT-7"]))[
        "importJiraIssues"
    ]
    assert first["errors"] == [] and (first["created"], first["updated"]) == (2, 0)
    sub, story = first["issues"]
    assert sub["jiraLink"] == {"key": "PLAT-26", "parentKey": "PLAT-7"}
    assert story["jiraLink"] == {"key": "PLAT-7", "parentKey": None}
    assert sub["description"] == "Sub-task of PLAT-7: Harden webhook flow\n\nRun it twice."
    assert not story["description"].startswith("Sub-task of")
    again = (await ok(schema, runtime, user, IMPORT, r=str(room.id), k=["PLAT-26"]))[
        "importJiraIssues"
    ]
    assert (again["created"], again["updated"]) == (0, 1)
    assert again["issues"][0]["description"] == sub["description"]  # one line, not two
    shown = (await ok(schema, runtime, user, ROOM, r=str(room.id)))["room"]["issues"]
    assert [i["jiraLink"]["parentKey"] for i in shown] == ["PLAT-7", None]

    # Jira re-parents PLAT-26 under PLAT-9; the webhook keeps the link and the line current.
    moved = await sandbox.admin(
        "PATCH", f"/sites/{ACME_CLOUD_ID}/issues/PLAT-26", json={"parent": "PLAT-9"}
    )
    site = sandbox.state.world.sites[ACME_CLOUD_ID]
    issue = site.issue("PLAT-26")
    assert issue is not None
    body = {"timestamp": 1_790_000_000_000, "webhookEvent": "jira:issue_updated",
            "issue": webhook_issue_json(sandbox.state.world, site, issue),
            "changelog": {"id": "1", "items": moved["changelog"]}}  # fmt: skip
    delivery_id, _ = await store_delivery(f"reparent-{room.id}", body)
    await process_delivery(runtime, delivery_id)
    link = await JiraIssueLink.get(issue_id=int(sub["id"]))
    assert link.parent_key == "PLAT-9"
    shown = (await ok(schema, runtime, user, ROOM, r=str(room.id)))["room"]["issues"]
    assert shown[0]["description"] == "Sub-task of PLAT-9: Polish dashboard flow\n\nRun it twice."
