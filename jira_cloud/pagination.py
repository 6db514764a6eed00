"""Jira's two pagination styles: offset (startAt/maxResults/total/isLast) and token.

Parsing is pure; the `all_*` helpers walk every page through a fetch callback.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, TypeVar

from jira_cloud.types import Json, OffsetPage, TokenPage

T = TypeVar("T")
# A runaway listing (a server that never says "last") stops here rather than loop forever.
MAX_PAGES = 1_000


def offset_is_last(start_at: int, count: int, total: int | None, max_results: int) -> bool:
    """Whether an offset page is the last when Jira left out `isLast` (agile issue lists do)."""
    if count == 0:
        return True
    if total is not None:
        return start_at + count >= total
    return count < max_results


def parse_offset_page(body: Json, items_key: str, parse: Callable[[Any], T]) -> OffsetPage[T]:
    items = [parse(raw) for raw in body.get(items_key) or []]
    start_at = int(body.get("startAt") or 0)
    # The server may cap maxResults silently: trust what it says it used.
    max_results = int(body.get("maxResults") or len(items))
    total = body.get("total")
    total = int(total) if total is not None else None
    is_last = body.get("isLast")
    if is_last is None:
        is_last = offset_is_last(start_at, len(items), total, max_results)
    return OffsetPage(items, start_at, max_results, total, bool(is_last) or not items)


def parse_token_page(body: Json, items_key: str, parse: Callable[[Any], T]) -> TokenPage[T]:
    items = [parse(raw) for raw in body.get(items_key) or []]
    token = body.get("nextPageToken") or None
    # No token means no next page, whatever isLast says.
    is_last = token is None or bool(body.get("isLast", False))
    return TokenPage(items, None if is_last else token, is_last)


async def all_offset_pages(
    fetch: Callable[[int], Awaitable[OffsetPage[T]]], start_at: int = 0
) -> AsyncIterator[OffsetPage[T]]:
    """Every page from `start_at` on, each fetched when the previous one is consumed."""
    for _ in range(MAX_PAGES):
        page = await fetch(start_at)
        yield page
        next_start = page.next_start_at
        if next_start is None or next_start <= start_at:
            return
        start_at = next_start


async def all_token_pages(
    fetch: Callable[[str | None], Awaitable[TokenPage[T]]], token: str | None = None
) -> AsyncIterator[TokenPage[T]]:
    for _ in range(MAX_PAGES):
        page = await fetch(token)
        yield page
        if page.is_last or page.next_page_token == token:
            return
        token = page.next_page_token


async def collect_offset(
    fetch: Callable[[int], Awaitable[OffsetPage[T]]], start_at: int = 0
) -> list[T]:
    return [item async for page in all_offset_pages(fetch, start_at) for item in page.items]


async def collect_token(
    fetch: Callable[[str | None], Awaitable[TokenPage[T]]], token: str | None = None
) -> list[T]:
    return [item async for page in all_token_pages(fetch, token) for item in page.items]
