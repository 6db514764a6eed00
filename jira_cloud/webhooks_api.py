"""Dynamic webhook calls (register, list, refresh, delete) on a JiraClient.

Registration answers 200 even when an item fails: each result carries either
`createdWebhookId` or `errors`. Expiry dates come as epoch ms or as an ISO string.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from jira_cloud.client import JiraClient
from jira_cloud.errors import parsed

WEBHOOK = "rest/api/3/webhook"


@dataclass(frozen=True)
class WebhookSpec:
    events: tuple[str, ...]
    jql_filter: str
    field_ids: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"events": list(self.events), "jqlFilter": self.jql_filter}
        if self.field_ids:
            body["fieldIdsFilter"] = list(self.field_ids)
        return body


@dataclass(frozen=True)
class RegistrationResult:
    webhook_id: int | None
    errors: tuple[str, ...]


@dataclass(frozen=True)
class RegisteredWebhook:
    id: int
    events: tuple[str, ...]
    jql_filter: str
    field_ids: tuple[str, ...]
    expires_at: datetime | None


def parse_expiration(value: Any) -> datetime | None:
    """Jira's `expirationDate`: epoch milliseconds or `2019-06-01T12:42:30.000+0000`."""
    if value is None:
        return None
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value / 1000, UTC)
    parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@parsed
async def register_webhooks(
    client: JiraClient, url: str, specs: list[WebhookSpec]
) -> list[RegistrationResult]:
    payload = {"url": url, "webhooks": [spec.to_json() for spec in specs]}
    body = await client.request_json("POST", WEBHOOK, json=payload, idempotent=False)
    results = []
    for item in (body or {}).get("webhookRegistrationResult") or []:
        created = item.get("createdWebhookId")
        errors = tuple(str(e) for e in item.get("errors") or ())
        results.append(RegistrationResult(int(created) if created is not None else None, errors))
    return results


@parsed
async def list_webhooks(client: JiraClient) -> list[RegisteredWebhook]:
    """Every webhook this app registered on the site as this user, all pages."""
    found: list[RegisteredWebhook] = []
    start_at = 0
    while True:
        params = {"startAt": start_at, "maxResults": 100}
        body = await client.request_json("GET", WEBHOOK, params=params) or {}
        values = body.get("values") or []
        for raw in values:
            found.append(
                RegisteredWebhook(
                    id=int(raw["id"]),
                    events=tuple(raw.get("events") or ()),
                    jql_filter=str(raw.get("jqlFilter") or ""),
                    field_ids=tuple(raw.get("fieldIdsFilter") or ()),
                    expires_at=parse_expiration(raw.get("expirationDate")),
                )
            )
        if body.get("isLast", True) or not values:
            return found
        start_at += len(values)


@parsed
async def refresh_webhooks(client: JiraClient, webhook_ids: list[int]) -> datetime | None:
    """Extend the given webhooks (unknown ids are ignored by Jira); their new expiry."""
    payload = {"webhookIds": webhook_ids}
    body = await client.request_json("PUT", f"{WEBHOOK}/refresh", json=payload, idempotent=True)
    return parse_expiration((body or {}).get("expirationDate"))


@parsed
async def delete_webhooks(client: JiraClient, webhook_ids: list[int]) -> None:
    if webhook_ids:
        payload = {"webhookIds": webhook_ids}
        await client.request_json("DELETE", WEBHOOK, json=payload, idempotent=True)
