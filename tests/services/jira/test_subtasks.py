"""The parent line of a sub-task's room description, and what a webhook body says of a parent."""

from __future__ import annotations

from jira_cloud.filters import JiraIssueRef
from services.jira.subtasks import parent_key, parent_line, webhook_parent, with_parent
from services.rooms.rooms import MAX_DESCRIPTION

PARENT = JiraIssueRef(id="10006", key="PLAT-7", summary="Harden  webhook\nflow")


def test_the_parent_line_leads_the_description() -> None:
    assert parent_line(PARENT) == "Sub-task of PLAT-7: Harden webhook flow"
    assert with_parent("Steps.", PARENT) == "Sub-task of PLAT-7: Harden webhook flow\n\nSteps."
    assert with_parent(None, PARENT) == "Sub-task of PLAT-7: Harden webhook flow"
    assert with_parent("Steps.", None) == "Steps."
    assert with_parent(None, None) is None and with_parent("", None) is None
    assert parent_line(JiraIssueRef("1", "OPS-6", None)) == "Sub-task of OPS-6"


def test_limits_hold_for_long_summaries_and_descriptions() -> None:
    long_parent = JiraIssueRef("1", "PLAT-7", "x" * 5000)
    assert len(parent_line(long_parent)) == len("Sub-task of PLAT-7: ") + 255
    text = with_parent("y" * MAX_DESCRIPTION, long_parent)
    assert text is not None and len(text) == MAX_DESCRIPTION and text.startswith("Sub-task of")
    assert with_parent("a\x00b", None) == "a\ufffdb"  # storable, like every imported text
    assert parent_key(JiraIssueRef("1", "K" * 100 + "-1", None)) == "K" * 64


def test_a_webhook_body_names_the_parent_or_says_nothing() -> None:
    body = {"parent": {"id": "10008", "key": "PLAT-9", "fields": {"summary": "Polish"}}}
    assert webhook_parent(body, []) == (True, JiraIssueRef("10008", "PLAT-9", "Polish"))
    moved_out = [{"field": "IssueParentAssociation", "fromString": "PLAT-9", "toString": None}]
    assert webhook_parent({"summary": "x"}, moved_out) == (True, None)
    assert webhook_parent({"summary": "x"}, [{"field": "status"}]) == (False, None)
