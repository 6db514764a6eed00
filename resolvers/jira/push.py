"""pushEstimateToJira: push an issue's final estimate to its Jira issue now (PREMIUM, members)."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from resolvers.payloads import payload_mutation
from resolvers.permissions import require_premium
from schema.context import Context
from schema.types.issues import JiraIssueLink
from schema.types.jira.push import PushEstimatePayload
from services.jira import push as service
from services.rooms.queries import JIRA_LINK_FIELDS


@strawberry.type
class Mutation:
    @payload_mutation("Push the issue's final estimate to its Jira issue.")
    async def push_estimate_to_jira(
        self, info: Info[Context, None], issue_id: strawberry.ID
    ) -> PushEstimatePayload:
        user = await require_premium(info)
        link = await service.push_on_demand(info.context.runtime, user, str(issue_id))
        row = {name: getattr(link, name) for name in JIRA_LINK_FIELDS}
        return PushEstimatePayload(jira_link=JiraIssueLink.from_row(row))
