"""GraphQL types of the Jira connection settings page."""

from __future__ import annotations

from datetime import datetime

import strawberry

from models.jira import JiraConnection as JiraConnectionModel
from models.jira import JiraConnectionStatus as JiraConnectionStatusEnum
from models.jira import JiraSite as JiraSiteModel
from schema.types.common import UserError
from services.jira.tokens import GRANT_LIFETIME

JiraConnectionStatus = strawberry.enum(JiraConnectionStatusEnum, name="JiraConnectionStatus")


@strawberry.type(description="A Jira Cloud site (cloudId) the connection can reach.")
class JiraSite:
    cloud_id: str
    url: str
    name: str
    avatar_url: str | None
    scopes: list[str]

    @classmethod
    def from_model(cls, site: JiraSiteModel) -> JiraSite:
        return cls(
            cloud_id=site.cloud_id,
            url=site.url,
            name=site.name,
            avatar_url=site.avatar_url,
            scopes=list(site.scopes or []),
        )


@strawberry.type(description="The signed-in user's Jira Cloud connection (never its tokens).")
class JiraConnection:
    id: strawberry.ID
    status: JiraConnectionStatus
    site: JiraSite | None = strawberry.field(description="The selected site.")
    sites: list[JiraSite]
    account_id: str | None
    account_email: str | None
    scopes: list[str]
    connected_at: datetime
    expires_at: datetime = strawberry.field(description="When the current access token expires.")
    last_refreshed_at: datetime
    last_used_at: datetime | None
    needs_reauth_reason: str | None
    reconnect_by: datetime = strawberry.field(
        description="Atlassian ends every grant 365 days after it began, however often it is "
        "refreshed: reconnect before this to keep syncing (reconnecting starts a new year)."
    )

    @classmethod
    def from_model(
        cls, connection: JiraConnectionModel, sites: list[JiraSiteModel]
    ) -> JiraConnection:
        selected = next((site for site in sites if site.selected), None)
        return cls(
            id=strawberry.ID(str(connection.id)),
            status=connection.status,
            site=JiraSite.from_model(selected) if selected else None,
            sites=[JiraSite.from_model(site) for site in sites],
            account_id=connection.account_id,
            account_email=connection.account_email,
            scopes=list(connection.scopes or []),
            connected_at=connection.connected_at,
            expires_at=connection.access_expires_at,
            last_refreshed_at=connection.last_refreshed_at,
            last_used_at=connection.last_used_at,
            needs_reauth_reason=connection.needs_reauth_reason,
            reconnect_by=connection.refresh_family_started_at + GRANT_LIFETIME,
        )


@strawberry.type
class StartJiraConnectPayload:
    authorize_url: str | None = strawberry.field(
        default=None, description="Send the browser here (Atlassian consent)."
    )
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class JiraConnectionPayload:
    connection: JiraConnection | None = None
    return_to: str | None = strawberry.field(
        default=None, description="Where the app asked to return after connecting, if anywhere."
    )
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class DisconnectJiraPayload:
    disconnected: bool = False
    errors: list[UserError] = strawberry.field(default_factory=list)
