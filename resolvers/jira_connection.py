"""jiraConnection, startJiraConnect, completeJiraConnect, selectJiraSite, disconnectJira."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from core.errors import ServiceError
from models.integrations import JiraConnection as JiraConnectionModel
from resolvers.permissions import require_premium
from schema.context import Context
from schema.types.common import UserError
from schema.types.jira_connection import (
    DisconnectJiraPayload,
    JiraConnection,
    JiraConnectionPayload,
    StartJiraConnectPayload,
)
from services import jira_connection as service


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
    @strawberry.mutation(description="Start the Atlassian consent: returns the authorize URL.")
    async def start_jira_connect(
        self, info: Info[Context, None], return_to: str | None = None
    ) -> StartJiraConnectPayload:
        user = await require_premium(info)
        try:
            url = await service.start_connect(info.context.runtime, user, return_to)
        except ServiceError as error:
            return StartJiraConnectPayload(errors=[UserError.from_service_error(error)])
        return StartJiraConnectPayload(authorize_url=url)

    @strawberry.mutation(description="Finish the consent when the frontend handles the redirect.")
    async def complete_jira_connect(
        self, info: Info[Context, None], code: str, state: str
    ) -> JiraConnectionPayload:
        user = await require_premium(info)
        try:
            result = await service.complete_connect(info.context.runtime, code, state, user)
        except ServiceError as error:
            return JiraConnectionPayload(errors=[UserError.from_service_error(error)])
        return JiraConnectionPayload(
            connection=await _present(result.connection), return_to=result.return_to
        )

    @strawberry.mutation(description="Choose which of the connection's sites is used.")
    async def select_jira_site(
        self, info: Info[Context, None], cloud_id: str
    ) -> JiraConnectionPayload:
        user = await require_premium(info)
        try:
            connection = await service.select_site(user, cloud_id)
        except ServiceError as error:
            return JiraConnectionPayload(errors=[UserError.from_service_error(error)])
        return JiraConnectionPayload(connection=await _present(connection))

    @strawberry.mutation(description="Delete the Jira tokens and connection; imports stay.")
    async def disconnect_jira(self, info: Info[Context, None]) -> DisconnectJiraPayload:
        user = await require_premium(info)
        try:
            disconnected = await service.disconnect(info.context.runtime, user)
        except ServiceError as error:
            return DisconnectJiraPayload(errors=[UserError.from_service_error(error)])
        return DisconnectJiraPayload(disconnected=disconnected)
