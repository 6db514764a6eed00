"""Issue changes shared by the REST API and the admin API: changelog + webhook events."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sandbox.clock import jira_datetime
from sandbox.consistency import remember
from sandbox.seed import add_issue
from sandbox.serialize import adf_to_text, comment_json, user_json
from sandbox.store import ISSUE_TYPES, PRIORITIES, STATUSES, Comment, Issue, Project, Site
from sandbox.timetracking import TIME_FIELDS
from sandbox.webhooks import emit_issue_event

if TYPE_CHECKING:
    from sandbox.state import SandboxState

ATTRIBUTES = {
    "summary": "summary",
    "description": "description",
    "status": "status_id",
    "issuetype": "issuetype_id",
    "priority": "priority_id",
    "assignee": "assignee_id",
    "reporter": "reporter_id",
    "labels": "labels",
    "parent": "parent_id",
}


def _number_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _display(state: SandboxState, site: Site, field_id: str, value: Any) -> str | None:
    if value is None:
        return None
    if field_id == "status":
        return STATUSES[value].name
    if field_id == "issuetype":
        return ISSUE_TYPES[value].name
    if field_id == "priority":
        return PRIORITIES[value].name
    if field_id in {"assignee", "reporter"}:
        account = state.world.accounts.get(value)
        return account.display_name if account else value
    if field_id == "description":
        return adf_to_text(value)
    if field_id == "labels":
        return " ".join(value)
    if field_id == "sprint":
        sprint = site.sprints.get(value)
        return sprint.name if sprint else str(value)
    if field_id == "parent":
        parent = site.issues.get(value)
        return parent.key if parent else str(value)
    option = site.fields[field_id].option(value) if field_id in site.fields else None
    if option is not None:
        return option.value
    return _number_text(value)


def _item(state: SandboxState, site: Site, field_id: str, old: Any, new: Any) -> dict[str, Any]:
    custom = field_id.startswith("customfield_") or field_id == "sprint"
    fid = site.sprint_field_id if field_id == "sprint" else field_id
    name = site.fields[fid].name if fid in site.fields else field_id
    with_ids = field_id in {"status", "issuetype", "priority", "assignee", "reporter", "sprint",
                            "parent", *TIME_FIELDS}  # fmt: skip
    with_ids = with_ids or bool(fid in site.fields and site.fields[fid].options)
    label = name if custom else field_id
    if field_id == "parent":  # Jira records a re-parenting under this name
        label = "IssueParentAssociation"
    return {
        "field": label,
        "fieldtype": "custom" if custom else "jira",
        "fieldId": fid,
        "from": None if not with_ids or old is None else str(old),
        "fromString": _display(state, site, field_id, old),
        "to": None if not with_ids or new is None else str(new),
        "toString": _display(state, site, field_id, new),
    }


def update_issue(
    state: SandboxState,
    site: Site,
    issue: Issue,
    changes: dict[str, Any],
    actor_id: str | None,
    emit: bool = True,
) -> list[dict[str, Any]]:
    """Apply internal values (ids, ADF, numbers); record the changelog; emit issue_updated."""
    items = []
    remember(state, site, issue.id, issue)
    for field_id, new in changes.items():
        if field_id == "sprint":
            old = issue.sprint_id
            issue.sprint_id = new
        elif field_id in ATTRIBUTES:
            old = getattr(issue, ATTRIBUTES[field_id])
            setattr(issue, ATTRIBUTES[field_id], new)
        else:
            old = issue.custom.get(field_id)
            if isinstance(new, int | float) and field_id not in TIME_FIELDS:
                new = float(new)
            issue.custom[field_id] = new
        if old != new:
            items.append(_item(state, site, field_id, old, new))
    if not items:
        return items
    now = state.clock.now()
    issue.updated = now
    author = user_json(site.url, state.world.accounts.get(actor_id or ""))
    history_id = str(10000 + sum(len(i.history) for i in site.issues.values()))
    issue.history.append(
        {"id": history_id, "author": author, "created": jira_datetime(now), "items": items}
    )
    if emit:
        kind = "issue_assigned" if [i for i in items if i["fieldId"] == "assignee"] else None
        emit_issue_event(state, site, "jira:issue_updated", issue, actor_id, items,
                         kind or "issue_generic")  # fmt: skip
    return items


def create_issue(
    state: SandboxState,
    site: Site,
    project: Project,
    actor_id: str | None,
    emit: bool = True,
    **values: Any,
) -> Issue:
    values.setdefault("reporter_id", actor_id)
    issue = add_issue(site, project, now=state.clock.now(), **values)
    remember(state, site, issue.id, None)
    if emit:
        emit_issue_event(state, site, "jira:issue_created", issue, actor_id, None, "issue_created")
    return issue


def delete_issue(state: SandboxState, site: Site, issue: Issue, actor_id: str | None) -> None:
    del site.issues[issue.id]
    emit_issue_event(state, site, "jira:issue_deleted", issue, actor_id, None, "issue_deleted")


def move_issue(
    state: SandboxState, site: Site, issue: Issue, project: Project, actor_id: str | None
) -> list[dict[str, Any]]:
    """Move to another project: the key changes, the id stays, the old key still resolves."""
    old_key, old_project = issue.key, issue.project_key
    site.moved_keys[old_key] = issue.id
    issue.key = site.next_key(project.key)
    issue.project_key = project.key
    items = [
        {"field": "Key", "fieldtype": "jira", "fieldId": "issuekey", "from": None,
         "fromString": old_key, "to": None, "toString": issue.key},
        {"field": "project", "fieldtype": "jira", "fieldId": "project",
         "from": site.projects[old_project].id, "fromString": site.projects[old_project].name,
         "to": project.id, "toString": project.name},
    ]  # fmt: skip
    issue.updated = state.clock.now()
    emit_issue_event(state, site, "jira:issue_updated", issue, actor_id, items, "issue_moved")
    return items


def add_comment(
    state: SandboxState, site: Site, issue: Issue, body: dict[str, Any], actor_id: str
) -> dict[str, Any]:
    comment = Comment(str(next(site.comment_ids)), actor_id, body, state.clock.now())
    issue.comments.append(comment)
    issue.updated = comment.created
    rendered = comment_json(state.world, site, issue, comment)
    emit_issue_event(state, site, "comment_created", issue, actor_id, None, "issue_commented",
                     {"comment": rendered})  # fmt: skip
    emit_issue_event(state, site, "jira:issue_updated", issue, actor_id, [], "issue_commented",
                     {"comment": rendered})  # fmt: skip
    return rendered
