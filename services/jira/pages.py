"""Relay-style pages over Jira's own pagination, with opaque cursors.

A cursor is base64url of the Jira-side position: `{"o": startAt}` for offset-paged listings,
`{"t": nextPageToken, "k": items to skip}` for token-paged ones (Jira addresses their pages by
token only). Following endCursor costs exactly one Jira request per page and yields each item
exactly once.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from core.errors import ServiceError, invalid
from jira_cloud.types import OffsetPage, TokenPage

T = TypeVar("T")
DEFAULT_PAGE = 50
MAX_PAGE = 100
MAX_CURSOR = 2048


@dataclass(frozen=True)
class BrowsePage(Generic[T]):
    edges: list[tuple[str, T]]  # (cursor, node)
    has_next_page: bool
    end_cursor: str | None
    total_count: int | None = None


def page_size(first: int | None) -> int:
    """`first` defaults to 50 and is capped at 100 (Jira's own page cap)."""
    if first is None:
        return DEFAULT_PAGE
    if first < 1:
        raise invalid("first must be at least 1.", "first")
    return min(first, MAX_PAGE)


def encode_cursor(position: dict[str, Any]) -> str:
    raw = json.dumps(position, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None, kind: str) -> dict[str, Any] | None:
    """The position in a cursor of this kind ("o" offset, "t" token), or VALIDATION."""
    if cursor is None:
        return None
    if len(cursor) > MAX_CURSOR:
        raise invalid("This cursor does not belong to this listing.", "after")
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        position = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        position = None
    if not isinstance(position, dict) or kind not in position:
        raise invalid("This cursor does not belong to this listing.", "after")
    return position


def decode_cursor_kind(cursor: str | None) -> str | None:
    """Which kind of position a cursor holds ("o" or "t"), None for no cursor."""
    if cursor is None:
        return None
    for kind in ("o", "t"):
        try:
            decode_cursor(cursor, kind)
        except ServiceError:
            continue
        return kind
    raise invalid("This cursor does not belong to this listing.", "after")


def offset_after(after: str | None) -> int:
    position = decode_cursor(after, "o")
    if position is None:
        return 0
    offset = position["o"]
    if not isinstance(offset, int) or offset < 0:
        raise invalid("This cursor does not belong to this listing.", "after")
    return offset + 1


def offset_page(page: OffsetPage[T], start_at: int) -> BrowsePage[T]:
    edges = [(encode_cursor({"o": start_at + i}), item) for i, item in enumerate(page.items)]
    end_cursor = edges[-1][0] if edges else None
    return BrowsePage(edges, not page.is_last, end_cursor, page.total)


def token_position(after: str | None, listing: str | None = None) -> tuple[str | None, int]:
    """(the page's token, items of it already seen) from a token cursor of this listing (a
    Jira token is only good for the listing that gave it: `listing` names it, if not JQL)."""
    position = decode_cursor(after, "t") or {"t": None, "k": 0, "l": listing}
    token, skip = position.get("t"), position.get("k", 0)
    if not isinstance(skip, int) or skip < 0 or not (token is None or isinstance(token, str)):
        raise invalid("This cursor does not belong to this listing.", "after")
    if position.get("l") != listing:
        raise invalid("This cursor does not belong to this listing.", "after")
    return token, skip


def token_page(
    page: TokenPage[T],
    token: str | None,
    skip: int,
    size: int,
    after: str | None,
    listing: str | None = None,
) -> BrowsePage[T]:
    """`size` items of a Jira page fetched from `token` with `skip + size` results: cursors
    inside the page re-read it from its token and skip; the last one carries the next token."""
    items = page.items[skip : skip + size]
    truncated = len(page.items) > skip + size
    tag = {"l": listing} if listing is not None else {}
    # encode_cursor({"t": token, "k": index} | tag) for every item, its JSON built once
    head = '{"t":' + json.dumps(token) + ',"k":'
    tail = ("," + json.dumps(tag, separators=(",", ":"))[1:]) if tag else "}"
    edges = []
    for index, item in enumerate(items, start=skip + 1):
        if index == len(page.items) and page.next_page_token is not None:  # at the page's end
            cursor = encode_cursor({"t": page.next_page_token, "k": 0} | tag)
        else:
            raw = f"{head}{index}{tail}".encode()
            cursor = base64.urlsafe_b64encode(raw).decode().rstrip("=")
        edges.append((cursor, item))
    has_next = truncated or not page.is_last
    return BrowsePage(edges, has_next, edges[-1][0] if edges else after)
