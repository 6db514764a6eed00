"""Jira webhook deliveries: the inbox (store once) and their processing (apply once, in order).

Routing: the issue's `self` link names the site (v2 URL); JiraSite rows map it to cloud ids and
links are found by (cloud_id, jira issue id). Each link keeps a watermark (`jira_updated_at`):
a delivery whose `fields.updated` (else the body's `timestamp`) is older is ignored, so late
and out-of-order deliveries never undo newer text. Echoes of our own estimate pushes (every
changelog item is the story-points field, set to the value we pushed) are no-ops.
jira:issue_deleted marks links `deleted_in_jira` and emits IssueRemoved; the room issue row
stays so its votes and history survive. jira:issue_created, sprint_* events and updates that
move an issue between sprints are handed to `runtime.hooks.jira_issue_entered` (auto-import).
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from tortoise import connections
from tortoise.transactions import in_transaction

from core.db import is_sqlite
from core.text import storable
from jira_cloud.adf import adf_to_text
from jira_cloud.filters import JiraIssueRef
from models.jira import JiraIssueLink, JiraSite, JiraWebhookDelivery, RoomJiraMapping
from models.rooms import Issue
from services.jira.subtasks import parent_key, webhook_parent, with_parent
from services.jira.webhooks.retries import record_failure
from services.rooms.events import RoomEventKind, publish_room_event
from services.runtime import Runtime, run_hooks

log = logging.getLogger(__name__)

TITLE_MAX = 255


@dataclass(frozen=True)
class JiraEvent:
    event: str
    site_url: str
    cloud_ids: list[str]
    payload: dict[str, Any]


# ---- inbox -------------------------------------------------------------------------------------

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
    """Best effort: when the queue is down the sweeper cron processes the row later."""
    if runtime.scheduler is None:
        return False
    try:
        return await runtime.scheduler.process_jira_webhook(
            delivery_id, job_id=f"jira-webhook:{delivery_id}"
        )
    except Exception as exc:  # Redis down: the delivery is stored, the sweeper will find it
        log.warning("webhook %s not enqueued (%s); left for the sweeper", delivery_id, exc)
        return False


# ---- processing --------------------------------------------------------------------------------

Change = tuple[int, RoomEventKind, int]  # (room id, kind, issue id), published after commit


async def process_delivery(runtime: Runtime, delivery_id: int) -> str:
    """Apply one delivery exactly once (row lock + processed_at). Returns what happened."""
    try:
        outcome, changes, event, happened_ms = await _apply_locked(delivery_id)
    except Exception as exc:
        if await record_failure(delivery_id, exc):
            return "dead"  # recorded and logged once; retrying would only fail again
        raise
    for room_id, kind, issue_id in changes:
        await publish_room_event(
            runtime.bus, room_id, kind, issue_id, tracer=runtime.tracing.tracer
        )
    if happened_ms is not None:  # applied now: Jira's timestamp -> its room events published
        lag = max(0.0, datetime.now(UTC).timestamp() - happened_ms / 1000)
        runtime.metrics.webhook_apply_lag.observe(lag)
    if event is not None:
        await run_hooks(runtime.hooks.jira_issue_entered, runtime, event)
    return outcome


async def _apply_locked(
    delivery_id: int,
) -> tuple[str, list[Change], JiraEvent | None, int | None]:
    """What happened, the changes to publish, the hooks' event, and (when applied now) the
    delivery's Jira timestamp in epoch ms."""
    async with in_transaction():
        delivery = (
            await JiraWebhookDelivery.filter(id=delivery_id)
            .select_for_update(skip_locked=True)
            .first()
        )
        if delivery is None:
            return "busy-or-missing", [], None, None
        if delivery.processed_at is not None:
            return "already-processed", [], None, None
        if delivery.dead_at is not None:
            return "dead", [], None, None  # until an operator replays it
        delivery.attempts += 1
        cloud_ids = await _cloud_ids_for(delivery.site_url)
        payload: dict[str, Any] = delivery.payload
        changes: list[Change] = []
        event: JiraEvent | None = None
        if delivery.event == "jira:issue_updated":
            changes = await _apply_update(payload, cloud_ids, delivery.timestamp_ms)
            if sprint_changes(payload):  # may bring the issue into a mapped sprint
                event = JiraEvent(delivery.event, delivery.site_url, cloud_ids, payload)
        elif delivery.event == "jira:issue_deleted":
            changes = await _apply_delete(payload, cloud_ids)
        elif delivery.event == "jira:issue_created" or delivery.event.startswith("sprint_"):
            event = JiraEvent(delivery.event, delivery.site_url, cloud_ids, payload)
        delivery.processed_at = datetime.now(UTC)
        delivery.last_error = None
        await delivery.save(update_fields=["attempts", "processed_at", "last_error"])
    return f"{delivery.event}:{len(changes)}", changes, event, delivery.timestamp_ms


def sprint_changes(payload: dict[str, Any]) -> list[dict[str, Any]]:
    """The delivery's changelog items that change the issue's sprint."""
    items = (payload.get("changelog") or {}).get("items") or []
    return [i for i in items if isinstance(i, dict) and str(i.get("field")).lower() == "sprint"]


