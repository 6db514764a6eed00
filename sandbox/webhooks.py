"""Dynamic webhooks: registration rules and turning issue events into deliveries."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sandbox import jql
from sandbox.clock import epoch_ms
from sandbox.delivery import Delivery
from sandbox.search import Evaluator
from sandbox.serialize import user_json, webhook_issue_json
from sandbox.store import Issue, Site, Webhook

if TYPE_CHECKING:
    from sandbox.state import SandboxState

EVENTS = {
    "jira:issue_created",
    "jira:issue_updated",
    "jira:issue_deleted",
    "comment_created",
    "comment_updated",
    "comment_deleted",
    "issue_property_set",
    "issue_property_deleted",
    *(f"sprint_{e}" for e in ("created", "updated", "closed", "deleted", "started")),
    *(
        f"jira:version_{e}"
        for e in ("released", "unreleased", "created", "moved", "updated", "merged", "deleted")
    ),
}


def active_webhooks(site: Site, now: datetime) -> list[Webhook]:
    return [w for w in site.webhooks.values() if w.expires_at > now]


def register(
    state: SandboxState, site: Site, client_id: str, account_id: str, url: str, item: Any
) -> dict[str, Any]:
    """One registration; returns `{"createdWebhookId": n}` or `{"errors": [...]}`."""
    now = state.clock.now()
    if not isinstance(item, dict):
        return {"errors": ["Invalid webhook details."]}
    events = item.get("events") or []
    errors = [f"Event {e} is not supported" for e in events if e not in EVENTS]
    if not events:
        errors.append("At least one event is required.")
    errors += jql.webhook_filter_errors(item.get("jqlFilter"))
    mine = [
        w
        for w in active_webhooks(site, now)
        if w.client_id == client_id and w.account_id == account_id
    ]
    if not errors and len(mine) >= state.config.webhooks_per_app_user_site:
        limit = state.config.webhooks_per_app_user_site
        errors.append(f"The maximum number of webhooks ({limit}) per app and user is reached.")
    if errors:
        return {"errors": errors}
    webhook = Webhook(
        id=next(site.webhook_ids),
        client_id=client_id,
        account_id=account_id,
        url=url,
        events=list(events),
        jql_filter=item["jqlFilter"],
        matcher=jql.parse(item["jqlFilter"]),
        field_ids_filter=item.get("fieldIdsFilter"),
        expires_at=now + timedelta(seconds=state.config.webhook_ttl_seconds),
    )
    site.webhooks[webhook.id] = webhook
    return {"createdWebhookId": webhook.id}


def webhook_json(webhook: Webhook) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": webhook.id,
        "events": webhook.events,
        "jqlFilter": webhook.jql_filter,
        "expirationDate": epoch_ms(webhook.expires_at),
        "url": webhook.url,
    }
    if webhook.field_ids_filter is not None:
        body["fieldIdsFilter"] = webhook.field_ids_filter
    return body


def emit_issue_event(
    state: SandboxState,
    site: Site,
    event: str,
    issue: Issue,
    actor_id: str | None,
    items: list[dict[str, Any]] | None = None,
    event_type: str = "issue_generic",
    extra: dict[str, Any] | None = None,
) -> int:
    """Queue one delivery per app URL whose webhooks match; returns how many were queued."""
    now = state.clock.now()
    evaluator = Evaluator(state.world, site, actor_id, now)
    changed = {item.get("fieldId") for item in items or []}
    by_target: dict[tuple[str, str], list[int]] = {}
    for webhook in active_webhooks(site, now):
        app = state.app(webhook.client_id)
        if app is None or event not in webhook.events:
            continue
        if not app.distributed and webhook.account_id != app.owner_account_id:
            continue
        if event == "jira:issue_updated" and webhook.field_ids_filter:
            if not changed & set(webhook.field_ids_filter):
                continue
        if not evaluator.matches(webhook.matcher.where, issue):
            continue
        by_target.setdefault((webhook.client_id, webhook.url), []).append(webhook.id)
    actor = state.world.accounts.get(actor_id or "")
    for (client_id, url), ids in by_target.items():
        app = state.app(client_id)
        assert app is not None
        body: dict[str, Any] = {
            "timestamp": epoch_ms(now),
            "webhookEvent": event,
            "issue_event_type_name": event_type,
            "issue": webhook_issue_json(state.world, site, issue),
            "matchedWebhookIds": sorted(ids),
        }
        if actor is not None:
            body["user"] = user_json(site.url, actor)
        if items is not None:
            body["changelog"] = {"id": str(len(issue.history) + 10000), "items": items}
        body.update(extra or {})
        state.dispatcher.submit(
            Delivery(
                identifier=state.dispatcher.next_identifier(),
                url=url,
                client_id=client_id,
                secret=app.client_secret,
                actor_id=actor_id,
                event=event,
                body=body,
            )
        )
    return len(by_target)
