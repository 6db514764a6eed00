"""Jira's JSON shapes: issues (v3 and the v2 webhook flavour), users, sprints, boards."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sandbox.clock import agile_datetime, jira_datetime
from sandbox.editmeta import editmeta_json
from sandbox.selectfield import is_select, option_value
from sandbox.store import (
    CATEGORY_IDS,
    CATEGORY_NAMES,
    ISSUE_TYPES,
    PRIORITIES,
    STATUSES,
    Account,
    Board,
    Issue,
    Site,
    Sprint,
    World,
)
from sandbox.timetracking import time_fields

ISSUE_EXPAND = "renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations"


@dataclass
class FieldSelection:
    everything: bool
    include: set[str]
    exclude: set[str]

    def wants(self, field_id: str) -> bool:
        return field_id not in self.exclude and (self.everything or field_id in self.include)

    @property
    def empty(self) -> bool:
        return not self.everything and not (self.include - {"id"})


def parse_fields(raw: Iterable[str] | str | None, default: str) -> FieldSelection:
    """`fields` accepts `*all`, `*navigable`, ids, and `-id` exclusions, comma-joined or not."""
    items = [raw] if isinstance(raw, str) else list(raw or [])
    names = [part.strip() for item in items for part in item.split(",") if part.strip()]
    if not names:
        names = [default]
    include = {n for n in names if not n.startswith("-") and not n.startswith("*")}
    exclude = {n[1:] for n in names if n.startswith("-")}
    everything = any(n in {"*all", "*navigable"} for n in names)
    return FieldSelection(everything, include, exclude)


def avatar_urls(seed: str) -> dict[str, str]:
    base = f"https://avatar-management.example/{seed}"
    return {f"{n}x{n}": f"{base}/{n}.png" for n in (48, 24, 16, 32)}


def user_json(site_url: str, account: Account | None, email: bool = False) -> dict[str, Any] | None:
    if account is None:
        return None
    body: dict[str, Any] = {
        "self": f"{site_url}/rest/api/3/user?accountId={account.account_id}",
        "accountId": account.account_id,
        "accountType": "atlassian",
        "displayName": account.display_name,
        "active": True,
        "timeZone": account.time_zone,
        "avatarUrls": avatar_urls(account.account_id),
    }
    if email:
        body["emailAddress"] = account.email
    return body


def status_json(site_url: str, status_id: str) -> dict[str, Any]:
    status = STATUSES[status_id]
    category = status.category
    return {
        "self": f"{site_url}/rest/api/3/status/{status.id}",
        "id": status.id,
        "name": status.name,
        "description": "",
        "iconUrl": f"{site_url}/images/icons/statuses/generic.png",
        "statusCategory": {
            "self": f"{site_url}/rest/api/3/statuscategory/{CATEGORY_IDS[category]}",
            "id": CATEGORY_IDS[category],
            "key": category,
            "colorName": {"new": "blue-gray", "indeterminate": "yellow", "done": "green"}[category],
            "name": CATEGORY_NAMES[category],
        },
    }


def project_json(site: Site, key: str) -> dict[str, Any]:
    project = site.projects[key]
    return {
        "self": f"{site.url}/rest/api/3/project/{project.id}",
        "id": project.id,
        "key": project.key,
        "name": project.name,
        "projectTypeKey": "software",
        "simplified": project.simplified,
        "style": "next-gen" if project.simplified else "classic",
        "avatarUrls": avatar_urls(f"project-{project.id}"),
    }


def sprint_field_value(sprint: Sprint) -> dict[str, Any]:
    """A sprint as the Sprint custom field holds it: `boardId`, no `self` (unlike the agile
    API's sprint_json)."""
    body: dict[str, Any] = {
        "id": sprint.id,
        "name": sprint.name,
        "state": sprint.state,
        "boardId": sprint.origin_board_id,
        "goal": sprint.goal,
    }
    for name, value in (
        ("startDate", sprint.start),
        ("endDate", sprint.end),
        ("completeDate", sprint.complete),
    ):
        if value is not None:
            body[name] = agile_datetime(value)
    return body


def sprint_json(site: Site, sprint: Sprint) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": sprint.id,
        "self": f"{site.url}/rest/agile/1.0/sprint/{sprint.id}",
        "state": sprint.state,
        "name": sprint.name,
        "originBoardId": sprint.origin_board_id,
        "goal": sprint.goal,
    }
    for name, value in (
        ("startDate", sprint.start),
        ("endDate", sprint.end),
        ("completeDate", sprint.complete),
        ("createdDate", sprint.created),
    ):
        if value is not None:
            body[name] = agile_datetime(value)
    return body


