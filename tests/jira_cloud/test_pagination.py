from jira_cloud.pagination import (
    collect_offset,
    collect_token,
    offset_is_last,
    parse_offset_page,
    parse_token_page,
)
from jira_cloud.types import OffsetPage, TokenPage


def test_offset_is_last_without_is_last_uses_total_then_page_size() -> None:
    assert offset_is_last(0, 50, 120, 50) is False
    assert offset_is_last(100, 20, 120, 50) is True
    assert offset_is_last(0, 50, None, 50) is False
    assert offset_is_last(50, 10, None, 50) is True
    assert offset_is_last(0, 0, None, 50) is True


def test_parse_offset_page_trusts_the_server_cap_and_its_is_last() -> None:
    body = {"startAt": 10, "maxResults": 2, "total": 99, "isLast": False, "values": [1, 2]}
    page = parse_offset_page(body, "values", lambda v: v * 10)
    assert page == OffsetPage([10, 20], 10, 2, 99, False)
    assert page.next_start_at == 12
    last = parse_offset_page({"startAt": 12, "values": [], "isLast": False}, "values", int)
    assert last.is_last and last.next_start_at is None


def test_parse_token_page_without_token_is_last() -> None:
    assert parse_token_page(
        {"issues": [1], "nextPageToken": "t2", "isLast": False}, "issues", str
    ) == (TokenPage(["1"], "t2", False))
    assert parse_token_page({"issues": [1], "isLast": False}, "issues", str).is_last
    assert parse_token_page(
        {"issues": [], "nextPageToken": "x", "isLast": True}, "issues", str
    ) == (TokenPage([], None, True))


async def test_collect_walks_every_page_once() -> None:
    data = list(range(23))
    offset_calls: list[int] = []

    async def fetch_offset(start_at: int) -> OffsetPage[int]:
        offset_calls.append(start_at)
        items = data[start_at : start_at + 5]
        return OffsetPage(items, start_at, 5, len(data), start_at + len(items) >= len(data))

    assert await collect_offset(fetch_offset) == data
    assert offset_calls == [0, 5, 10, 15, 20]

    async def fetch_token(token: str | None) -> TokenPage[int]:
        start = int(token or 0)
        end = start + 10
        return TokenPage(data[start:end], str(end) if end < len(data) else None, end >= len(data))

    assert await collect_token(fetch_token) == data


async def test_collect_stops_when_a_server_never_advances() -> None:
    calls = 0

    async def stuck(token: str | None) -> TokenPage[int]:
        nonlocal calls
        calls += 1
        return TokenPage([calls], "same", False)

    assert await collect_token(stuck, "same") == [1]
