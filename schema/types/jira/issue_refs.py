"""Another Jira issue as an issue names it: a sub-task's parent (`JiraIssue.parent`)."""

from __future__ import annotations

import strawberry

from jira_cloud import filters as jira


@strawberry.type(description="Another Jira issue as an issue names it (e.g. a sub-task's parent).")
class JiraIssueRef:
    key: str
    summary: str | None

    @classmethod
    def from_jira(cls, ref: jira.JiraIssueRef | None) -> JiraIssueRef | None:
        return cls(key=ref.key, summary=ref.summary) if ref is not None else None
