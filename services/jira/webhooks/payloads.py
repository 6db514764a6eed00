"""Reading a Jira webhook body: its event, the issue's fields, changelog and timestamps."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from jira_cloud.adf import adf_to_text


@dataclass(frozen=True)
class JiraEvent:
    """A delivery handed to `runtime.hooks.jira_issue_entered` (auto-import, sprint moves)."""

    event: str
    site_url: str
    cloud_ids: list[str]
    payload: dict[str, Any]


def issue_fields(payload: dict[str, Any]) -> dict[str, Any]:
    fields = (payload.get("issue") or {}).get("fields") or {}
    return fields if isinstance(fields, dict) else {}


def jira_issue_id(payload: dict[str, Any]) -> str:
    return str((payload.get("issue") or {}).get("id") or "")


def changelog_items(payload: dict[str, Any]) -> list[Any]:
    items = (payload.get("changelog") or {}).get("items") or []
    return items if isinstance(items, list) else []


def sprint_changes(payload: dict[str, Any]) -> list[dict[str, Any]]:
    """The delivery's changelog items that change the issue's sprint."""
    items = changelog_items(payload)
    return [i for i in items if isinstance(i, dict) and str(i.get("field")).lower() == "sprint"]


def happened_at(payload: dict[str, Any], timestamp_ms: int | None) -> datetime | None:
    """When the change happened in Jira: `fields.updated`, else the body's timestamp."""
    updated = parse_jira_datetime(issue_fields(payload).get("updated"))
    return updated or (datetime.fromtimestamp(timestamp_ms / 1000, UTC) if timestamp_ms else None)


def description_text(value: Any) -> str | None:
    """v2 bodies carry wiki-markup strings (kept as is); v3-style ADF documents become text."""
    if value is None:
        return None
    if isinstance(value, str):
        return value or None
    if isinstance(value, dict):
        return adf_to_text(value) or None
    return None


def same_value(a: Any, b: Any) -> bool:
    """The same number ("5" and "5.0"), or the same option name ("M" for a select field)."""
    try:
        return float(a) == float(b)
    except (TypeError, ValueError):
        return isinstance(a, str) and isinstance(b, str) and a.strip().lower() == b.strip().lower()


def parse_jira_datetime(value: Any) -> datetime | None:
    """Jira's `2026-02-04T14:30:00.000-0300` (also accepts ISO forms with `±hh:mm` or Z)."""
    if not isinstance(value, str) or not value:
        return None
    for parse in (
        lambda v: datetime.strptime(v, "%Y-%m-%dT%H:%M:%S.%f%z"),
        lambda v: datetime.fromisoformat(v.replace("Z", "+00:00")),
    ):
        try:
            parsed = parse(value)
        except ValueError:
            continue
        return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None
