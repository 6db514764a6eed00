"""The payload of importJiraIssues."""

from __future__ import annotations

import strawberry

from schema.types.common import UserError
from schema.types.issues import Issue


@strawberry.type(description="Imported (or refreshed) issues in the order of the keys given.")
class ImportJiraIssuesPayload:
    issues: list[Issue] = strawberry.field(default_factory=list)
    created: int = 0
    updated: int = 0
    errors: list[UserError] = strawberry.field(
        default_factory=list,
        description="Per key (field issueKeys[i]): VALIDATION, JIRA_NOT_FOUND; or Jira-level.",
    )
