"""services/jira/pages.py: token pages' cursors (built without a json.dumps per item) are the
encode_cursor of their positions, so every cursor decodes back to where it points."""

from __future__ import annotations

import pytest

from jira_cloud.types import TokenPage
from services.jira.pages import encode_cursor, token_page, token_position


@pytest.mark.parametrize("listing", [None, "sprint:7", 'odd "listing" é'])
@pytest.mark.parametrize("token", [None, "tok-1", 'we"ird/+=é'])
def test_token_page_cursors_are_their_positions_encoded(
    token: str | None, listing: str | None
) -> None:
    page = TokenPage(items=list("abcde"), next_page_token="next=/+", is_last=False)
    built = token_page(page, token, 1, 10, None, listing)
    tag = {"l": listing} if listing is not None else {}
    expected = [encode_cursor({"t": token, "k": k} | tag) for k in (2, 3, 4)]
    expected.append(encode_cursor({"t": "next=/+", "k": 0} | tag))  # the page's last item
    assert [cursor for cursor, _ in built.edges] == expected
    assert [item for _, item in built.edges] == list("bcde")
    assert token_position(built.edges[0][0], listing) == (token, 2)
    assert token_position(built.end_cursor, listing) == ("next=/+", 0)
