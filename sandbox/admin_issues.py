"""Admin API for Jira data: create, edit, delete, move and bulk-seed issues; sprints; screens."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sandbox.gateway import sandbox_state
from sandbox.mutations import create_issue, delete_issue, move_issue, update_issue
from sandbox.seed import adf
from sandbox.serialize import issue_json, parse_fields
from sandbox.state import SandboxState
from sandbox.store import ISSUE_TYPES, PRIORITIES, STATUSES, Issue, Site, Sprint, find_by_name


class AdminError(Exception):
    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


async def _body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    data = json.loads(raw) if raw else {}
    return data if isinstance(data, dict) else {}


def _site(request: Request) -> tuple[SandboxState, Site]:
    state = sandbox_state(request)
    site = state.world.site(request.path_params["cloud_id"])
    if site is None:
        raise AdminError("unknown site", 404)
    return state, site


def _issue(site: Site, key: str) -> Issue:
    issue = site.issue(key)
    if issue is None:
        raise AdminError(f"unknown issue {key}", 404)
    return issue


def _lookup(table: dict[str, Any], value: Any, what: str) -> str:
    found = find_by_name(table, str(value))
    if found is None:
        raise AdminError(f"unknown {what} {value}")
    return str(found.id)


def _account(state: SandboxState, value: Any) -> str | None:
    if value is None:
        return None
    account = state.world.account(str(value))
    if account is None:
        raise AdminError(f"unknown account {value}")
    return account.account_id


def _changes(state: SandboxState, site: Site, issue: Issue, body: dict[str, Any]) -> dict[str, Any]:
    """Friendly admin keys → internal field values (no screen checks: this is Jira itself)."""
    changes: dict[str, Any] = dict(body.get("fields") or {})
    if "summary" in body:
        changes["summary"] = body["summary"]
    if "description" in body:
        text = body["description"]
        changes["description"] = adf(text) if isinstance(text, str) else text
    if "status" in body:
        changes["status"] = _lookup(STATUSES, body["status"], "status")
    if "issueType" in body:
        changes["issuetype"] = _lookup(ISSUE_TYPES, body["issueType"], "issue type")
    if "priority" in body:
        changes["priority"] = _lookup(PRIORITIES, body["priority"], "priority")
    if "assignee" in body:
        changes["assignee"] = _account(state, body["assignee"])
    if "storyPoints" in body:
        changes[site.projects[issue.project_key].estimation_field_id] = body["storyPoints"]
    if "sprintId" in body:
        changes["sprint"] = _sprint(site, body["sprintId"])
    if "parent" in body:  # a sub-task's new parent (key or id)
        parent = site.issue(str(body["parent"] or ""))
        if parent is None or parent.id == issue.id or parent.parent_id is not None:
            raise AdminError(f"parent {body['parent']} must be another non-sub-task issue")
        changes["parent"] = parent.id
    return changes


def _sprint(site: Site, sprint_id: Any) -> int | None:
    if sprint_id is None:
        return None
    if int(sprint_id) not in site.sprints:
        raise AdminError(f"unknown sprint {sprint_id}")
    return int(sprint_id)


def _render(state: SandboxState, site: Site, issue: Issue) -> dict[str, Any]:
    return issue_json(state.world, site, issue, parse_fields(None, "*all"))


def _actor(state: SandboxState, body: dict[str, Any]) -> str | None:
    return _account(state, body.get("actor")) or state.world.current_account_id


def _new_issue(state: SandboxState, site: Site, body: dict[str, Any], emit: bool) -> Issue:
    project = site.project(str(body.get("projectKey", "")))
    if project is None:
        raise AdminError("projectKey is required and must exist")
    points = body.get("storyPoints")
    return create_issue(
        state,
        site,
        project,
        _actor(state, body),
        emit=emit,
        summary=str(body.get("summary") or "Sandbox issue"),
        issuetype_id=_lookup(ISSUE_TYPES, body.get("issueType", "Story"), "issue type"),
        status_id=_lookup(STATUSES, body.get("status", "To Do"), "status"),
        points=float(points) if points is not None else None,
        sprint_id=_sprint(site, body.get("sprintId")),
        assignee_id=_account(state, body.get("assignee")),
        priority_id=_lookup(PRIORITIES, body.get("priority", "Medium"), "priority"),
        description=body.get("description"),
    )


async def create(request: Request) -> Response:
    state, site = _site(request)
    issue = _new_issue(state, site, await _body(request), emit=True)
    return JSONResponse(_render(state, site, issue), status_code=201)


async def bulk_create(request: Request) -> Response:
    """Fast seeding for benchmarks: N issues, no webhooks unless asked."""
    state, site = _site(request)
    body = await _body(request)
    count = int(body.get("count", 1))
    if not 1 <= count <= 20000:
        raise AdminError("count must be between 1 and 20000")
    prefix = str(body.get("summaryPrefix") or "Bulk issue")
    emit = bool(body.get("emitWebhooks", False))
    keys = [
        _new_issue(state, site, {**body, "summary": f"{prefix} {n + 1}"}, emit).key
        for n in range(count)
    ]
    return JSONResponse({"created": count, "keys": keys}, status_code=201)


async def edit(request: Request) -> Response:
    state, site = _site(request)
    issue = _issue(site, request.path_params["key"])
    body = await _body(request)
    items = update_issue(
        state, site, issue, _changes(state, site, issue, body), _actor(state, body)
    )
    return JSONResponse({"issue": _render(state, site, issue), "changelog": items})


async def remove(request: Request) -> Response:
    state, site = _site(request)
    issue = _issue(site, request.path_params["key"])
    delete_issue(state, site, issue, _actor(state, await _body(request)))
    return Response(status_code=204)


async def move(request: Request) -> Response:
    """Move to a sprint (or the backlog with null), another project, and/or the top/bottom."""
    state, site = _site(request)
    issue = _issue(site, request.path_params["key"])
    body = await _body(request)
    actor = _actor(state, body)
    if body.get("projectKey"):
        project = site.project(str(body["projectKey"]))
        if project is None:
            raise AdminError("unknown project")
        move_issue(state, site, issue, project, actor)
    if "sprintId" in body:
        update_issue(state, site, issue, {"sprint": _sprint(site, body["sprintId"])}, actor)
    if body.get("rank") == "bottom":
        issue.rank = site.next_rank()
    elif body.get("rank") == "top":
        # "h" sorts before the "i" bucket of ordinary ranks; later moves go further up.
        issue.rank = f"0|h{999999 - next(site.rank_counter):06d}:"
    return JSONResponse(_render(state, site, issue))


async def add_sprint(request: Request) -> Response:
    state, site = _site(request)
    body = await _body(request)
    board = site.boards.get(int(body.get("boardId", 0)))
    if board is None or board.type != "scrum":
        raise AdminError("boardId must be a scrum board")
    now = state.clock.now()
    sprint = Sprint(next(site.sprint_ids), str(body.get("name") or "New sprint"),
                    str(body.get("state", "future")), board.id, created=now)  # fmt: skip
    if sprint.state != "future":
        sprint.start = now
    site.sprints[sprint.id] = sprint
    return JSONResponse({"id": sprint.id}, status_code=201)


async def edit_sprint(request: Request) -> Response:
    state, site = _site(request)
    sprint = site.sprints.get(int(request.path_params["sprint_id"]))
    if sprint is None:
        raise AdminError("unknown sprint", 404)
    body = await _body(request)
    new_state = body.get("state", sprint.state)
    if new_state == "closed" and sprint.state != "closed":
        sprint.complete = state.clock.now()
        for issue in site.issues.values():
            if issue.sprint_id == sprint.id:
                issue.closed_sprint_ids.append(sprint.id)
                issue.sprint_id = None
    if new_state == "active" and sprint.start is None:
        sprint.start = state.clock.now()
    sprint.state = new_state
    sprint.name = body.get("name", sprint.name)
    return JSONResponse({"id": sprint.id, "state": sprint.state})


async def screens(request: Request) -> Response:
    """Put fields on (or take them off) a project's edit screen for one issue type."""
    _state, site = _site(request)
    project = site.project(request.path_params["project"])
    if project is None:
        raise AdminError("unknown project", 404)
    body = await _body(request)
    type_id = _lookup(ISSUE_TYPES, body.get("issueType", "Story"), "issue type")
    screen = project.edit_screens.setdefault(type_id, set())
    screen.update(body.get("add") or [])
    screen.difference_update(body.get("remove") or [])
    return JSONResponse({"fields": sorted(screen)})


def _guard(handler: Any) -> Any:
    async def endpoint(request: Request) -> Response:
        try:
            return await handler(request)  # type: ignore[no-any-return]
        except AdminError as exc:
            return JSONResponse({"error": str(exc)}, status_code=exc.status)
        except (ValueError, TypeError) as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)

    return endpoint


P = "/sites/{cloud_id}"
ROUTES = [
    Route(f"{P}/issues", _guard(create), methods=["POST"]),
    Route(f"{P}/issues/bulk", _guard(bulk_create), methods=["POST"]),
    Route(f"{P}/issues/{{key}}", _guard(edit), methods=["PATCH"]),
    Route(f"{P}/issues/{{key}}", _guard(remove), methods=["DELETE"]),
    Route(f"{P}/issues/{{key}}/move", _guard(move), methods=["POST"]),
    Route(f"{P}/sprints", _guard(add_sprint), methods=["POST"]),
    Route(f"{P}/sprints/{{sprint_id:int}}", _guard(edit_sprint), methods=["PATCH"]),
    Route(f"{P}/projects/{{project}}/screens", _guard(screens), methods=["POST"]),
]
