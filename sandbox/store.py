"""In-memory data model of the simulated Atlassian world: sites, accounts and Jira data."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Status:
    id: str
    name: str
    category: str  # new | indeterminate | done


@dataclass(frozen=True)
class IssueType:
    id: str
    name: str
    subtask: bool = False  # a sub-task type: its issues have a `parent`


@dataclass(frozen=True)
class Priority:
    id: str
    name: str


STATUSES = {
    s.id: s
    for s in (
        Status("10000", "To Do", "new"),
        Status("3", "In Progress", "indeterminate"),
        Status("10001", "Done", "done"),
    )
}
ISSUE_TYPES = {
    t.id: t
    for t in (
        IssueType("10001", "Story"),
        IssueType("10002", "Task"),
        IssueType("10004", "Bug"),
        IssueType("10003", "Sub-task", subtask=True),
    )
}
SUBTASK_TYPE_ID = "10003"
PRIORITIES = {
    p.id: p
    for p in (
        Priority("1", "Highest"),
        Priority("2", "High"),
        Priority("3", "Medium"),
        Priority("4", "Low"),
        Priority("5", "Lowest"),
    )
}
CATEGORY_IDS = {"new": 2, "indeterminate": 4, "done": 3}
CATEGORY_NAMES = {"new": "To Do", "indeterminate": "In Progress", "done": "Done"}


def find_by_name(table: dict[str, Any], name_or_id: str) -> Any | None:
    if name_or_id in table:
        return table[name_or_id]
    lowered = str(name_or_id).lower()
    return next((item for item in table.values() if item.name.lower() == lowered), None)


@dataclass
class Seq:
    """An id sequence `next()` draws from; unlike itertools.count its state can be saved."""

    value: int = 1

    def __iter__(self) -> Seq:
        return self

    def __next__(self) -> int:
        current = self.value
        self.value += 1
        return current


@dataclass
class Account:
    account_id: str
    email: str
    display_name: str
    time_zone: str = "Etc/UTC"
    cloud_ids: list[str] = field(default_factory=list)


@dataclass
class FieldOption:
    id: str
    value: str


@dataclass
class FieldDef:
    id: str
    name: str
    schema: dict[str, Any]
    custom: bool = True
    options: list[FieldOption] = field(default_factory=list)  # single-select fields

    def option(self, id_or_value: Any, by: str = "id") -> FieldOption | None:
        return next((o for o in self.options if getattr(o, by) == id_or_value), None)

    @property
    def is_number(self) -> bool:
        return self.schema.get("type") == "number"


@dataclass
class Project:
    id: str
    key: str
    name: str
    simplified: bool  # team-managed
    estimation_field_id: str
    # issue type id -> field ids on the edit screen
    edit_screens: dict[str, set[str]] = field(default_factory=dict)


@dataclass
class Board:
    id: int
    name: str
    type: str  # scrum | kanban | simple
    project_key: str
    estimation_field_id: str | None


@dataclass
class Sprint:
    id: int
    name: str
    state: str  # future | active | closed
    origin_board_id: int
    goal: str = ""
    created: datetime | None = None
    start: datetime | None = None
    end: datetime | None = None
    complete: datetime | None = None


@dataclass
class Comment:
    id: str
    author_id: str
    body: dict[str, Any]
    created: datetime


@dataclass
class Issue:
    id: int
    key: str
    project_key: str
    summary: str
    description: dict[str, Any] | None
    status_id: str
    issuetype_id: str
    priority_id: str | None
    assignee_id: str | None
    reporter_id: str | None
    rank: str
    created: datetime
    updated: datetime
    sprint_id: int | None = None
    closed_sprint_ids: list[int] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    custom: dict[str, Any] = field(default_factory=dict)
    comments: list[Comment] = field(default_factory=list)
    history: list[dict[str, Any]] = field(default_factory=list)
    parent_id: int | None = None  # sub-tasks: the parent issue's id


@dataclass
class Webhook:
    id: int
    client_id: str
    account_id: str
    url: str
    events: list[str]
    jql_filter: str
    matcher: Any = field(metadata={"transient": True})  # jql.Query of jql_filter
    field_ids_filter: list[str] | None
    expires_at: datetime


@dataclass
class Filter:
    """A saved filter (shared with everyone on the site in the sandbox)."""

    id: int
    name: str
    jql: str
    owner_id: str
    description: str = ""


@dataclass
class Site:
    """One Jira Cloud site (tenant): its own ids, fields and data."""

    cloud_id: str
    name: str
    url: str
    fields: dict[str, FieldDef] = field(default_factory=dict)
    sprint_field_id: str = "customfield_10020"
    rank_field_id: str = "customfield_10019"
    time_tracking: bool = True  # the site-wide "Time tracking" feature (admin switch)
    # Which sprint/backlog issue-list family the site serves (RFC-127; admin switches)
    agile_issue_lists: bool = True  # /rest/agile/1.0, offset paged
    software_issue_lists: bool = True  # /rest/software/1.0, token paged, eventually consistent
    projects: dict[str, Project] = field(default_factory=dict)
    boards: dict[int, Board] = field(default_factory=dict)
    sprints: dict[int, Sprint] = field(default_factory=dict)
    issues: dict[int, Issue] = field(default_factory=dict)
    moved_keys: dict[str, int] = field(default_factory=dict)
    webhooks: dict[int, Webhook] = field(default_factory=dict)
    filters: dict[int, Filter] = field(default_factory=dict)
    # issue id -> (what search still sees, until when); see consistency.py
    stale: dict[int, tuple[Issue | None, datetime]] = field(
        default_factory=dict, metadata={"transient": True}
    )
    project_counters: dict[str, Seq] = field(default_factory=dict)
    ids: Seq = field(default_factory=lambda: Seq(10000))
    board_ids: Seq = field(default_factory=lambda: Seq(1))
    sprint_ids: Seq = field(default_factory=lambda: Seq(1))
    webhook_ids: Seq = field(default_factory=lambda: Seq(1000))
    comment_ids: Seq = field(default_factory=lambda: Seq(10000))
    rank_counter: Seq = field(default_factory=lambda: Seq(100))
    filter_ids: Seq = field(default_factory=lambda: Seq(10100))

    def issue(self, id_or_key: str) -> Issue | None:
        if id_or_key.isdigit():
            return self.issues.get(int(id_or_key))
        key = id_or_key.upper()
        found = next((i for i in self.issues.values() if i.key == key), None)
        if found is None and key in self.moved_keys:
            return self.issues.get(self.moved_keys[key])
        return found

    def project(self, key_or_id: str) -> Project | None:
        if key_or_id.upper() in self.projects:
            return self.projects[key_or_id.upper()]
        return next((p for p in self.projects.values() if p.id == key_or_id), None)

    def next_key(self, project_key: str) -> str:
        counter = self.project_counters.setdefault(project_key, Seq(1))
        return f"{project_key}-{next(counter)}"

    def next_rank(self) -> str:
        return f"0|i{next(self.rank_counter):06d}:"

    def field_by_name(self, name: str) -> FieldDef | None:
        return next((f for f in self.fields.values() if f.name.lower() == name.lower()), None)

    def subtasks_of(self, issue: Issue) -> list[Issue]:
        return [i for i in self.issues.values() if i.parent_id == issue.id]

    def board_issues(self, board: Board) -> list[Issue]:
        return [i for i in self.issues.values() if i.project_key == board.project_key]


@dataclass
class World:
    """Everything Atlassian knows; one per sandbox app."""

    sites: dict[str, Site] = field(default_factory=dict)
    accounts: dict[str, Account] = field(default_factory=dict)
    current_account_id: str | None = None

    def site(self, cloud_id: str) -> Site | None:
        return self.sites.get(cloud_id)

    def account(self, id_or_email: str) -> Account | None:
        if id_or_email in self.accounts:
            return self.accounts[id_or_email]
        lowered = id_or_email.lower()
        return next((a for a in self.accounts.values() if a.email.lower() == lowered), None)
