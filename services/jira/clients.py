"""The one place a JiraClient is built: a connection's site, its tokens, the process's HTTP
client. Services ask for a client by user or by connection; resolvers never build one."""

from __future__ import annotations

from jira_cloud.client import JiraClient
from models.jira import JiraConnection, JiraConnectionStatus, JiraSite
from models.users import User
from services.jira.connection import require_connection, resolve_site
from services.jira.observer import MetricsObserver
from services.jira.tokens import ConnectionTokens, JiraNeedsReauth
from services.runtime import Runtime


def jira_client(runtime: Runtime, connection: JiraConnection, site: JiraSite) -> JiraClient:
    """A client acting as the connection's Atlassian account on `site`."""
    assert runtime.jira_http is not None, "runtime.jira_http is not set (see wiring.py)"
    return JiraClient(
        runtime.jira_http,
        runtime.settings.api_base_url,
        site.cloud_id,
        ConnectionTokens(runtime, connection.id, loaded=connection),
        site_url=site.url,
        budget=runtime.jira_budget,
        observer=MetricsObserver(runtime.metrics, runtime.tracing.tracer),
    )


async def client_for(runtime: Runtime, user: User, cloud_id: str | None = None) -> JiraClient:
    """A client for the user's connection on `cloud_id` (default: the selected site)."""
    return await client_for_active(runtime, await require_connection(user), cloud_id)


async def client_for_active(
    runtime: Runtime, connection: JiraConnection, cloud_id: str | None
) -> JiraClient:
    """A client for the connection on `cloud_id` (its selected site when None); JiraNeedsReauth
    unless the connection is ACTIVE."""
    if connection.status != JiraConnectionStatus.ACTIVE:
        raise JiraNeedsReauth()
    return jira_client(runtime, connection, await resolve_site(connection, cloud_id))


async def client_for_connection(
    runtime: Runtime, connection_id: int, cloud_id: str
) -> JiraClient | None:
    """A client acting as the connection, or None when it cannot call Jira now (background
    work: a connection gone, not ACTIVE, or without this site is skipped, not an error)."""
    connection = await JiraConnection.get_or_none(id=connection_id)
    site = await JiraSite.get_or_none(connection_id=connection_id, cloud_id=cloud_id)
    if connection is None or site is None or connection.status != JiraConnectionStatus.ACTIVE:
        return None
    return jira_client(runtime, connection, site)
