"""core.encoding: JSON text for responses, fast where it can be, complete where it must be."""

from __future__ import annotations

import json

from core.encoding import dumps


def test_a_response_encodes_to_compact_json_that_reads_back_the_same() -> None:
    value = {"data": {"room": {"issues": [{"title": "Säge ✓", "votes": [{"value": None}]}]}}}
    text = dumps(value)
    assert json.loads(text) == value
    assert text == '{"data":{"room":{"issues":[{"title":"Säge ✓","votes":[{"value":null}]}]}}}'


def test_an_integer_beyond_64_bits_still_encodes() -> None:
    assert json.loads(dumps({"n": 2**70})) == {"n": 2**70}
