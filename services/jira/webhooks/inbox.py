"""The Jira webhook inbox: each delivery stored once (keyed by site and identifier), then
queued for applying (services/jira/webhooks/apply.py), in batches, by the next window's job."""

from __future__ import annotations

import json
import logging
import math
from dataclasses import astuple, dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import orjson
from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import DBConnectionError

from core.db import is_sqlite
from core.text import storable
from models.jira import JiraWebhookDelivery
from services.runtime import Runtime

log = logging.getLogger(__name__)


_INSERT_SQLITE = """
INSERT INTO jira_webhook_deliveries
  (identifier, site_url, event, matched_webhook_ids, payload, timestamp_ms, received_at, attempts)
VALUES (?, ?, ?, ?, ?, ?, ?, 0)
ON CONFLICT (site_url, identifier) DO NOTHING
RETURNING id
"""
# PostgreSQL, one statement for many rows (no two with the same key): each row's id, and
# whether this statement stored it; a repeated identifier answers the stored row's id (the last
# SELECT sees rows committed before the statement; a duplicate racing in falls back to a query).
_STORE_MANY = """
WITH given AS (
  SELECT * FROM unnest($1::varchar[], $2::varchar[], $3::varchar[], $4::text[], $5::text[],
                       $6::bigint[]) WITH ORDINALITY
    AS u(identifier, site_url, event, matched_webhook_ids, payload, timestamp_ms, n)
), inserted AS (
  INSERT INTO jira_webhook_deliveries
    (identifier, site_url, event, matched_webhook_ids, payload, timestamp_ms, received_at,
     attempts)
  SELECT identifier, site_url, event, matched_webhook_ids::jsonb, payload::jsonb, timestamp_ms,
         $7, 0
  FROM given ORDER BY n
  ON CONFLICT (site_url, identifier) DO NOTHING
  RETURNING id, site_url, identifier
)
SELECT g.n, i.id, TRUE AS created FROM given g JOIN inserted i USING (site_url, identifier)
UNION ALL
SELECT g.n, d.id, FALSE FROM given g JOIN jira_webhook_deliveries d USING (site_url, identifier)
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
            raise _too_deep()
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


def check_depth(payload: dict[str, Any]) -> dict[str, Any]:
    """`payload`, once known to nest at most MAX_PAYLOAD_DEPTH levels (storable_payload's
    limit, for a payload that needs no other change); only containers are visited."""
    stack: list[tuple[Any, int]] = [(payload, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_PAYLOAD_DEPTH:
            raise _too_deep()
        children = node.values() if isinstance(node, dict) else node
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return payload


def _too_deep() -> MalformedDelivery:
    return MalformedDelivery(f"the payload nests deeper than {MAX_PAYLOAD_DEPTH} levels")


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


@dataclass(frozen=True)
class DeliveryRow:
    """A delivery made storable, ready for the inbox (prepare_delivery). Its fields are the
    insert's columns, in their order."""

    identifier: str
    site_url: str
    event: str
    matched_webhook_ids: str  # JSON
    payload: str  # JSON
    timestamp_ms: int | None

    @property
    def key(self) -> tuple[str, str]:
        return self.site_url, self.identifier


def prepare_delivery(identifier: str, payload: dict[str, Any]) -> DeliveryRow:
    """MalformedDelivery when the payload cannot be stored even made storable."""
    return delivery_row(identifier, storable_payload(payload))


def delivery_row(identifier: str, payload: dict[str, Any]) -> DeliveryRow:
    """The row of a payload already storable (storable_payload, or body.read_payload)."""
    matched = payload.get("matchedWebhookIds") or []
    return DeliveryRow(
        identifier=identifier,
        site_url=site_url_of(payload),
        event=str(payload.get("webhookEvent") or "")[:64],
        matched_webhook_ids=json_text(matched if isinstance(matched, list) else []),
        payload=json_text(payload),
        timestamp_ms=timestamp_ms(payload),
    )


def json_text(value: Any) -> str:
    """orjson's text (several times faster); the json module's for integers beyond 64 bits."""
    try:
        return orjson.dumps(value).decode()
    except orjson.JSONEncodeError:
        return json.dumps(value)


async def store_delivery(identifier: str, payload: dict[str, Any]) -> tuple[int, bool]:
    """(delivery id, True when new). A repeated identifier for the same site is not stored.
    MalformedDelivery when the payload cannot be stored even made storable."""
    [stored] = await store_deliveries([prepare_delivery(identifier, payload)])
    return stored


async def store_deliveries(rows: list[DeliveryRow]) -> list[tuple[int, bool]]:
    """(delivery id, True when new) per row, in their order; PostgreSQL stores them in one
    statement (a group commit's write: core/group_commit.py), ids in the rows' order. A row
    repeating an earlier one's key is that row's duplicate."""
    conn = connections.get("default")
    now = datetime.now(UTC)
    by_key: dict[tuple[str, str], DeliveryRow] = {}
    for row in rows:
        by_key.setdefault(row.key, row)
    if is_sqlite(conn):
        stored = {key: await _store_one(conn, row, now) for key, row in by_key.items()}
    else:
        stored = await _store_many(conn, list(by_key.values()), now)
    return [
        stored[row.key] if by_key[row.key] is row else (stored[row.key][0], False) for row in rows
    ]


async def _store_one(conn: BaseDBAsyncClient, row: DeliveryRow, now: datetime) -> tuple[int, bool]:
    inserted = await conn.execute_query_dict(_INSERT_SQLITE, [*astuple(row), now])
    if inserted:
        return int(inserted[0]["id"]), True
    return await _stored_before(row), False


async def _store_many(
    conn: BaseDBAsyncClient, rows: list[DeliveryRow], now: datetime
) -> dict[tuple[str, str], tuple[int, bool]]:
    columns = [list(column) for column in zip(*map(astuple, rows), strict=True)]
    found = await conn.execute_query_dict(_STORE_MANY, [*columns, now])
    stored = {rows[int(r["n"]) - 1].key: (int(r["id"]), bool(r["created"])) for r in found}
    for row in rows:  # a duplicate racing in, committed after this statement's snapshot
        if row.key not in stored:
            stored[row.key] = (await _stored_before(row), False)
    return stored


def is_row_failure(exc: Exception) -> bool:
    """Whether a group's failed insert may be one row's doing (retried row by row), not the
    database being down or unreachable (every row's alike)."""
    return not isinstance(exc, DBConnectionError | OSError | TimeoutError)


async def _stored_before(row: DeliveryRow) -> int:
    query = JiraWebhookDelivery.filter(site_url=row.site_url, identifier=row.identifier).limit(1)
    [existing] = await query.values_list("id", flat=True)
    return int(existing)


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
