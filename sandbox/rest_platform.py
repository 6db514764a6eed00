"""Jira platform REST API v3: projects, fields, issues, comments, search, myself."""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse, Response

from sandbox.consistency import search_view
from sandbox.fieldvalues import collect_changes
from sandbox.gateway import (
    Ctx,
    JiraError,
    jira_route,
    offset_page,
    page_params,
    page_token,
    read_page_token,
    scopes,
)
from sandbox.jql import JqlError, parse
from sandbox.mutations import add_comment, update_issue
from sandbox.search import run_query
from sandbox.serialize import (
    comment_json,
    editmeta_json,
    issue_json,
    parse_fields,
    project_json,
    user_json,
)
from sandbox.store import Issue

READ = scopes("read:jira-work", "read:issue:jira read:issue-meta:jira")
SEARCH = scopes("read:jira-work", "read:issue-details:jira read:jql:jira")
WRITE = scopes("write:jira-work", "write:issue:jira")
NOT_FOUND = "Issue does not exist or you do not have permission to see it."
SEARCH_GONE = (
    "The requested API has been removed. Please migrate to the /rest/api/3/search/jql API. "
    "A full migration guideline is available at https://developer.atlassian.com/changelog/#CHANGE-2046"
)
UNBOUNDED = (
    "Unbounded JQL queries are not allowed here. Please add a search restriction to your query."
)


def find_issue(ctx: Ctx, id_or_key: str) -> Issue:
    issue = ctx.site.issue(id_or_key)
    if issue is None:
        raise JiraError(404, [NOT_FOUND])
    return issue


def expand_set(raw: Any) -> set[str]:
    items = raw if isinstance(raw, list) else [raw or ""]
    return {part.strip() for item in items for part in str(item).split(",") if part.strip()}


async def project_search(ctx: Ctx) -> Response:
    start, size = page_params(ctx)
    query = (ctx.query("query") or "").lower()
    keys = {k.upper() for k in ctx.request.query_params.getlist("keys")}
    ids = set(ctx.request.query_params.getlist("id"))
    projects = [
        project_json(ctx.site, p.key)
        for p in sorted(ctx.site.projects.values(), key=lambda p: p.key)
        if (not query or query in p.key.lower() or query in p.name.lower())
        and (not keys or p.key in keys)
        and (not ids or p.id in ids)
    ]
    if not projects and (query or keys or ids):
        raise JiraError(404, ["No projects found matching the search criteria."])
    page = offset_page(projects, start, size)
    base = f"{ctx.site.url}/rest/api/3/project/search"
    body = {"self": f"{base}?startAt={start}&maxResults={size}", **page}
    if not page["isLast"]:
        body["nextPage"] = f"{base}?startAt={start + size}&maxResults={size}"
    return JSONResponse(body)


async def fields(ctx: Ctx) -> Response:
    return JSONResponse(
        [
            {
                "id": f.id,
                "key": f.id,
                "name": f.name,
                "untranslatedName": f.name,
                "custom": f.custom,
                "orderable": True,
                "navigable": True,
                "searchable": True,
                "clauseNames": [f"cf[{f.id[12:]}]", f.name] if f.custom else [f.id],
                "schema": f.schema,
            }
            for f in ctx.site.fields.values()
        ]
    )


async def get_issue(ctx: Ctx) -> Response:
    issue = find_issue(ctx, ctx.request.path_params["key"])
    selection = parse_fields(ctx.request.query_params.getlist("fields"), "*all")
    expand = expand_set(ctx.request.query_params.getlist("expand"))
    return JSONResponse(issue_json(ctx.state.world, ctx.site, issue, selection, expand))


async def edit_issue(ctx: Ctx) -> Response:
    issue = find_issue(ctx, ctx.request.path_params["key"])
    body = await ctx.json()
    if not isinstance(body, dict) or not (body.get("fields") or body.get("update")):
        raise JiraError(400, ["No content to map due to end-of-input"])
    changes, errors = collect_changes(ctx.state.world, ctx.site, issue, body)
    if errors:
        raise JiraError(400, [], errors)
    update_issue(ctx.state, ctx.site, issue, changes, ctx.account.account_id)
    if ctx.query("returnIssue") == "true":
        selection = parse_fields(None, "*all")
        return JSONResponse(issue_json(ctx.state.world, ctx.site, issue, selection))
    return Response(status_code=204)


async def editmeta(ctx: Ctx) -> Response:
    issue = find_issue(ctx, ctx.request.path_params["key"])
    return JSONResponse(editmeta_json(ctx.site, issue))


async def comment(ctx: Ctx) -> Response:
    issue = find_issue(ctx, ctx.request.path_params["key"])
    body = await ctx.json()
    adf = body.get("body") if isinstance(body, dict) else None
    if adf is None:
        raise JiraError(400, [], {"comment": "Comment body can not be empty!"})
    if not (isinstance(adf, dict) and adf.get("type") == "doc" and "content" in adf):
        raise JiraError(400, ["INVALID_INPUT"], {})
    rendered = add_comment(ctx.state, ctx.site, issue, adf, ctx.account.account_id)
    return JSONResponse(rendered, status_code=201)


