"""jiraConnection, startJiraConnect, completeJiraConnect, selectJiraSite, disconnectJira."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from models.jira import JiraConnection as JiraConnectionModel
from resolvers.payloads import payload_mutation
from resolvers.permissions import require_premium
from schema.context import Context
from schema.types.jira.connection import (
    DisconnectJiraPayload,
    JiraConnection,
    JiraConnectionPayload,
    StartJiraConnectPayload,
)
from services.jira import connection as service
from services.jira.webhooks import reconcile


async def _present(connection: JiraConnectionModel) -> JiraConnection:
    fresh = await JiraConnectionModel.get(id=connection.id)
    return JiraConnection.from_model(fresh, await service.list_sites(connection.id))


@strawberry.type
class Query:
    @strawberry.field(description="Your Jira Cloud connection, or null when not connected.")
    async def jira_connection(self, info: Info[Context, None]) -> JiraConnection | None:
        user = await require_premium(info)
        connection = await service.get_connection(user)
        return await _present(connection) if connection else None


@strawberry.type
class Mutation:
    @payload_mutation("Start the Atlassian consent: returns the authorize URL.")
    async def start_jira_connect(
        self, info: Info[Context, None], return_to: str | None = None
    ) -> StartJiraConnectPayload:
        user = await require_premium(info)
        url = await service.start_connect(info.context.runtime, user, return_to)
        return StartJiraConnectPayload(authorize_url=url)

    @payload_mutation(
        "Finish the consent with the `code` and `state` the callback handed to the app; only "
        "the user who started it may (another user's state is refused and used up)."
    )
    async def complete_jira_connect(
        self, info: Info[Context, None], code: str, state: str
    ) -> JiraConnectionPayload:
        user = await require_premium(info)
        result = await service.complete_connect(info.context.runtime, code, state, user)
        # A reconnect: webhooks may have gone (or expired) while the grant needed consent.
        await reconcile.after_reconnect(info.context.runtime, result.connection)
        return JiraConnectionPayload(
            connection=await _present(result.connection), return_to=result.return_to
        )

    @payload_mutation("Choose which of the connection's sites is used.")
    async def select_jira_site(
        self, info: Info[Context, None], cloud_id: str
    ) -> JiraConnectionPayload:
        user = await require_premium(info)
        connection = await service.select_site(user, cloud_id)
        return JiraConnectionPayload(connection=await _present(connection))

    @payload_mutation("Delete the Jira tokens and connection; imports stay.")
    async def disconnect_jira(self, info: Info[Context, None]) -> DisconnectJiraPayload:
        user = await require_premium(info)
        disconnected = await service.disconnect(info.context.runtime, user)
        return DisconnectJiraPayload(disconnected=disconnected)