async def _cloud_ids_for(site_url: str) -> list[str]:
    if not site_url:
        return []
    urls = {site_url, f"{site_url}/"}
    return list(set(await JiraSite.filter(url__in=urls).values_list("cloud_id", flat=True)))


async def _links_of(payload: dict[str, Any], cloud_ids: list[str]) -> list[JiraIssueLink]:
    issue_id = str((payload.get("issue") or {}).get("id") or "")
    if not issue_id or not cloud_ids:
        return []
    return (
        await JiraIssueLink.filter(cloud_id__in=cloud_ids, jira_issue_id=issue_id)
        .select_for_update()
        .prefetch_related("issue")
    )


async def _apply_update(
    payload: dict[str, Any], cloud_ids: list[str], timestamp_ms: int | None
) -> list[Change]:
    fields: dict[str, Any] = (payload.get("issue") or {}).get("fields") or {}
    happened_at = parse_jira_datetime(fields.get("updated")) or _from_epoch_ms(timestamp_ms)
    changes: list[Change] = []
    for link in await _links_of(payload, cloud_ids):
        if link.jira_updated_at and happened_at and happened_at < link.jira_updated_at:
            continue  # an older state arriving late: the newer one is already applied
        if await _is_echo(payload, link):
            continue
        issue: Issue = link.issue
        items = (payload.get("changelog") or {}).get("items") or []
        knows_parent, parent = webhook_parent(fields, items)
        if not knows_parent and link.parent_key:  # a body without the field: keep the parent
            parent = JiraIssueRef(id="", key=link.parent_key, summary=None)
        changed = _apply_text(issue, fields, parent)
        if knows_parent and link.parent_key != parent_key(parent):  # re-parented in Jira
            link.parent_key, changed = parent_key(parent), True
        if changed:
            await issue.save(update_fields=["title", "description", "updated_at"])
            changes.append((issue.room_id, RoomEventKind.ISSUE_UPDATED, issue.id))  # type: ignore[attr-defined]
        link.jira_updated_at = happened_at or link.jira_updated_at
        link.last_synced_at = datetime.now(UTC)
        await link.save(update_fields=["jira_updated_at", "last_synced_at", "parent_key"])
    return changes


def _apply_text(issue: Issue, fields: dict[str, Any], parent: JiraIssueRef | None = None) -> bool:
    """Title and description from the body; a sub-task's description keeps its parent line."""
    before = (issue.title, issue.description)
    if isinstance(fields.get("summary"), str) and fields["summary"].strip():
        issue.title = fields["summary"].strip()[:TITLE_MAX]
    if "description" in fields:
        issue.description = with_parent(description_text(fields["description"]), parent)
    return (issue.title, issue.description) != before


def description_text(value: Any) -> str | None:
    """v2 bodies carry wiki-markup strings (kept as is); v3-style ADF documents become text."""
    if value is None:
        return None
    if isinstance(value, str):
        return value or None
    if isinstance(value, dict):
        return adf_to_text(value) or None
    return None


async def _is_echo(payload: dict[str, Any], link: JiraIssueLink) -> bool:
    """Only the story-points field changed, to the value we pushed: our own write coming back."""
    items = (payload.get("changelog") or {}).get("items") or []
    if not items or link.pushed_estimate is None:
        return False
    mapping = await RoomJiraMapping.filter(room_id=link.issue.room_id).first()  # type: ignore[attr-defined]
    field_id = mapping.story_points_field_id if mapping else None
    return all(
        isinstance(item, dict)
        and (field_id is None or item.get("fieldId") == field_id)
        and _same_value(item.get("toString"), link.pushed_estimate)
        for item in items
    )


def _same_value(a: Any, b: Any) -> bool:
    """The same number ("5" and "5.0"), or the same option name ("M" for a select field)."""
    try:
        return float(a) == float(b)
    except (TypeError, ValueError):
        return isinstance(a, str) and isinstance(b, str) and a.strip().lower() == b.strip().lower()


async def _apply_delete(payload: dict[str, Any], cloud_ids: list[str]) -> list[Change]:
    changes: list[Change] = []
    for link in await _links_of(payload, cloud_ids):
        if link.deleted_in_jira:
            continue
        link.deleted_in_jira = True
        link.last_synced_at = datetime.now(UTC)
        await link.save(update_fields=["deleted_in_jira", "last_synced_at"])
        issue: Issue = link.issue
        changes.append((issue.room_id, RoomEventKind.ISSUE_REMOVED, issue.id))  # type: ignore[attr-defined]
    return changes


def parse_jira_datetime(value: Any) -> datetime | None:
    """Jira's `2026-02-04T14:30:00.000-0300` (also accepts ISO forms with `±hh:mm` or Z)."""
    if not isinstance(value, str) or not value:
        return None
    for parse in (
        lambda v: datetime.strptime(v, "%Y-%m-%dT%H:%M:%S.%f%z"),
        lambda v: datetime.fromisoformat(v.replace("Z", "+00:00")),
    ):
        try:
            parsed = parse(value)
        except ValueError:
            continue
        return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


def _from_epoch_ms(value: int | None) -> datetime | None:
    return datetime.fromtimestamp(value / 1000, UTC) if value else None
