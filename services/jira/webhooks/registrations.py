"""Jira webhook registrations shared by room mappings: one per (connection, site, project).

A registration is made when the first mapping needs it, re-made when a mapping needs a field
the registered fieldIdsFilter lacks, refreshed by a daily cron and deleted in Jira when no
mapping uses it any more (or the connection is disconnected). Its state is copied onto every
mapping that uses it, so reading a mapping needs no join.

Everything that creates, re-registers or deletes one registration holds its registration_lock,
and a mapping row is written before (deleted before) its registration is ensured (released):
so two rooms mapped at once make one Jira webhook, and a release never deletes a webhook that
a mapping written meanwhile relies on.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime

from core.errors import ErrorCode, ServiceError
from jira_cloud import errors as jira
from jira_cloud import webhooks_api
from jira_cloud.client import JiraClient
from jira_cloud.webhooks_api import WebhookSpec
from models.jira import (
    JiraConnection,
    JiraWebhookRegistration,
    RoomJiraMapping,
    WebhookStatus,
)
from services.jira.clients import client_for_connection
from services.jira.tokens import JiraNeedsReauth
from services.runtime import Runtime

log = logging.getLogger(__name__)

EVENTS = ("jira:issue_created", "jira:issue_updated", "jira:issue_deleted")
BASE_FIELDS = ("summary", "description", "status")
MAX_ERROR = 1000
LOCK_TTL_MS = 120_000  # longer than a delete + register + refresh round (20 s timeouts)
LOCK_WAIT_S = 60.0


def webhook_url(runtime: Runtime) -> str:
    return f"{runtime.settings.public_url.rstrip('/')}/webhooks/jira"


def spec_for(project_key: str, field_ids: list[str]) -> WebhookSpec:
    return WebhookSpec(EVENTS, f"project = {project_key}", tuple(field_ids))


def registration_lock(
    runtime: Runtime, connection_id: int, cloud_id: str, project_key: str
) -> AbstractAsyncContextManager[None]:
    name = f"jira-webhook-registration:{connection_id}:{cloud_id}:{project_key}"
    return runtime.locks.hold(name, LOCK_TTL_MS, LOCK_WAIT_S, _registration_busy)


def _registration_busy() -> ServiceError:
    return ServiceError(ErrorCode.JIRA_UNAVAILABLE, "The Jira webhook is being changed; try again.")


def _users(registration: JiraWebhookRegistration):  # type: ignore[no-untyped-def]
    return RoomJiraMapping.filter(
        connection_id=registration.connection_id,  # type: ignore[attr-defined]
        cloud_id=registration.cloud_id,
        project_key=registration.project_key,
    )


async def wanted_fields(
    registration: JiraWebhookRegistration, sprint_field: str | None
) -> list[str]:
    """summary, description, status, the sprint field and every user's story-points field."""
    story_points = await _users(registration).values_list("story_points_field_id", flat=True)
    known = [f for f in registration.field_ids if f not in BASE_FIELDS]
    wanted = [*BASE_FIELDS, *known, *([sprint_field] if sprint_field else []), *story_points]
    return list(dict.fromkeys(f for f in wanted if f))


async def copy_to_mappings(registration: JiraWebhookRegistration) -> None:
    await _users(registration).update(
        webhook_status=registration.status,
        webhook_ids=[registration.webhook_id] if registration.webhook_id else [],
        webhook_expires_at=registration.expires_at,
        webhook_error=registration.error,
    )


def _usable(registration: JiraWebhookRegistration, fields: list[str], now: datetime) -> bool:
    return (
        registration.status == WebhookStatus.ACTIVE
        and registration.webhook_id is not None
        and registration.expires_at is not None
        and registration.expires_at > now
        and set(fields) <= set(registration.field_ids)
    )


