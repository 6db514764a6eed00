"""Typed results of Jira Cloud calls, parsed from Jira's JSON (unknown keys are ignored)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

Json = dict[str, Any]
T = TypeVar("T")


@dataclass(frozen=True)
class OffsetPage(Generic[T]):
    """One page of an offset-paginated listing (startAt/maxResults/total/isLast)."""

    items: list[T]
    start_at: int
    max_results: int
    total: int | None
    is_last: bool

    @property
    def next_start_at(self) -> int | None:
        return None if self.is_last else self.start_at + len(self.items)


@dataclass(frozen=True)
class TokenPage(Generic[T]):
    """One page of a token-paginated listing (nextPageToken/isLast)."""

    items: list[T]
    next_page_token: str | None
    is_last: bool


@dataclass(frozen=True)
class JiraProject:
    id: str
    key: str
    name: str
    team_managed: bool  # `simplified: true` / style "next-gen"

    @classmethod
    def from_json(cls, raw: Json) -> JiraProject:
        team_managed = bool(raw.get("simplified")) or raw.get("style") == "next-gen"
        return cls(
            id=str(raw["id"]), key=raw["key"], name=raw.get("name", ""), team_managed=team_managed
        )


@dataclass(frozen=True)
class JiraBoard:
    id: int
    name: str
    type: str  # scrum | kanban | simple
    project_key: str | None

    @classmethod
    def from_json(cls, raw: Json) -> JiraBoard:
        location = raw.get("location") or {}
        return cls(
            id=int(raw["id"]),
            name=raw.get("name", ""),
            type=raw.get("type", ""),
            project_key=location.get("projectKey"),
        )


@dataclass(frozen=True)
class JiraSprint:
    id: int
    name: str
    state: str  # future | active | closed
    origin_board_id: int | None
    start_date: str | None = None
    end_date: str | None = None
    complete_date: str | None = None
    goal: str | None = None

    @classmethod
    def from_json(cls, raw: Json) -> JiraSprint:
        origin = raw.get("originBoardId")
        return cls(
            id=int(raw["id"]),
            name=raw.get("name", ""),
            state=raw.get("state", ""),
            origin_board_id=int(origin) if origin is not None else None,
            start_date=raw.get("startDate"),
            end_date=raw.get("endDate"),
            complete_date=raw.get("completeDate"),
            goal=raw.get("goal") or None,
        )


@dataclass(frozen=True)
class JiraIssue:
    id: str
    key: str
    summary: str
    status: str | None
    status_category: str | None  # new | indeterminate | done
    issue_type: str | None
    story_points: float | None
    url: str
    description: Any = None  # ADF document or None
    updated: str | None = None
    fields: Json = field(default_factory=dict, repr=False)

    @classmethod
    def from_json(
        cls, raw: Json, site_url: str, story_points_fields: tuple[str, ...] = ()
    ) -> JiraIssue:
        fields = raw.get("fields") or {}
        status = fields.get("status") or {}
        issue_type = fields.get("issuetype") or {}
        return cls(
            id=str(raw["id"]),
            key=raw.get("key", ""),
            summary=fields.get("summary") or "",
            status=status.get("name"),
            status_category=(status.get("statusCategory") or {}).get("key"),
            issue_type=issue_type.get("name"),
            story_points=first_number(fields, story_points_fields),
            url=f"{site_url.rstrip('/')}/browse/{raw.get('key', '')}",
            description=fields.get("description"),
            updated=fields.get("updated"),
            fields=fields,
        )


def first_number(fields: Json, field_ids: tuple[str, ...]) -> float | None:
    """The first numeric value among these fields (sites often carry both story-point fields)."""
    for field_id in field_ids:
        value = fields.get(field_id)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
    return None


@dataclass(frozen=True)
class JiraField:
    id: str
    name: str
    custom: bool
    schema_type: str | None
    schema_custom: str | None  # e.g. com.pyxis.greenhopper.jira:jsw-story-points

    @classmethod
    def from_json(cls, raw: Json) -> JiraField:
        schema = raw.get("schema") or {}
        return cls(
            id=raw["id"],
            name=raw.get("name", ""),
            custom=bool(raw.get("custom")),
            schema_type=schema.get("type"),
            schema_custom=schema.get("custom"),
        )


@dataclass(frozen=True)
class BoardConfiguration:
    id: int
    name: str
    type: str | None
    estimation_type: str | None  # none | issueCount | field (scrum boards only)
    estimation_field_id: str | None
    estimation_field_name: str | None

    @classmethod
    def from_json(cls, raw: Json) -> BoardConfiguration:
        estimation = raw.get("estimation") or {}
        estimation_field = estimation.get("field") or {}
        return cls(
            id=int(raw["id"]),
            name=raw.get("name", ""),
            type=raw.get("type"),
            estimation_type=estimation.get("type"),
            estimation_field_id=estimation_field.get("fieldId"),
            estimation_field_name=estimation_field.get("displayName"),
        )


@dataclass(frozen=True)
class FieldOption:
    """One allowed value of a field: a select's option is `{self, value, id}` (a priority's
    `{id, name}`)."""

    id: str
    value: str

    @classmethod
    def from_json(cls, raw: Json) -> FieldOption:
        return cls(id=str(raw["id"]), value=str(raw.get("value") or raw.get("name") or ""))


@dataclass(frozen=True)
class EditMetaField:
    id: str
    name: str
    schema_type: str | None
    schema_custom: str | None
    operations: tuple[str, ...]
    allowed_values: tuple[FieldOption, ...] = ()  # a select's options (editmeta allowedValues)

    @property
    def settable(self) -> bool:
        return "set" in self.operations


@dataclass(frozen=True)
class EditMeta:
    """The fields this user may edit on one issue (absent fields are not on the edit screen)."""

    fields: dict[str, EditMetaField]

    @classmethod
    def from_json(cls, raw: Json) -> EditMeta:
        parsed = {}
        for field_id, meta in (raw.get("fields") or {}).items():
            schema = meta.get("schema") or {}
            parsed[field_id] = EditMetaField(
                id=field_id,
                name=meta.get("name", field_id),
                schema_type=schema.get("type"),
                schema_custom=schema.get("custom"),
                operations=tuple(meta.get("operations") or ()),
                allowed_values=tuple(
                    FieldOption.from_json(value)
                    for value in meta.get("allowedValues") or ()
                    if isinstance(value, dict) and "id" in value
                ),
            )
        return cls(fields=parsed)


@dataclass(frozen=True)
class Estimation:
    field_id: str | None
    value: Any

    @classmethod
    def from_json(cls, raw: Json) -> Estimation:
        return cls(field_id=raw.get("fieldId"), value=raw.get("value"))


@dataclass(frozen=True)
class JiraComment:
    id: str
    created: str | None
    author_account_id: str | None = None
    body: Any = None  # ADF document

    @classmethod
    def from_json(cls, raw: Json) -> JiraComment:
        author = raw.get("author") or {}
        return cls(
            id=str(raw["id"]),
            created=raw.get("created"),
            author_account_id=author.get("accountId") if isinstance(author, dict) else None,
            body=raw.get("body"),
        )


@dataclass(frozen=True)
class JiraUser:
    account_id: str
    display_name: str | None
    email: str | None

    @classmethod
    def from_json(cls, raw: Json) -> JiraUser:
        return cls(
            account_id=raw["accountId"],
            display_name=raw.get("displayName"),
            email=raw.get("emailAddress"),
        )


@dataclass(frozen=True)
class BulkFetchResult:
    issues: list[JiraIssue]
    errors: list[Json]
