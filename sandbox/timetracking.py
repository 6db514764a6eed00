"""Time tracking: Jira durations ("1w 2d 3h 30m", 8-hour days, 5-day weeks) and the
`timetracking` field (stored as `timeoriginalestimate` / `timeestimate` seconds)."""

from __future__ import annotations

import re
from typing import Any

from sandbox.store import FieldDef, Issue, Site

MINUTE, HOUR = 60, 3600
DAY = 8 * HOUR  # Jira's default working day
WEEK = 5 * DAY  # and working week
UNITS = {"w": WEEK, "d": DAY, "h": HOUR, "m": MINUTE}
ORIGINAL, REMAINING = "timeoriginalestimate", "timeestimate"
TIME_FIELDS = {ORIGINAL, REMAINING}
_PART = re.compile(r"(\d+(?:\.\d+)?)\s*([wdhm])")
INVALID = {
    "originalEstimate": "The original estimate specified is not valid.",
    "remainingEstimate": "The remaining estimate specified is not valid.",
}
FIELDS = [
    FieldDef("timetracking", "Time tracking",
             {"type": "timetracking", "system": "timetracking"}, custom=False),
    FieldDef(ORIGINAL, "Original estimate",
             {"type": "number", "system": "timeoriginalestimate"}, custom=False),
    FieldDef(REMAINING, "Remaining Estimate",
             {"type": "number", "system": "timeestimate"}, custom=False),
]  # fmt: skip


class DurationError(ValueError):
    pass


def parse_duration(text: Any) -> int:
    """Seconds of "3h", "1d 2h", "90m", "1.5h" or a bare number of minutes."""
    if isinstance(text, bool):
        raise DurationError(text)
    if isinstance(text, int | float):
        return round(float(text) * MINUTE)
    raw = str(text).strip().lower()
    if re.fullmatch(r"\d+(?:\.\d+)?", raw):
        return round(float(raw) * MINUTE)
    if not raw or _PART.sub("", raw).strip():
        raise DurationError(text)
    return round(sum(float(n) * UNITS[unit] for n, unit in _PART.findall(raw)))


def format_duration(seconds: int) -> str:
    """Jira's short form: 36000 → "1d 2h", 5400 → "1h 30m", 0 → "0m"."""
    parts, rest = [], int(seconds)
    for unit, size in UNITS.items():
        count, rest = divmod(rest, size)
        if count:
            parts.append(f"{count}{unit}")
    return " ".join(parts) or "0m"


def timetracking_json(issue: Issue) -> dict[str, Any]:
    body: dict[str, Any] = {}
    for name, field_id in (("originalEstimate", ORIGINAL), ("remainingEstimate", REMAINING)):
        seconds = issue.custom.get(field_id)
        if seconds is not None:
            body[name] = format_duration(int(seconds))
            body[f"{name}Seconds"] = int(seconds)
    return body


def time_fields(site: Site, issue: Issue) -> dict[str, Any]:
    """What GET issue shows; nothing at all while time tracking is off for the site."""
    if not site.time_tracking:
        return {}
    return {
        "timetracking": timetracking_json(issue),
        ORIGINAL: issue.custom.get(ORIGINAL),
        REMAINING: issue.custom.get(REMAINING),
    }


def timetracking_changes(issue: Issue, value: Any) -> dict[str, int | None]:
    """`{"originalEstimate"?, "remainingEstimate"?}` → changes of the two stored fields. With
    no work logged in the sandbox, the remaining estimate follows a new original estimate
    unless it is given too."""
    if not isinstance(value, dict) or not value.keys() & INVALID.keys():
        raise DurationError("Specify originalEstimate and/or remainingEstimate.")
    changes: dict[str, int | None] = {}
    for name, field_id in (("originalEstimate", ORIGINAL), ("remainingEstimate", REMAINING)):
        if name not in value:
            continue
        raw = value[name]
        try:
            changes[field_id] = None if raw in {None, ""} else parse_duration(raw)
        except DurationError:
            raise DurationError(INVALID[name]) from None
    if ORIGINAL in changes and REMAINING not in changes:
        changes[REMAINING] = changes[ORIGINAL]
    return changes