async def ensure_registration(
    runtime: Runtime,
    client: JiraClient,
    connection_id: int,
    project_key: str,
    sprint_field: str | None,
) -> JiraWebhookRegistration:
    """The project's registration, made (or re-made) in Jira when it is not usable as is."""
    async with registration_lock(runtime, connection_id, client.cloud_id, project_key):
        registration, _ = await JiraWebhookRegistration.get_or_create(
            connection_id=connection_id, cloud_id=client.cloud_id, project_key=project_key
        )
        fields = await wanted_fields(registration, sprint_field)
        if not _usable(registration, fields, datetime.now(UTC)):
            await register(runtime, client, registration, fields)
        await copy_to_mappings(registration)
    return registration


async def register(
    runtime: Runtime,
    client: JiraClient,
    registration: JiraWebhookRegistration,
    fields: list[str],
) -> None:
    """(Re-)register in Jira; ACTIVE with id and expiry, or FAILED with Jira's reason."""
    registration.field_ids = fields  # remembered for the cron's retries even when failing
    try:
        if registration.webhook_id is not None:  # replaced: the old one must not linger
            await webhooks_api.delete_webhooks(client, [registration.webhook_id])
        spec = spec_for(registration.project_key, fields)
        results = await webhooks_api.register_webhooks(client, webhook_url(runtime), [spec])
        result = results[0] if results else None
        if result is None or result.webhook_id is None:
            reasons = result.errors if result else ("Jira returned no registration result.",)
            _fail(registration, "; ".join(reasons) or "Jira refused the webhook.")
        else:
            # Registration does not answer the expiry; a refresh does (and costs one call).
            expires = await webhooks_api.refresh_webhooks(client, [result.webhook_id])
            registration.webhook_id = result.webhook_id
            registration.expires_at = expires
            registration.status = WebhookStatus.ACTIVE
            registration.error = None
    except jira.JiraError as error:
        _fail(registration, f"Jira refused the webhook registration: {error.message}")
    await registration.save()


def _fail(registration: JiraWebhookRegistration, reason: str) -> None:
    log.warning("webhook registration %s failed: %s", registration.id, reason)
    registration.webhook_id = None
    registration.expires_at = None
    registration.status = WebhookStatus.FAILED
    registration.error = reason[:MAX_ERROR]


async def release(
    runtime: Runtime, connection_id: int | None, cloud_id: str, project_key: str
) -> bool:
    """Delete the registration (in Jira too) when no mapping uses it any more; True if so."""
    if connection_id is None:
        return False
    async with registration_lock(runtime, connection_id, cloud_id, project_key):
        registration = await JiraWebhookRegistration.get_or_none(
            connection_id=connection_id, cloud_id=cloud_id, project_key=project_key
        )
        if registration is None or await _users(registration).exists():
            return False
        await delete_in_jira(runtime, registration)
        await registration.delete()
    return True


async def delete_in_jira(runtime: Runtime, registration: JiraWebhookRegistration) -> None:
    if registration.webhook_id is None:
        return
    client = await client_for_connection(
        runtime,
        registration.connection_id,  # type: ignore[attr-defined]
        registration.cloud_id,
    )
    if client is None:
        return  # Jira lets it expire within 30 days
    try:
        await webhooks_api.delete_webhooks(client, [registration.webhook_id])
    except jira.JiraError as error:
        log.warning("webhook %s not deleted: %s", registration.webhook_id, error.message)


async def delete_connection_webhooks(runtime: Runtime, connection: JiraConnection) -> None:
    """before_disconnect hook: the connection's webhooks go with it (one call per site)."""
    registrations = await JiraWebhookRegistration.filter(connection_id=connection.id)
    by_site: dict[str, list[int]] = {}
    for registration in registrations:
        if registration.webhook_id is not None:
            by_site.setdefault(registration.cloud_id, []).append(registration.webhook_id)
    for cloud_id, ids in by_site.items():
        client = await client_for_connection(runtime, connection.id, cloud_id)
        if client is None:
            continue
        try:
            await webhooks_api.delete_webhooks(client, ids)
        except jira.JiraError as error:
            log.warning("webhooks of connection %s not deleted: %s", connection.id, error.message)
    await RoomJiraMapping.filter(connection_id=connection.id).update(
        webhook_status=WebhookStatus.NONE, webhook_ids=[], webhook_expires_at=None
    )
    await JiraWebhookRegistration.filter(connection_id=connection.id).delete()