def board_json(site: Site, board: Board) -> dict[str, Any]:
    project = site.projects[board.project_key]
    return {
        "id": board.id,
        "self": f"{site.url}/rest/agile/1.0/board/{board.id}",
        "name": board.name,
        "type": board.type,
        "location": {
            "projectId": int(project.id),
            "projectKey": project.key,
            "projectName": project.name,
            "projectTypeKey": "software",
            "displayName": f"{project.name} ({project.key})",
            "name": f"{project.name} ({project.key})",
            "avatarURI": f"/secure/projectavatar?size=small&pid={project.id}",
        },
        "isPrivate": False,
    }


def all_fields(world: World, site: Site, issue: Issue, version: int = 3) -> dict[str, Any]:
    url = site.url
    sprints = [*issue.closed_sprint_ids, *([issue.sprint_id] if issue.sprint_id else [])]
    fields: dict[str, Any] = {
        "summary": issue.summary,
        "description": issue.description if version == 3 else adf_to_text(issue.description),
        "status": status_json(url, issue.status_id),
        "issuetype": issuetype_json(url, issue.issuetype_id, version),
        "priority": priority_json(url, issue.priority_id, version),
        "assignee": user_json(url, world.accounts.get(issue.assignee_id or "")),
        "reporter": user_json(url, world.accounts.get(issue.reporter_id or "")),
        "project": project_json(site, issue.project_key),
        "labels": list(issue.labels),
        "created": jira_datetime(issue.created),
        "updated": jira_datetime(issue.updated),
        "comment": {
            "comments": [comment_json(world, site, issue, c) for c in issue.comments],
            "maxResults": len(issue.comments),
            "total": len(issue.comments),
            "startAt": 0,
        },
        site.sprint_field_id: [
            sprint_field_value(site.sprints[s]) for s in sprints if s in site.sprints
        ]
        or None,
        site.rank_field_id: issue.rank,
    }
    fields.update(time_fields(site, issue))
    parent = site.issues.get(issue.parent_id or 0)
    if parent is not None:
        fields["parent"] = issue_ref_json(site, parent, version)
    fields["subtasks"] = [issue_ref_json(site, child, version) for child in site.subtasks_of(issue)]
    for field_id in site.fields:
        if field_id.startswith("customfield_") and field_id not in fields:
            definition = site.fields[field_id]
            value = issue.custom.get(field_id)
            fields[field_id] = (
                option_value(site, definition, value) if is_select(definition) else value
            )
    return fields


def issuetype_json(url: str, type_id: str, version: int = 3) -> dict[str, Any]:
    issuetype = ISSUE_TYPES[type_id]
    return {
        "self": f"{url}/rest/api/{version}/issuetype/{issuetype.id}",
        "id": issuetype.id,
        "name": issuetype.name,
        "description": "",
        "iconUrl": f"{url}/images/icons/issuetypes/{issuetype.name.lower()}.svg",
        "subtask": issuetype.subtask,
        "hierarchyLevel": -1 if issuetype.subtask else 0,
    }


