"""The Jira webhook inbox: each delivery stored once (keyed by site and identifier), then
queued for applying (services/jira/webhooks/apply.py), in batches, by the next window's job."""

from __future__ import annotations

import json
import logging
import math
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from tortoise import connections

from core.db import is_sqlite
from core.text import storable
from models.jira import JiraWebhookDelivery
from services.runtime import Runtime

log = logging.getLogger(__name__)


_INSERT = """
INSERT INTO jira_webhook_deliveries
  (identifier, site_url, event, matched_webhook_ids, payload, timestamp_ms, received_at, attempts)
VALUES ($1, $2, $3, $4::jsonb, $5::jsonb, $6, $7, 0)
ON CONFLICT (site_url, identifier) DO NOTHING
RETURNING id
"""
_INSERT_SQLITE = _INSERT.replace("::jsonb", "").replace("$", "?")  # the embedded default
# PostgreSQL: a repeated identifier answers the stored row's id in the same round trip (the
# SELECT sees rows committed before the statement; a duplicate racing in falls back below).
_STORE = f"""
WITH inserted AS ({_INSERT})
SELECT id, TRUE AS created FROM inserted
UNION ALL
SELECT id, FALSE FROM jira_webhook_deliveries WHERE site_url = $2 AND identifier = $1
"""


MAX_PAYLOAD_DEPTH = 64  # Jira's deepest bodies (ADF descriptions) nest a dozen levels
MAX_SITE_URL = 2048
MAX_TIMESTAMP_MS = 2**53  # beyond any real epoch-ms (and exact in every JSON reader)


class MalformedDelivery(ValueError):
    """A delivery we refuse to store (the receiver answers 400 and logs one WARNING)."""


def storable_payload(payload: dict[str, Any]) -> dict[str, Any]:
    """The payload with what PostgreSQL's jsonb cannot hold made storable: NULs and lone
    surrogates in keys and strings become U+FFFD, non-finite numbers null. Refuses nesting
    deeper than MAX_PAYLOAD_DEPTH (walked without recursion)."""
    root: dict[str, Any] = {}
    stack: list[tuple[Any, Any, int]] = [(payload, root, 1)]
    while stack:
        source, target, depth = stack.pop()
        if depth > MAX_PAYLOAD_DEPTH:
            raise MalformedDelivery(f"the payload nests deeper than {MAX_PAYLOAD_DEPTH} levels")
        items = source.items() if isinstance(source, dict) else enumerate(source)
        for key, value in items:
            if isinstance(value, dict | list):
                child: dict[str, Any] | list[Any] = {} if isinstance(value, dict) else []
                stack.append((value, child, depth + 1))
                value = child
            else:
                value = _storable_scalar(value)
            if isinstance(target, dict):
                target[storable(str(key))] = value
            else:
                target.append(value)
    return root


def _storable_scalar(value: Any) -> Any:
    if isinstance(value, str):
        return storable(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def site_url_of(payload: dict[str, Any]) -> str:
    """`https://<site>` from the issue's (or sprint's) v2 `self` link; "" when absent or not
    a URL this inbox can key on."""
    for key in ("issue", "sprint"):
        node = payload.get(key)
        if isinstance(node, dict) and isinstance(node.get("self"), str):
            try:
                parts = urlsplit(node["self"])
            except ValueError:  # e.g. "http://[::1": not a URL
                return ""
            path = parts.path.split("/rest/", 1)[0]
            site_url = f"{parts.scheme}://{parts.netloc}{path}".rstrip("/")
            return site_url if len(site_url) <= MAX_SITE_URL else ""
    return ""


def timestamp_ms(payload: dict[str, Any]) -> int | None:
    """The body's epoch-ms `timestamp` when it is a sane number, else None."""
    value = payload.get("timestamp")
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return int(value) if 0 <= value < MAX_TIMESTAMP_MS else None


async def store_delivery(identifier: str, payload: dict[str, Any]) -> tuple[int, bool]:
    """(delivery id, True when new). A repeated identifier for the same site is not stored.
    MalformedDelivery when the payload cannot be stored even made storable."""
    payload = storable_payload(payload)
    site_url = site_url_of(payload)
    matched = payload.get("matchedWebhookIds") or []
    conn = connections.get("default")
    params = [
        identifier,
        site_url,
        str(payload.get("webhookEvent") or "")[:64],
        json.dumps(matched if isinstance(matched, list) else []),
        json.dumps(payload),
        timestamp_ms(payload),
        datetime.now(UTC),
    ]
    rows = await conn.execute_query_dict(_INSERT_SQLITE if is_sqlite(conn) else _STORE, params)
    if rows:
        return int(rows[0]["id"]), bool(rows[0].get("created", True))
    query = JiraWebhookDelivery.filter(site_url=site_url, identifier=identifier).limit(1)
    [existing] = await query.values_list("id", flat=True)
    return int(existing), False


def trace_subject(delivery_id: int) -> str:
    """The key its receiving request's traceparent is kept under for the job (core/tracing.py)."""
    return f"jira-webhook:{delivery_id}"


async def enqueue_processing(runtime: Runtime, delivery_id: int) -> bool:
    """Queue the batch job of this moment's window (one per window, however many deliveries
    arrive in it). Best effort: when the queue is down the sweeper cron applies the row."""
    if runtime.scheduler is None:
        return False
    try:
        return await runtime.scheduler.apply_jira_webhooks()
    except Exception as exc:  # Redis down: the delivery is stored, the sweeper will find it
        log.warning("webhook %s not enqueued (%s); left for the sweeper", delivery_id, exc)
        return False
