"""Where a room's final estimate goes in Jira (RoomJiraMapping.estimate_target), and how it is
written there by the push job (services/jira/push.py keeps the claim, the comment and the
outcome; story points stay in push.py).

- STORY_POINTS: the final card's value into a number field (push.py).
- ORIGINAL_ESTIMATE: the card's value as hours into time tracking's original estimate
  (`{"fields": {"timetracking": {"originalEstimate": "5h"}}}`; fractional hours in minutes),
  read back as `timetracking.originalEstimateSeconds`. Requests: GET issue; when it differs,
  editmeta (is time tracking on the screen?), PUT, GET issue.
- SELECT_FIELD: the option of the mapping's single-select field (story_points_field_id) named
  like the final card's label (trimmed, case-insensitive), `{"fields": {id: {"id": option}}}`.
  Requests: editmeta (its allowedValues), GET issue; when it differs, PUT, GET issue.

Each writer reads Jira's value first and writes only when it differs, so a retried push
writes nothing twice.
"""

from __future__ import annotations

from collections.abc import Sequence

from jira_cloud import errors as jira
from jira_cloud.client import JiraClient
from jira_cloud.estimates import (
    TIME_TRACKING,
    duration_seconds,
    hours_duration,
    option_id,
    option_named,
    original_estimate_seconds,
)
from models.jira import EstimatePushStatus, EstimateTarget
from services.rooms.cards import Card, card_for, label_value

TIME_TRACKING_FIX = (
    "Turn on time tracking in Jira (Settings → Issues → Time tracking) and add Time tracking "
    "to the project's edit screen"
)


class PushFailed(Exception):
    """A permanent failure: the link ends in `status` with `message` for the user."""

    def __init__(self, message: str, status: EstimatePushStatus = EstimatePushStatus.FAILED):
        super().__init__(message)
        self.message = message
        self.status = status


class TimeTrackingUnavailable(PushFailed):
    """Time tracking is off for the site, or not on this issue type's edit screen."""

    def __init__(self, duration: str) -> None:
        super().__init__(
            f"Jira cannot take the original estimate {duration}: time tracking is off or not "
            f"on this issue's edit screen. {TIME_TRACKING_FIX}."
        )


class NoMatchingOption(PushFailed):
    """No option of the select field is named like the final card."""

    def __init__(self, field_name: str, label: str, options: Sequence[str]) -> None:
        listed = ", ".join(options) or "none"
        super().__init__(f"No option of {field_name} is named '{label}'; its options are {listed}.")


def estimate_value(estimate: str, cards: Sequence[Card]) -> float | int:
    """The final card's value, the number a story-points field takes (a T-shirt deck's "M" may
    be 3), or PushFailed(NOT_PUSHED) saying why: a card without a value is never pushed. A
    card no longer in the deck is read as the number its label says."""
    card = card_for(cards, estimate)
    value = card.value if card is not None else label_value(estimate.strip())
    if value is None:
        raise PushFailed(
            f"The card '{estimate}' has no value; nothing was pushed to Jira.",
            EstimatePushStatus.NOT_PUSHED,
        )
    return int(value) if float(value).is_integer() else value


def card_label(estimate: str, cards: Sequence[Card]) -> str:
    """The final card's label (what a select option is matched against)."""
    card = card_for(cards, estimate)
    return card.label if card is not None else estimate.strip()


def target_of(value: object) -> EstimateTarget:
    return EstimateTarget(value) if value else EstimateTarget.STORY_POINTS


async def write_original_estimate(client: JiraClient, key: str, hours: float) -> str:
    """Set the original estimate to `hours` unless Jira holds it; returns the duration."""
    try:
        duration, seconds = hours_duration(hours), duration_seconds(hours)
    except ValueError as error:
        raise PushFailed(str(error)) from None
    if await _seconds(client, key) == seconds:
        return duration
    if TIME_TRACKING not in (await client.editmeta(key)).fields:
        raise TimeTrackingUnavailable(duration)
    try:
        await client.edit_issue(key, {TIME_TRACKING: {"originalEstimate": duration}})
    except jira.FieldNotEditable:
        raise TimeTrackingUnavailable(duration) from None
    if await _seconds(client, key) != seconds:
        raise PushFailed(f"Jira did not keep the original estimate {duration}.")
    return duration


async def _seconds(client: JiraClient, key: str) -> int | None:
    issue = await client.get_issue(key, fields=[TIME_TRACKING])
    return original_estimate_seconds(issue.fields)


async def write_select_option(client: JiraClient, key: str, field_id: str, label: str) -> str:
    """Set the option named `label` unless Jira holds it; returns "<field name> <option>"."""
    meta = (await client.editmeta(key)).fields.get(field_id)
    if meta is None:
        raise PushFailed(
            f"The field {field_id} is not on this issue's edit screen in Jira; add it to the "
            "project's edit screen (Project settings → Screens)."
        )
    option = option_named(meta.allowed_values, label)
    if option is None:
        raise NoMatchingOption(meta.name, label, [o.value for o in meta.allowed_values])
    if await _option(client, key, field_id) != option.id:
        await client.edit_issue(key, {field_id: {"id": option.id}})
        if await _option(client, key, field_id) != option.id:
            raise PushFailed(f"Jira did not keep the option {option.value} of {meta.name}.")
    return f"{meta.name} {option.value}"


async def _option(client: JiraClient, key: str, field_id: str) -> str | None:
    return option_id((await client.get_issue(key, fields=[field_id])).fields, field_id)
