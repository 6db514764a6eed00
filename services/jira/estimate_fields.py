"""Which Jira fields can take a room's estimate: the candidates a project's edit screens offer
per issue type (jiraEstimationField.candidates), and the checks setting a mapping makes for
its estimate target before anything is saved (services/jira/mapping.py).

Jira requests of `estimate_candidates` for a project with n issue types (n ≤ MAX_ISSUE_TYPES
looked at): one editmeta per issue type (of its newest issue), and searches for those issues
(their issue type only): the newest SAMPLE_ISSUES issues, then again without the types found
until none is new. Usually 2 searches + n editmeta; at most (n + 1) + n. The sandbox serves no
createmeta, and an issue's editmeta is what JIRA_CLOUD.md 2.5 names for candidate fields; an
issue type without issues is not listed (nothing says whether its screen has the field).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import replace

from core.errors import invalid
from jira_cloud.client import JiraClient
from jira_cloud.estimates import (
    KIND_TIME_TRACKING,
    TIME_TRACKING,
    EstimateCandidate,
    option_named,
)
from jira_cloud.estimates import estimate_candidates as candidates_of
from jira_cloud.types import FieldOption, JiraField
from models.jira import EstimateTarget
from services.jira.browse import checked_project_key, jira_errors
from services.jira.estimate_targets import TIME_TRACKING_FIX
from services.rooms.cards import Card

SAMPLE_ISSUES = 100
MAX_ISSUE_TYPES = 10
MAX_CANDIDATES = 50  # fields listed, the likeliest kinds first
MAX_OPTIONS = 100  # option names listed per select field (Jira's order)
FIELD_INPUT = "input.storyPointsFieldId"
TARGET_INPUT = "input.estimateTarget"


async def estimate_candidates(client: JiraClient, project_key: str) -> list[EstimateCandidate]:
    """Every field an estimate could be written to in the project, with the issue types whose
    edit screen has it (1 + at most MAX_ISSUE_TYPES requests, see the module's docstring)."""
    found = (await _sampled_candidates(client, project_key))[1][:MAX_CANDIDATES]
    return [replace(c, options=c.options[:MAX_OPTIONS]) for c in found]


async def _sampled_candidates(
    client: JiraClient, project_key: str
) -> tuple[tuple[str, ...], list[EstimateCandidate]]:
    """The issue types looked at (none: the project has no issue), and the candidates."""
    key = checked_project_key(project_key)
    async with jira_errors():
        newest = await _issue_per_type(client, key)
        metas = await asyncio.gather(*(client.editmeta(k) for k in newest.values()))
    return tuple(newest), candidates_of(dict(zip(newest, metas, strict=True)))


async def _issue_per_type(client: JiraClient, key: str) -> dict[str, str]:
    """The newest issue of each issue type of the project (type name -> issue key): the newest
    SAMPLE_ISSUES issues, then again leaving out the types found, until a search finds no new
    type (each further search finds at least one) or MAX_ISSUE_TYPES are known."""
    newest: dict[str, str] = {}
    while len(newest) < MAX_ISSUE_TYPES:
        seen = ", ".join(_quoted(name) for name in newest)
        jql = f"project = {key}" + (f" AND issuetype not in ({seen})" if seen else "")
        jql += " ORDER BY created DESC"
        page = await client.search_jql(jql, None, SAMPLE_ISSUES, ["issuetype"])
        found = len(newest)
        for issue in page.items:
            if issue.issue_type and len(newest) < MAX_ISSUE_TYPES:
                newest.setdefault(issue.issue_type, issue.key)
        if len(newest) == found:
            break
    return newest


def _quoted(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


async def check_estimate_target(
    client: JiraClient,
    project_key: str,
    target: EstimateTarget,
    given_field: str | None,
    fields: Sequence[JiraField],
    cards: Sequence[Card] | None,
) -> None:
    """VALIDATION (nothing saved) when the target cannot work for this project and deck:
    a number target with a deck that has no valued card; ORIGINAL_ESTIMATE with another field,
    or time tracking on no edit screen of the project; SELECT_FIELD without a single-select
    field of the site, off every edit screen, or whose options name none of the cards."""
    if target != EstimateTarget.SELECT_FIELD and cards is not None:
        if not any(card.value is not None for card in cards):
            raise invalid(
                "None of the room's cards has a value, so nothing could be pushed to this "
                "target: give the cards values, or pick SELECT_FIELD.",
                TARGET_INPUT,
            )
    if target == EstimateTarget.ORIGINAL_ESTIMATE:
        await _check_time_tracking(client, project_key, given_field)
    elif target == EstimateTarget.SELECT_FIELD:
        await _check_select(client, project_key, given_field, fields, cards)


async def _check_time_tracking(client: JiraClient, project_key: str, given: str | None) -> None:
    if given not in (None, TIME_TRACKING):
        raise invalid(
            "ORIGINAL_ESTIMATE writes time tracking; leave storyPointsFieldId out.", FIELD_INPUT
        )
    sampled, found = await _sampled_candidates(client, project_key)
    if sampled and not [c for c in found if c.kind == KIND_TIME_TRACKING]:
        raise invalid(
            f"Time tracking is not on any edit screen of {project_key}. {TIME_TRACKING_FIX}.",
            TARGET_INPUT,
        )


async def _check_select(
    client: JiraClient,
    project_key: str,
    given: str | None,
    fields: Sequence[JiraField],
    cards: Sequence[Card] | None,
) -> None:
    if given is None:
        raise invalid(
            "SELECT_FIELD needs storyPointsFieldId: the single-select field to set.", FIELD_INPUT
        )
    field = next((f for f in fields if f.id == given), None)
    if field is None:
        raise invalid(f"No field {given} on this Jira site.", FIELD_INPUT)
    if field.schema_type != "option":
        raise invalid(f"{field.name} ({given}) is not a single-select field.", FIELD_INPUT)
    sampled, found = await _sampled_candidates(client, project_key)
    candidate = next((c for c in found if c.field_id == given), None)
    if candidate is None:
        if sampled:
            raise invalid(
                f"{field.name} is not on the edit screen of any issue type of {project_key}: "
                "add it to the project's screens (Project settings → Screens).",
                FIELD_INPUT,
            )
        return
    options = [FieldOption(name, name) for name in candidate.options]
    if cards is not None and not any(option_named(options, c.label) for c in cards):
        listed = ", ".join(candidate.options) or "none"
        raise invalid(
            f"No card of the room's deck is named like an option of {field.name} "
            f"(its options are {listed}).",
            TARGET_INPUT,
        )