async def comments(ctx: Ctx) -> Response:
    issue = find_issue(ctx, ctx.request.path_params["key"])
    start, size = page_params(ctx, default=5000, cap=5000)
    order = ctx.query("orderBy") or "created"
    ordered = sorted(issue.comments, key=lambda c: (c.created, int(c.id)))
    if order.startswith("-"):
        ordered.reverse()
    rendered = [comment_json(ctx.state.world, ctx.site, issue, c) for c in ordered]
    return JSONResponse(
        {"startAt": start, "maxResults": size, "total": len(rendered),
         "comments": rendered[start : start + size]}
    )  # fmt: skip


async def _search_input(ctx: Ctx) -> dict[str, Any]:
    if ctx.request.method == "POST":
        body = await ctx.json()
        if not isinstance(body, dict):
            raise JiraError(400, ["The request body is not valid JSON."])
        return body
    params = ctx.request.query_params
    return {
        "jql": params.get("jql", ""),
        "nextPageToken": params.get("nextPageToken"),
        "maxResults": params.get("maxResults"),
        "fields": params.getlist("fields"),
        "expand": params.getlist("expand"),
        "reconcileIssues": params.getlist("reconcileIssues"),
    }


def _query(ctx: Ctx, text: str, reconcile: Any = None) -> list[Issue]:
    parts = [p.strip() for item in reconcile or [] for p in str(item).split(",")]
    ids = {int(p) for p in parts if p.isdigit()}
    try:
        query = parse(text)
        if not query.is_bounded:
            raise JiraError(400, [UNBOUNDED])
        state = ctx.state
        pool = search_view(state, ctx.site, ids)
        return run_query(
            state.world, ctx.site, query, ctx.account.account_id, state.clock.now(), pool
        )
    except JqlError as exc:
        raise JiraError(400, [str(exc)]) from None


async def search_jql(ctx: Ctx) -> Response:
    data = await _search_input(ctx)
    jql_text = str(data.get("jql") or "")
    selection = parse_fields(data.get("fields"), "id")
    light = selection.include <= {"id", "key"} and not selection.everything
    try:
        size = int(data.get("maxResults") or 50)
    except ValueError:
        raise JiraError(400, ["The 'maxResults' parameter must be a number."]) from None
    size = max(1, min(size, 5000 if light else 100))
    matched = _query(ctx, jql_text, data.get("reconcileIssues"))
    start = read_page_token(data.get("nextPageToken"), jql_text)
    chunk = matched[start : start + size]
    expand = expand_set(data.get("expand"))
    body: dict[str, Any] = {
        "issues": [issue_json(ctx.state.world, ctx.site, i, selection, expand) for i in chunk],
        "isLast": start + size >= len(matched),
    }
    if not body["isLast"]:
        body["nextPageToken"] = page_token(start + size, jql_text)
    return JSONResponse(body)


async def approximate_count(ctx: Ctx) -> Response:
    body = await ctx.json()
    jql_text = str((body or {}).get("jql") or "") if isinstance(body, dict) else ""
    return JSONResponse({"count": len(_query(ctx, jql_text))})


async def search_removed(ctx: Ctx) -> Response:
    raise JiraError(410, [SEARCH_GONE])


async def bulkfetch(ctx: Ctx) -> Response:
    body = await ctx.json()
    wanted = body.get("issueIdsOrKeys") if isinstance(body, dict) else None
    if not isinstance(wanted, list) or not 1 <= len(wanted) <= 100:
        raise JiraError(400, ["Provide between 1 and 100 issue IDs or keys in issueIdsOrKeys."])
    found = {i.id: i for i in (ctx.site.issue(str(k)) for k in wanted) if i is not None}
    selection = parse_fields(body.get("fields"), "*navigable")
    expand = expand_set(body.get("expand"))
    issues = [
        issue_json(ctx.state.world, ctx.site, found[i], selection, expand) for i in sorted(found)
    ]
    return JSONResponse({"issues": issues, "issueErrors": []})


async def myself(ctx: Ctx) -> Response:
    body = user_json(ctx.site.url, ctx.account, email=True) or {}
    body.update({"locale": "en_US", "groups": {"size": 1, "items": []}})
    return JSONResponse(body)


ROUTES = [
    jira_route("GET", "/rest/api/3/project/search", scopes("read:jira-work", "read:project:jira"),
               project_search),
    jira_route("GET", "/rest/api/3/field", scopes("read:jira-work", "read:field:jira"), fields),
    jira_route("GET", "/rest/api/3/issue/{key}", READ, get_issue),
    jira_route("PUT", "/rest/api/3/issue/{key}", WRITE, edit_issue),
    jira_route("GET", "/rest/api/3/issue/{key}/editmeta", READ, editmeta),
    jira_route("POST", "/rest/api/3/issue/{key}/comment",
               scopes("write:jira-work", "write:comment:jira read:comment:jira"), comment),
    jira_route("GET", "/rest/api/3/issue/{key}/comment",
               scopes("read:jira-work", "read:comment:jira read:user:jira"), comments),
    jira_route("GET", "/rest/api/3/search/jql", SEARCH, search_jql),
    jira_route("POST", "/rest/api/3/search/jql", SEARCH, search_jql),
    jira_route("POST", "/rest/api/3/search/approximate-count", SEARCH, approximate_count),
    jira_route("GET", "/rest/api/3/search", SEARCH, search_removed),
    jira_route("POST", "/rest/api/3/search", SEARCH, search_removed),
    jira_route("POST", "/rest/api/3/issue/bulkfetch", SEARCH, bulkfetch),
    jira_route("GET", "/rest/api/3/myself", scopes("read:jira-user", "read:user:jira"), myself),
]  # fmt: skip
