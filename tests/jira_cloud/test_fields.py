from jira_cloud.fields import (
    COMPANY_MANAGED_NAME,
    JSW_STORY_POINTS_TYPE,
    SOURCE_BOARD,
    SOURCE_EDITMETA,
    SOURCE_FIELDS,
    TEAM_MANAGED_NAME,
    choose_estimation_field,
    story_points_field_ids,
)
from jira_cloud.types import BoardConfiguration, EditMeta, EditMetaField, JiraField

FLOAT = "com.atlassian.jira.plugin.system.customfieldtypes:float"
SPE = JiraField("customfield_10016", TEAM_MANAGED_NAME, True, "number", JSW_STORY_POINTS_TYPE)
SP = JiraField("customfield_10026", COMPANY_MANAGED_NAME, True, "number", FLOAT)
SUMMARY = JiraField("summary", "Summary", False, "string", None)
FIELDS = [SUMMARY, SP, SPE]


def meta(*fields: JiraField, settable: bool = True) -> EditMeta:
    ops = ("set",) if settable else ()
    return EditMeta(
        {f.id: EditMetaField(f.id, f.name, f.schema_type, f.schema_custom, ops) for f in fields}
    )


def board(field_id: str | None, kind: str = "field") -> BoardConfiguration:
    return BoardConfiguration(1, "b", "scrum", kind, field_id, "Board's name" if field_id else None)


def test_story_points_field_ids_orders_by_project_style() -> None:
    assert story_points_field_ids(FIELDS, team_managed=True) == (SPE.id, SP.id)
    assert story_points_field_ids(FIELDS, team_managed=False) == (SP.id, SPE.id)
    renamed = JiraField("customfield_1", "Punkte", True, "number", JSW_STORY_POINTS_TYPE)
    assert story_points_field_ids([SUMMARY, renamed]) == ("customfield_1",)
    assert story_points_field_ids([SUMMARY]) == ()


def test_board_configuration_wins_and_editable_comes_from_editmeta() -> None:
    choice = choose_estimation_field(
        board_config=board(SP.id), edit_meta=meta(SUMMARY, SP), fields=FIELDS, team_managed=False
    )
    assert (choice.field_id, choice.field_name, choice.source) == (
        SP.id,
        "Board's name",
        SOURCE_BOARD,
    )
    assert choice.editable is True and choice.hint is None


def test_company_managed_field_off_screen_gets_the_screen_hint() -> None:
    choice = choose_estimation_field(
        board_config=board(None, "none"), edit_meta=meta(SUMMARY), fields=FIELDS, team_managed=False
    )
    assert (choice.field_id, choice.source, choice.editable) == (SP.id, SOURCE_FIELDS, False)
    assert "edit screen" in choice.hint and "company-managed" in choice.hint


def test_team_managed_prefers_story_point_estimate_from_editmeta() -> None:
    choice = choose_estimation_field(
        board_config=None, edit_meta=meta(SUMMARY, SP, SPE), fields=FIELDS, team_managed=True
    )
    assert (choice.field_id, choice.field_name, choice.source) == (
        SPE.id,
        TEAM_MANAGED_NAME,
        SOURCE_EDITMETA,
    )
    assert choice.editable is True


def test_team_managed_without_settable_field_says_turn_on_estimation() -> None:
    choice = choose_estimation_field(
        board_config=None, edit_meta=meta(SPE, settable=False), fields=FIELDS, team_managed=True
    )
    assert choice.editable is False
    assert "team-managed" in choice.hint and "Estimation" in choice.hint


def test_no_issue_to_check_leaves_editable_unknown() -> None:
    choice = choose_estimation_field(
        board_config=None, edit_meta=None, fields=FIELDS, team_managed=None
    )
    assert choice.field_id == SPE.id and choice.editable is None and "no issue" in choice.hint


def test_nothing_found() -> None:
    company = choose_estimation_field(
        board_config=None, edit_meta=meta(SUMMARY), fields=[SUMMARY], team_managed=False
    )
    assert company.field_id is None and company.source is None and company.editable is False
    assert COMPANY_MANAGED_NAME in company.hint
    team = choose_estimation_field(board_config=None, edit_meta=None, fields=[], team_managed=True)
    assert TEAM_MANAGED_NAME in team.hint
