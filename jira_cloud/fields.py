"""Story-points field detection, as pure functions over what Jira told us.

Order of trust (JIRA_CLOUD.md 2.5): the board configuration's estimation field, then the
fields on an issue's edit screen (editmeta) matched by name or type, then the site's field
list by name. Field IDs differ per site: never hard-code them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from jira_cloud.types import BoardConfiguration, EditMeta, JiraField

TEAM_MANAGED_NAME = "Story point estimate"
COMPANY_MANAGED_NAME = "Story Points"
JSW_STORY_POINTS_TYPE = "com.pyxis.greenhopper.jira:jsw-story-points"

SOURCE_BOARD = "BOARD_CONFIGURATION"
SOURCE_EDITMETA = "EDITMETA"
SOURCE_FIELDS = "FIELD_NAME"


@dataclass(frozen=True)
class EstimationFieldChoice:
    field_id: str | None
    field_name: str | None
    source: str | None  # SOURCE_* or None when nothing was found
    editable: bool | None  # None: no issue to check the edit screen against
    hint: str | None


def is_story_points(name: str, schema_custom: str | None) -> bool:
    lowered = name.strip().lower()
    named = lowered in (TEAM_MANAGED_NAME.lower(), COMPANY_MANAGED_NAME.lower())
    return named or schema_custom == JSW_STORY_POINTS_TYPE


def preferred_names(team_managed: bool | None) -> tuple[str, str]:
    """The name each project style uses first (sites often carry both fields)."""
    if team_managed is False:
        return (COMPANY_MANAGED_NAME, TEAM_MANAGED_NAME)
    return (TEAM_MANAGED_NAME, COMPANY_MANAGED_NAME)


def _rank(name: str, team_managed: bool | None) -> int:
    lowered = name.strip().lower()
    for position, preferred in enumerate(preferred_names(team_managed)):
        if lowered == preferred.lower():
            return position
    return 2


def story_points_field_ids(
    fields: Iterable[JiraField], team_managed: bool | None = None
) -> tuple[str, ...]:
    """Every story-points-like field of a site, the likeliest first."""
    matches = [f for f in fields if is_story_points(f.name, f.schema_custom)]
    matches.sort(key=lambda f: (_rank(f.name, team_managed), f.id))
    return tuple(f.id for f in matches)


def choose_estimation_field(
    *,
    board_config: BoardConfiguration | None,
    edit_meta: EditMeta | None,
    fields: Iterable[JiraField],
    team_managed: bool | None,
) -> EstimationFieldChoice:
    field_list = list(fields)
    if (
        board_config
        and board_config.estimation_type == "field"
        and board_config.estimation_field_id
    ):
        field_id = board_config.estimation_field_id
        name = board_config.estimation_field_name or _name_of(field_id, field_list)
        return _choice(field_id, name, SOURCE_BOARD, edit_meta, team_managed)
    if edit_meta is not None:
        on_screen = [
            m for m in edit_meta.fields.values() if is_story_points(m.name, m.schema_custom)
        ]
        if on_screen:
            best = min(on_screen, key=lambda m: (_rank(m.name, team_managed), m.id))
            return _choice(best.id, best.name, SOURCE_EDITMETA, edit_meta, team_managed)
    by_name = story_points_field_ids(field_list, team_managed)
    if by_name:
        name = _name_of(by_name[0], field_list)
        return _choice(by_name[0], name, SOURCE_FIELDS, edit_meta, team_managed)
    return EstimationFieldChoice(None, None, None, False, missing_field_hint(team_managed))


def _choice(
    field_id: str,
    name: str | None,
    source: str,
    edit_meta: EditMeta | None,
    team_managed: bool | None,
) -> EstimationFieldChoice:
    editable = None if edit_meta is None else _settable(edit_meta, field_id)
    hint = None if editable else not_editable_hint(field_id, name, team_managed, editable)
    return EstimationFieldChoice(field_id, name, source, editable, hint)


def _settable(edit_meta: EditMeta, field_id: str) -> bool:
    meta = edit_meta.fields.get(field_id)
    return meta is not None and meta.settable


def _name_of(field_id: str, fields: list[JiraField]) -> str | None:
    return next((f.name for f in fields if f.id == field_id), None)


def missing_field_hint(team_managed: bool | None) -> str:
    if team_managed:
        return (
            f"No '{TEAM_MANAGED_NAME}' field: in this team-managed project, turn on "
            "Estimation in Project settings > Features."
        )
    return (
        f"No '{COMPANY_MANAGED_NAME}' field found: ask a Jira admin to add the "
        f"'{COMPANY_MANAGED_NAME}' custom field to this project (or pick another field)."
    )


def not_editable_hint(
    field_id: str, name: str | None, team_managed: bool | None, editable: bool | None
) -> str:
    label = f"'{name or field_id}' ({field_id})"
    if editable is None:
        return (
            f"Found {label}, but the project has no issue to check its edit screen against; "
            "create an issue and look again."
        )
    if team_managed:
        return (
            f"{label} cannot be set: in this team-managed project, turn on Estimation in "
            f"Project settings > Features so '{TEAM_MANAGED_NAME}' can be edited."
        )
    return (
        f"{label} cannot be set: in this company-managed project, add the field to the "
        "issue edit screen (Project settings > Screens), or set the board's estimation "
        "statistic to it so estimates can be written through the board."
    )