def priority_json(url: str, priority_id: str | None, version: int = 3) -> dict[str, Any] | None:
    priority = PRIORITIES.get(priority_id or "")
    if priority is None:
        return None
    return {
        "self": f"{url}/rest/api/{version}/priority/{priority.id}",
        "id": priority.id,
        "name": priority.name,
        "iconUrl": f"{url}/images/icons/priorities/{priority.name.lower()}.svg",
    }


def issue_ref_json(site: Site, issue: Issue, version: int = 3) -> dict[str, Any]:
    """An issue as `fields.parent` and `fields.subtasks[]` show it: id, key and four fields."""
    return {
        "id": str(issue.id),
        "key": issue.key,
        "self": f"{site.url}/rest/api/{version}/issue/{issue.id}",
        "fields": {
            "summary": issue.summary,
            "status": status_json(site.url, issue.status_id),
            "priority": priority_json(site.url, issue.priority_id, version),
            "issuetype": issuetype_json(site.url, issue.issuetype_id, version),
        },
    }


def comment_json(world: World, site: Site, issue: Issue, comment: Any) -> dict[str, Any]:
    author = user_json(site.url, world.accounts.get(comment.author_id))
    return {
        "self": f"{site.url}/rest/api/3/issue/{issue.id}/comment/{comment.id}",
        "id": comment.id,
        "author": author,
        "body": comment.body,
        "updateAuthor": author,
        "created": jira_datetime(comment.created),
        "updated": jira_datetime(comment.created),
        "jsdPublic": True,
    }


def adf_to_text(node: Any) -> str | None:
    if node is None:
        return None
    if isinstance(node, dict):
        if node.get("type") == "text":
            return str(node.get("text", ""))
        parts = [adf_to_text(child) or "" for child in node.get("content", [])]
        joiner = "\n\n" if node.get("type") == "doc" else ""
        return joiner.join(parts)
    return str(node)


def issue_json(
    world: World,
    site: Site,
    issue: Issue,
    selection: FieldSelection,
    expand: set[str] | None = None,
    agile: bool = False,
) -> dict[str, Any]:
    expand = expand or set()
    body: dict[str, Any] = {"expand": ISSUE_EXPAND, "id": str(issue.id)}
    if selection.empty and not expand:
        return {"id": str(issue.id)}
    body["self"] = f"{site.url}/rest/api/3/issue/{issue.id}"
    body["key"] = issue.key
    source = all_fields(world, site, issue)
    fields = {k: v for k, v in source.items() if selection.wants(k)}
    if agile:
        current = site.sprints.get(issue.sprint_id or 0)
        if selection.wants("sprint"):
            fields["sprint"] = sprint_json(site, current) if current else None
        if selection.wants("closedSprints"):
            closed = [site.sprints[s] for s in issue.closed_sprint_ids if s in site.sprints]
            fields["closedSprints"] = [sprint_json(site, s) for s in closed]
        if selection.wants("flagged"):
            fields["flagged"] = False
    body["fields"] = fields
    if "names" in expand:
        body["names"] = {k: site.fields[k].name for k in fields if k in site.fields}
    if "schema" in expand:
        body["schema"] = {k: site.fields[k].schema for k in fields if k in site.fields}
    if "editmeta" in expand:
        body["editmeta"] = editmeta_json(site, issue)
    if "changelog" in expand:
        body["changelog"] = {
            "startAt": 0,
            "maxResults": len(issue.history),
            "total": len(issue.history),
            "histories": issue.history,
        }
    if "renderedfields" in {e.lower() for e in expand}:
        text = adf_to_text(issue.description)
        body["renderedFields"] = {"description": f"<p>{text}</p>" if text else None}
    return body


def webhook_issue_json(world: World, site: Site, issue: Issue) -> dict[str, Any]:
    """The REST v2 representation webhook payloads carry (v2 self links, text description)."""
    return {
        "id": str(issue.id),
        "self": f"{site.url}/rest/api/2/issue/{issue.id}",
        "key": issue.key,
        "fields": all_fields(world, site, issue, version=2),
    }
