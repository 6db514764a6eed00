"""GraphQL types of pushing an estimate to Jira."""

from __future__ import annotations

import strawberry

from schema.types.common import UserError
from schema.types.issues import JiraIssueLink


@strawberry.type(description="The issue's Jira link, its push now PENDING (or errors).")
class PushEstimatePayload:
    jira_link: JiraIssueLink | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)
