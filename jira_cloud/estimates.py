"""Estimates beyond story points, as pure functions over what Jira told us: time tracking's
original estimate (hours written as a Jira duration) and single-select options (by name), and
the candidate fields an issue type's edit screen offers (JIRA_CLOUD.md 2.5-2.7).

Time tracking is the `timetracking` field, set with `{"originalEstimate": "5h"}` and read back
as `originalEstimateSeconds`; `timeoriginalestimate` is never on a screen (2.6)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from jira_cloud.types import EditMeta, EditMetaField, FieldOption

TIME_TRACKING = "timetracking"
KIND_NUMBER = "NUMBER"  # a number field: story points
KIND_TIME_TRACKING = "TIME_TRACKING"  # time tracking's original estimate
KIND_SELECT = "SELECT"  # a single-select field: an option by name


@dataclass(frozen=True)
class EstimateCandidate:
    """A field an estimate can be written to, and the issue types whose edit screen has it."""

    field_id: str
    name: str
    kind: str  # KIND_*
    options: tuple[str, ...]  # a select's option names, in Jira's order
    issue_types: tuple[str, ...]


def hours_duration(hours: float) -> str:
    """Hours as a Jira duration: whole hours "5h", anything else in whole minutes (0.5 ->
    "30m", 1.25 -> "75m"). ValueError for a negative number."""
    if hours < 0:
        raise ValueError("An original estimate cannot be negative.")
    minutes = round(hours * 60)
    return f"{minutes // 60}h" if minutes % 60 == 0 else f"{minutes}m"


def duration_seconds(hours: float) -> int:
    """What Jira stores for `hours_duration(hours)` (originalEstimateSeconds)."""
    return round(hours * 60) * 60


def original_estimate_seconds(fields: Mapping[str, Any]) -> int | None:
    """`timetracking.originalEstimateSeconds` of an issue's fields (None: unset or off)."""
    tracking = fields.get(TIME_TRACKING)
    seconds = tracking.get("originalEstimateSeconds") if isinstance(tracking, dict) else None
    return (
        int(seconds) if isinstance(seconds, int | float) and not isinstance(seconds, bool) else None
    )


def option_id(fields: Mapping[str, Any], field_id: str) -> str | None:
    """The id of the option a select field of an issue holds (GET issue: `{self, value, id}`)."""
    value = fields.get(field_id)
    return str(value["id"]) if isinstance(value, dict) and value.get("id") is not None else None


def option_named(options: Iterable[FieldOption], label: str) -> FieldOption | None:
    """The option named like a card's label: trimmed, case-insensitive."""
    wanted = label.strip().casefold()
    return next((o for o in options if o.value.strip().casefold() == wanted), None)


def kind_of(meta: EditMetaField) -> str | None:
    """What an editable field suits, by its schema: None for anything else."""
    if not meta.settable:
        return None
    if meta.id == TIME_TRACKING or meta.schema_type == "timetracking":
        return KIND_TIME_TRACKING
    if meta.schema_type == "number":
        return KIND_NUMBER
    if meta.schema_type == "option":
        return KIND_SELECT
    return None


def estimate_candidates(per_issue_type: Mapping[str, EditMeta]) -> list[EstimateCandidate]:
    """Every field an estimate could go to, from one editmeta per issue type (name -> meta),
    with the issue types that have it on the edit screen; ordered by kind, then name."""
    found: dict[str, tuple[EditMetaField, str, list[str]]] = {}
    for issue_type, edit_meta in per_issue_type.items():
        for meta in edit_meta.fields.values():
            kind = kind_of(meta)
            if kind is None:
                continue
            entry = found.setdefault(meta.id, (meta, kind, []))
            entry[2].append(issue_type)
    order = {KIND_NUMBER: 0, KIND_TIME_TRACKING: 1, KIND_SELECT: 2}
    candidates = [
        EstimateCandidate(
            field_id=meta.id,
            name=meta.name,
            kind=kind,
            options=tuple(o.value for o in meta.allowed_values) if kind == KIND_SELECT else (),
            issue_types=tuple(sorted(types)),
        )
        for meta, kind, types in found.values()
    ]
    candidates.sort(key=lambda c: (order[c.kind], c.name.lower(), c.field_id))
    return candidates
