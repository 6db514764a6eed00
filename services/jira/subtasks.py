"""A sub-task's parent, kept with the room issue imported from it.

The link stores the parent's key (`JiraIssueLink.parent_key`), and the room issue's
description opens with one line naming the parent, then a blank line, then the Jira
description:

    Sub-task of PLAT-7: Harden webhook flow

    <the sub-task's own description>

The line is rebuilt from Jira on every import, re-import and webhook update (never parsed back
out of the stored text), so a re-import or a re-parenting replaces it instead of stacking
lines. The parent's summary is cut to PARENT_SUMMARY_MAX characters and the whole description
to the room issue limit (services.rooms.rooms.MAX_DESCRIPTION).
"""

from __future__ import annotations

from typing import Any

from core.text import storable
from jira_cloud.filters import JiraIssueRef, issue_ref
from services.rooms.rooms import MAX_DESCRIPTION

PARENT_SUMMARY_MAX = 255
PARENT_KEY_MAX = 64  # JiraIssueLink.parent_key


def parent_line(parent: JiraIssueRef) -> str:
    """`Sub-task of KEY: summary` (just `Sub-task of KEY` when Jira gave no summary)."""
    summary = " ".join((parent.summary or "").split())[:PARENT_SUMMARY_MAX]
    return f"Sub-task of {parent.key}: {summary}" if summary else f"Sub-task of {parent.key}"


def with_parent(description: str | None, parent: JiraIssueRef | None) -> str | None:
    """The room issue's description: the parent line first (for sub-tasks), within limits."""
    text = description or ""
    if parent is not None:
        text = f"{parent_line(parent)}\n\n{text}" if text else parent_line(parent)
    return storable(text)[:MAX_DESCRIPTION] or None


def parent_key(parent: JiraIssueRef | None) -> str | None:
    return parent.key[:PARENT_KEY_MAX] if parent is not None else None


def webhook_parent(fields: dict[str, Any], changelog_items: list[Any]) -> tuple[bool, Any]:
    """(whether the delivery says what the parent is now, that parent or None).

    Webhook bodies carry every field: `fields.parent` names the parent. A body without it
    says "no parent" only when its changelog re-parented the issue; otherwise it says nothing
    (a trimmed body must not clear a parent we know)."""
    if "parent" in fields:
        return True, issue_ref(fields.get("parent"))
    moved = any(
        isinstance(item, dict)
        and (item.get("fieldId") == "parent" or item.get("field") == "IssueParentAssociation")
        for item in changelog_items
    )
    return moved, None
