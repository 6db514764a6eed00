"""Jira Software REST: boards, sprints, sprint and backlog issues, configuration, estimation."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from starlette.responses import JSONResponse, Response

from sandbox.consistency import search_view
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
from sandbox.mutations import update_issue
from sandbox.rest_platform import expand_set, find_issue
from sandbox.search import Evaluator
from sandbox.serialize import board_json, issue_json, parse_fields, sprint_json
from sandbox.store import STATUSES, Board, Issue, Sprint

BOARDS = scopes("read:board-scope:jira-software read:project:jira")
SPRINTS = scopes("read:sprint:jira-software")
SPRINT_ISSUES = scopes("read:sprint:jira-software read:issue-details:jira read:jql:jira")
BACKLOG = scopes("read:board-scope:jira-software read:issue-details:jira read:jql:jira")
CONFIG = scopes("read:board-scope.admin:jira-software read:project:jira")
STATE_ORDER = {"closed": 0, "active": 1, "future": 2}


def find_board(ctx: Ctx) -> Board:
    board = ctx.site.boards.get(int(ctx.request.path_params["board_id"]))
    if board is None:
        raise JiraError(404, ["The requested board cannot be viewed because it either does not "
                              "exist or you do not have permission to view it."])  # fmt: skip
    return board


def find_sprint(ctx: Ctx) -> Sprint:
    sprint = ctx.site.sprints.get(int(ctx.request.path_params["sprint_id"]))
    if sprint is None:
        raise JiraError(404, ["The requested sprint cannot be found"])
    return sprint


async def boards(ctx: Ctx) -> Response:
    start, size = page_params(ctx, cap=50)
    wanted = ctx.query("projectKeyOrId")
    project = ctx.site.project(wanted) if wanted else None
    if wanted and project is None:
        raise JiraError(400, [f"No project could be found with key or id '{wanted}'."])
    types = {t for t in (ctx.query("type") or "").split(",") if t}
    name = (ctx.query("name") or "").lower()
    found = [
        board_json(ctx.site, b)
        for b in sorted(ctx.site.boards.values(), key=lambda b: b.id)
        if (project is None or b.project_key == project.key)
        and (not types or b.type in types)
        and name in b.name.lower()
    ]
    return JSONResponse(offset_page(found, start, size))


async def board(ctx: Ctx) -> Response:
    return JSONResponse(board_json(ctx.site, find_board(ctx)))


def board_sprint_list(ctx: Ctx, board: Board) -> list[Sprint]:
    """The board's own sprints plus any sprint holding one of the board's issues."""
    ids = {s.id for s in ctx.site.sprints.values() if s.origin_board_id == board.id}
    for issue in ctx.site.board_issues(board):
        ids.update([issue.sprint_id] if issue.sprint_id else [])
        ids.update(issue.closed_sprint_ids)
    found = [ctx.site.sprints[i] for i in ids if i in ctx.site.sprints]
    return sorted(found, key=lambda s: (STATE_ORDER[s.state], s.id))


async def board_sprints(ctx: Ctx) -> Response:
    board = find_board(ctx)
    if board.type != "scrum":
        raise JiraError(400, ["The board does not support sprints"])
    states = {s.strip() for s in (ctx.query("state") or "").split(",") if s.strip()}
    if states - set(STATE_ORDER):
        raise JiraError(400, [f"The state '{sorted(states - set(STATE_ORDER))[0]}' is invalid."])
    start, size = page_params(ctx)
    found = [
        sprint_json(ctx.site, s)
        for s in board_sprint_list(ctx, board)
        if not states or s.state in states
    ]
    return JSONResponse(offset_page(found, start, size))


async def sprint(ctx: Ctx) -> Response:
    return JSONResponse(sprint_json(ctx.site, find_sprint(ctx)))


def _filtered(ctx: Ctx, issues: list[Issue]) -> list[Issue]:
    text = ctx.query("jql")
    if text:
        try:
            query = parse(text)
        except JqlError as exc:
            raise JiraError(400, [str(exc)]) from None
        evaluator = Evaluator(
            ctx.state.world, ctx.site, ctx.account.account_id, ctx.state.clock.now()
        )
        issues = [i for i in issues if evaluator.matches(query.where, i)]
    return sorted(issues, key=lambda i: i.rank)


def sprint_issue_list(ctx: Ctx, pool: Iterable[Issue] | None = None) -> list[Issue]:
    """The sprint's issues among `pool` (default: the site's issues as they are now)."""
    sprint_id = find_sprint(ctx).id
    found = [
        i
        for i in (ctx.site.issues.values() if pool is None else pool)
        if i.sprint_id == sprint_id or sprint_id in i.closed_sprint_ids
    ]
    return _filtered(ctx, found)


def backlog_issue_list(ctx: Ctx, pool: Iterable[Issue] | None = None) -> list[Issue]:
    board = find_board(ctx)
    open_sprints = {s.id for s in ctx.site.sprints.values() if s.state != "closed"}
    issues = ctx.site.issues.values() if pool is None else pool
    found = [
        i
        for i in issues
        if i.project_key == board.project_key
        and STATUSES[i.status_id].category != "done"
        and i.sprint_id not in open_sprints
    ]
    return _filtered(ctx, found)


def _served(ctx: Ctx, family: str) -> None:
    """A family switched off answers as Jira does for a path it does not have."""
    if not getattr(ctx.site, family):
        raise JiraError(404, ["null for uri: " + str(ctx.request.url)])


def _eventual_view(ctx: Ctx) -> list[Issue]:
    """What the token-paged lists see: like search, recent writes lag unless reconciled."""
    reconcile: set[int] = set()
    for raw in ctx.request.query_params.getlist("reconcileIssues"):
        for part in raw.split(","):
            if part.strip().isdigit():
                reconcile.add(int(part))
    return search_view(ctx.state, ctx.site, reconcile)


def _render(ctx: Ctx, issues: list[Issue]) -> list[dict[str, Any]]:
    selection = parse_fields(ctx.request.query_params.getlist("fields"), "*navigable")
    expand = expand_set(ctx.request.query_params.getlist("expand"))
    world, site = ctx.state.world, ctx.site
    return [issue_json(world, site, i, selection, expand, agile=True) for i in issues]


def _offset_issues(ctx: Ctx, issues: list[Issue]) -> Response:
    start, size = page_params(ctx)
    page = offset_page(issues, start, size)
    page["issues"] = _render(ctx, page.pop("values"))
    return JSONResponse({"expand": "schema,names", **page})


def _token_issues(ctx: Ctx, issues: list[Issue]) -> Response:
    fingerprint = f"{ctx.request.url.path}|{ctx.query('jql') or ''}"
    start = read_page_token(ctx.query("nextPageToken"), fingerprint)
    size = ctx.query_int("maxResults", 50)
    size = max(1, min(size, 100))
    chunk = issues[start : start + size]
    body: dict[str, Any] = {"issues": _render(ctx, chunk), "isLast": start + size >= len(issues)}
    if not body["isLast"]:
        body["nextPageToken"] = page_token(start + size, fingerprint)
    return JSONResponse(body)


async def sprint_issues(ctx: Ctx) -> Response:
    _served(ctx, "agile_issue_lists")
    return _offset_issues(ctx, sprint_issue_list(ctx))


async def backlog(ctx: Ctx) -> Response:
    _served(ctx, "agile_issue_lists")
    return _offset_issues(ctx, backlog_issue_list(ctx))


async def software_sprint_issues(ctx: Ctx) -> Response:
    _served(ctx, "software_issue_lists")
    return _token_issues(ctx, sprint_issue_list(ctx, _eventual_view(ctx)))


async def software_backlog(ctx: Ctx) -> Response:
    _served(ctx, "software_issue_lists")
    return _token_issues(ctx, backlog_issue_list(ctx, _eventual_view(ctx)))


async def configuration(ctx: Ctx) -> Response:
    board = find_board(ctx)
    site, project = ctx.site, ctx.site.projects[board.project_key]
    filter_id = 10000 + board.id
    statuses = {
        name: [{"id": s.id, "self": f"{site.url}/rest/api/2/status/{s.id}"}]
        for name, s in (("To Do", STATUSES["10000"]), ("In Progress", STATUSES["3"]),
                        ("Done", STATUSES["10001"]))
    }  # fmt: skip
    body: dict[str, Any] = {
        "id": board.id,
        "name": board.name,
        "type": board.type,
        "self": f"{site.url}/rest/agile/1.0/board/{board.id}/configuration",
        "location": {"type": "project", "key": project.key, "id": project.id,
                     "self": f"{site.url}/rest/api/2/project/{project.id}", "name": project.name},
        "filter": {"id": str(filter_id), "self": f"{site.url}/rest/api/2/filter/{filter_id}"},
        "columnConfig": {
            "columns": [{"name": name, "statuses": s} for name, s in statuses.items()],
            "constraintType": "none",
        },
        "ranking": {"rankCustomFieldId": int(site.rank_field_id.rsplit("_", 1)[1])},
    }  # fmt: skip
    if board.type == "kanban":
        body["subQuery"] = {"query": "fixVersion in unreleasedVersions() OR fixVersion is EMPTY"}
    elif board.estimation_field_id:
        definition = site.fields[board.estimation_field_id]
        body["estimation"] = {
            "type": "field",
            "field": {"fieldId": definition.id, "displayName": definition.name},
        }
    else:
        body["estimation"] = {"type": "none"}
    return JSONResponse(body)


def _estimation_target(ctx: Ctx) -> tuple[Issue, str]:
    issue = find_issue(ctx, ctx.request.path_params["key"])
    board_id = ctx.query("boardId")
    if not board_id or not board_id.isdigit():
        raise JiraError(400, ["The boardId parameter is required."])
    board = ctx.site.boards.get(int(board_id))
    if board is None:
        raise JiraError(404, ["The requested board cannot be found."])
    if not board.estimation_field_id:
        raise JiraError(400, ["Estimation is not configured for this board."])
    return issue, board.estimation_field_id


async def get_estimation(ctx: Ctx) -> Response:
    issue, field_id = _estimation_target(ctx)
    return JSONResponse({"fieldId": field_id, "value": issue.custom.get(field_id)})


async def set_estimation(ctx: Ctx) -> Response:
    issue, field_id = _estimation_target(ctx)
    body = await ctx.json()
    raw = body.get("value") if isinstance(body, dict) else None
    try:
        value = None if raw in {None, ""} else float(raw)
    except (TypeError, ValueError):
        raise JiraError(400, [f"'{raw}' is not a valid estimation value."]) from None
    update_issue(ctx.state, ctx.site, issue, {field_id: value}, ctx.account.account_id)
    return JSONResponse({"fieldId": field_id, "value": issue.custom.get(field_id)})


A, S = "/rest/agile/1.0", "/rest/software/1.0"
ROUTES = [
    jira_route("GET", f"{A}/board", BOARDS, boards),
    jira_route("GET", f"{A}/board/{{board_id:int}}", BOARDS, board),
    jira_route("GET", f"{A}/board/{{board_id:int}}/sprint", SPRINTS, board_sprints),
    jira_route("GET", f"{A}/board/{{board_id:int}}/backlog", BACKLOG, backlog),
    jira_route("GET", f"{A}/board/{{board_id:int}}/configuration", CONFIG, configuration),
    jira_route("GET", f"{A}/sprint/{{sprint_id:int}}", SPRINTS, sprint),
    jira_route("GET", f"{A}/sprint/{{sprint_id:int}}/issue", SPRINT_ISSUES, sprint_issues),
    jira_route("GET", f"{A}/issue/{{key}}/estimation", scopes("read:issue:jira-software"),
               get_estimation),
    jira_route("PUT", f"{A}/issue/{{key}}/estimation", scopes("write:issue:jira-software"),
               set_estimation),
    jira_route("GET", f"{S}/sprint/{{sprint_id:int}}/issue", SPRINT_ISSUES, software_sprint_issues),
    jira_route("GET", f"{S}/board/{{board_id:int}}/backlog", BACKLOG, software_backlog),
]  # fmt: skip
