"""importJiraIssues: PREMIUM and room membership (non-members get a top-level FORBIDDEN)."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from resolvers.payloads import payload_mutation
from resolvers.permissions import require_premium
from schema.context import Context
from schema.types.common import UserError
from schema.types.issues import Issue
from schema.types.jira.importing import ImportJiraIssuesPayload
from services.jira import importing as jira_import


@strawberry.type
class Mutation:
    @payload_mutation("Import up to 100 Jira issues into the room by key; a re-import updates.")
    async def import_jira_issues(
        self, info: Info[Context, None], room_id: strawberry.ID, issue_keys: list[str]
    ) -> ImportJiraIssuesPayload:
        user = await require_premium(info)
        runtime = info.context.runtime
        result = await jira_import.import_issues(
            runtime, user, str(room_id), issue_keys, runtime.bus
        )
        return ImportJiraIssuesPayload(
            issues=[Issue.from_row(row, result.links.get(row["id"])) for row in result.issues],
            created=result.created,
            updated=result.updated,
            errors=[UserError.from_service_error(error) for error in result.errors],
        )