async def refresh_all(
    runtime: Runtime, connection_ids: Collection[int] | None = None
) -> dict[str, int]:
    """The cron: extend live webhooks, re-register expired, failed or missing ones, and drop
    registrations no mapping uses. One list and one refresh call per (connection, site).
    `connection_ids` limits the run to those connections (None: all)."""
    counts = {"refreshed": 0, "registered": 0, "deleted": 0, "skipped": 0}
    groups: dict[tuple[int, str], list[JiraWebhookRegistration]] = {}
    query = JiraWebhookRegistration.all()
    if connection_ids is not None:
        query = query.filter(connection_id__in=list(connection_ids))
    for registration in await query.order_by("id"):
        key = (registration.connection_id, registration.cloud_id)  # type: ignore[attr-defined]
        groups.setdefault(key, []).append(registration)
    for (connection_id, cloud_id), registrations in groups.items():
        client = await client_for_connection(runtime, connection_id, cloud_id)
        if client is None:
            counts["skipped"] += len(registrations)
            continue
        try:
            await _refresh_site(runtime, client, registrations, counts)
        except (JiraNeedsReauth, jira.JiraError) as error:  # expected: a revoked grant, Jira down
            counts["skipped"] += len(registrations)
            log.warning(
                "webhook refresh of connection %s on %s skipped: %s", connection_id, cloud_id, error
            )
        except Exception:  # one connection's trouble must not stop the rest
            counts["skipped"] += len(registrations)
            log.exception("webhook refresh of connection %s on %s failed", connection_id, cloud_id)
    return counts


def _key(registration: JiraWebhookRegistration) -> tuple[int, str, str]:
    return registration.connection_id, registration.cloud_id, registration.project_key  # type: ignore[attr-defined]


async def _register_missing(
    runtime: Runtime,
    client: JiraClient,
    registration: JiraWebhookRegistration,
) -> bool:
    """Expired (Jira drops it), deleted by someone, or never made: register anew, unless a
    mapping change did so (or released it) since the list was read."""
    async with registration_lock(runtime, *_key(registration)):
        current = await JiraWebhookRegistration.get_or_none(id=registration.id)
        if current is None or current.webhook_id != registration.webhook_id:
            return False
        current.webhook_id = None
        await register(runtime, client, current, await wanted_fields(current, None))
        await copy_to_mappings(current)
    return True


async def _refresh_site(
    runtime: Runtime,
    client: JiraClient,
    registrations: list[JiraWebhookRegistration],
    counts: dict[str, int],
) -> None:
    in_jira = {webhook.id for webhook in await webhooks_api.list_webhooks(client)}
    alive: list[JiraWebhookRegistration] = []
    for registration in registrations:
        if not await _users(registration).exists():
            if await release(runtime, *_key(registration)):  # re-checked under the lock
                counts["deleted"] += 1
        elif registration.webhook_id in in_jira:
            alive.append(registration)
        elif await _register_missing(runtime, client, registration):
            counts["registered"] += 1
    if not alive:
        return
    expires = await webhooks_api.refresh_webhooks(client, [r.webhook_id for r in alive])  # type: ignore[misc]
    for registration in alive:
        # Only if still this webhook: a mapping change may have re-made or released it since.
        same = {"id": registration.id, "webhook_id": registration.webhook_id}
        refreshed = {"expires_at": expires, "status": WebhookStatus.ACTIVE, "error": None}
        if await JiraWebhookRegistration.filter(**same).update(**refreshed):
            await registration.refresh_from_db()
            await copy_to_mappings(registration)
            counts["refreshed"] += 1
