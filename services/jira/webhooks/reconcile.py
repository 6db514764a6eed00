"""Keeping webhookStatus true to what Jira has.

Jira never tells an app that one of its dynamic webhooks is gone: an administrator may delete
it, it expires after 30 days, a site is restored. The only way to know is to list them
(`GET /rest/api/3/webhook`, paged), once per (connection, site), never per mapping.

- `check_sites` (the 5-minute auto-import cron) only looks: a registration we hold as ACTIVE
  that Jira does not list becomes EXPIRED (its expiry has passed) or FAILED (deleted in Jira),
  with `webhookError` saying so, on every mapping that uses it.
- Re-registering is the daily refresh's job (registrations.refresh_all lists too, and a failed
  re-registration is FAILED with Jira's reason), run as well after a reconnect
  (`after_reconnect`) and at start-up in development (wiring.start_runtime).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from jira_cloud import errors as jira
from jira_cloud import webhooks_api
from jira_cloud.client import JiraClient
from models.jira import JiraConnection, JiraWebhookRegistration, WebhookStatus
from services.jira.clients import client_for_connection
from services.jira.tokens import JiraNeedsReauth
from services.jira.webhooks.registrations import copy_to_mappings, refresh_all
from services.runtime import Runtime

log = logging.getLogger(__name__)


def missing_reason(registration: JiraWebhookRegistration, now: datetime) -> tuple[str, str]:
    """(status, why) for a registration Jira no longer lists."""
    expired = registration.expires_at is not None and registration.expires_at <= now
    if expired:
        why = f"Jira webhook {registration.webhook_id} expired; it is registered again by the "
    else:
        why = f"Jira no longer has webhook {registration.webhook_id} (deleted in Jira); it is "
        why += "registered again by the "
    why += "daily webhook refresh or when you reconnect Jira."
    return (WebhookStatus.EXPIRED if expired else WebhookStatus.FAILED), why


async def mark_missing(registration: JiraWebhookRegistration, now: datetime | None = None) -> bool:
    """Record that Jira does not have this registration (only if it is still the same webhook);
    True when the row changed."""
    status, why = missing_reason(registration, now or datetime.now(UTC))
    same = {"id": registration.id, "webhook_id": registration.webhook_id}
    if not await JiraWebhookRegistration.filter(**same).update(status=status, error=why):
        return False
    log.warning("webhook registration %s: %s", registration.id, why)
    await registration.refresh_from_db()
    await copy_to_mappings(registration)
    return True


async def check_site(client: JiraClient, registrations: list[JiraWebhookRegistration]) -> int:
    """One listing for these registrations of one (connection, site); the number marked."""
    held = [
        r for r in registrations if r.webhook_id is not None and r.status == WebhookStatus.ACTIVE
    ]
    if not held:
        return 0
    in_jira = {webhook.id for webhook in await webhooks_api.list_webhooks(client)}
    now = datetime.now(UTC)
    marked = 0
    for registration in held:
        if registration.webhook_id not in in_jira and await mark_missing(registration, now):
            marked += 1
    return marked


async def check_sites(runtime: Runtime) -> int:
    """Check every registration held as ACTIVE: one listing per (connection, site)."""
    by_site: dict[tuple[int, str], list[JiraWebhookRegistration]] = {}
    held = JiraWebhookRegistration.filter(status=WebhookStatus.ACTIVE, webhook_id__not_isnull=True)
    for registration in await held.order_by("id"):
        key = (registration.connection_id, registration.cloud_id)  # type: ignore[attr-defined]
        by_site.setdefault(key, []).append(registration)
    marked = 0
    for (connection_id, cloud_id), registrations in by_site.items():
        client = await client_for_connection(runtime, connection_id, cloud_id)
        if client is None:
            continue
        try:
            marked += await check_site(client, registrations)
        except jira.JiraError as error:  # the next run looks again
            log.warning("webhooks of connection %s not listed: %s", connection_id, error.message)
        except JiraNeedsReauth:  # an expected state: the user must reconnect
            log.warning("webhooks of connection %s not listed: it needs re-consent", connection_id)
        except Exception:  # one connection must not stop the rest
            log.exception("webhooks of connection %s on %s not checked", connection_id, cloud_id)
    return marked


async def after_reconnect(runtime: Runtime, connection: JiraConnection) -> dict[str, int]:
    """completeJiraConnect on a connection that already has registrations: list them in Jira
    and re-register what is gone (registrations may have expired while the connection needed
    re-consent). A first connection has none: no Jira call."""
    if not await JiraWebhookRegistration.filter(connection_id=connection.id).exists():
        return {}
    return await refresh_all(runtime, [connection.id])
