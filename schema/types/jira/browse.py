"""GraphQL types of the Jira import dialog: Jira-side projects, boards, sprints and issues."""

from __future__ import annotations

from enum import StrEnum
from typing import Generic, TypeVar

import strawberry

from jira_cloud import types as jira
from jira_cloud.fields import EstimationFieldChoice
from jira_cloud.filters import parent_of
from schema.types.jira.estimates import JiraEstimateCandidate
from schema.types.jira.issue_refs import JiraIssueRef

T = TypeVar("T")


@strawberry.enum(name="JiraSprintState")
class JiraSprintState(StrEnum):
    ACTIVE = "ACTIVE"
    FUTURE = "FUTURE"
    CLOSED = "CLOSED"


@strawberry.type(description="Relay page information.")
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type
class Edge(Generic[T]):
    cursor: str
    node: T


@strawberry.type
class Connection(Generic[T]):
    edges: list[Edge[T]]
    page_info: PageInfo
    total_count: int | None = strawberry.field(
        description="Jira's total when it tells one (JQL searches do not)."
    )


@strawberry.type(description="A Jira project.")
class JiraProject:
    id: str
    key: str
    name: str
    team_managed: bool

    @classmethod
    def from_jira(cls, project: jira.JiraProject) -> JiraProject:
        return cls(
            id=project.id, key=project.key, name=project.name, team_managed=project.team_managed
        )


@strawberry.type(description="A Jira Software board.")
class JiraBoard:
    id: int
    name: str
    type: str = strawberry.field(description="scrum, kanban or simple (kanban: no sprints).")
    project_key: str | None

    @classmethod
    def from_jira(cls, board: jira.JiraBoard) -> JiraBoard:
        return cls(id=board.id, name=board.name, type=board.type, project_key=board.project_key)


@strawberry.type(description="A sprint of a board.")
class JiraSprint:
    id: int
    name: str
    state: JiraSprintState
    origin_board_id: int | None
    start_date: str | None
    end_date: str | None
    complete_date: str | None
    goal: str | None

    @classmethod
    def from_jira(cls, sprint: jira.JiraSprint) -> JiraSprint:
        return cls(
            id=sprint.id,
            name=sprint.name,
            state=JiraSprintState(sprint.state.upper()),
            origin_board_id=sprint.origin_board_id,
            start_date=sprint.start_date,
            end_date=sprint.end_date,
            complete_date=sprint.complete_date,
            goal=sprint.goal,
        )


@strawberry.type(description="A Jira issue in a listing (not yet imported).")
class JiraIssue:
    key: str
    id: str
    summary: str
    status: str | None
    status_category: str | None = strawberry.field(description="new, indeterminate or done.")
    issue_type: str | None
    story_points: float | None
    url: str
    parent: JiraIssueRef | None = strawberry.field(
        default=None, description="A sub-task's parent issue; null for other issues."
    )

    @classmethod
    def from_jira(cls, issue: jira.JiraIssue) -> JiraIssue:
        return cls(
            key=issue.key,
            id=issue.id,
            summary=issue.summary,
            status=issue.status,
            status_category=issue.status_category,
            issue_type=issue.issue_type,
            story_points=issue.story_points,
            url=issue.url,
            parent=JiraIssueRef.from_jira(parent_of(issue)),
        )


@strawberry.type
class JiraProjectConnection(Connection[JiraProject]):
    pass


@strawberry.type
class JiraBoardConnection(Connection[JiraBoard]):
    pass


@strawberry.type
class JiraIssueConnection(Connection[JiraIssue]):
    pass


@strawberry.input(description="Where to list issues from: exactly one of the first four.")
class JiraIssueSourceInput:
    sprint_id: int | None = None
    backlog_board_id: int | None = None
    jql: str | None = strawberry.field(
        default=None, description="Must be bounded (e.g. `project = KEY AND ...`)."
    )
    filter_id: int | None = strawberry.field(
        default=None, description="A saved filter (see jiraFilters): its JQL, in its order."
    )
    cloud_id: str | None = None


@strawberry.type(description="Where a project's story points live, and whether we can write it.")
class JiraEstimationField:
    field_id: str | None
    field_name: str | None
    source: str | None = strawberry.field(
        description="BOARD_CONFIGURATION, EDITMETA or FIELD_NAME; null when none was found."
    )
    editable: bool | None = strawberry.field(
        description="From the edit screen of an issue in the project; null when it has none."
    )
    hint: str | None = strawberry.field(description="How to fix it when not editable.")
    candidates: list[JiraEstimateCandidate] = strawberry.field(
        default_factory=list,
        description="Every field of the project's edit screens an estimate can go to, per issue "
        "type (the editmeta of each type's newest issue: one Jira request per issue type, plus "
        "usually two searches).",
    )

    @classmethod
    def from_choice(cls, choice: EstimationFieldChoice) -> JiraEstimationField:
        return cls(
            field_id=choice.field_id,
            field_name=choice.field_name,
            source=choice.source,
            editable=choice.editable,
            hint=choice.hint,
        )
