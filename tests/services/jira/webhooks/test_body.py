"""A delivery's body read as a storable object: the same object as the json module's reading
made storable, whichever reader took it."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.jira.webhooks.body import read_payload
from services.jira.webhooks.inbox import MAX_PAYLOAD_DEPTH, MalformedDelivery, storable_payload


def reference(body: bytes) -> dict[str, Any] | str:
    """What the receiver stored before orjson: json.loads (NaN and ±Infinity as null), then the
    storable walk; or the refusal's reason."""
    try:
        payload = json.loads(body, parse_constant=lambda name: None)
    except RecursionError:
        return "the JSON nests too deeply"
    except ValueError:
        return "invalid JSON"
    if not isinstance(payload, dict):
        return "expected a JSON object"
    try:
        return storable_payload(payload)
    except MalformedDelivery as exc:
        return str(exc)


def read(body: bytes) -> dict[str, Any] | str:
    try:
        return read_payload(body)
    except MalformedDelivery as exc:
        return str(exc)


def same(a: Any, b: Any) -> bool:
    """Equal, with each number's type kept (1 and 1.0 differ in what is stored)."""
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return isinstance(b, list) and len(a) == len(b) and all(map(same, a, b))
    if isinstance(a, float) and math.isnan(a):
        return False  # never stored
    return type(a) is type(b) and a == b


odd_text = st.text(
    st.one_of(
        st.characters(codec="utf-8"),
        st.sampled_from(["\x00", "\ud800", "\udfff", "\u2028", "é", "\U0001f600"]),
    ),
    max_size=6,
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([2**63 - 1, 2**63, 2**64 - 1, 2**64, -(2**63), -(2**63) - 1]),
    st.floats(allow_nan=True, allow_infinity=True),
    odd_text,
)
values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(odd_text, children, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(odd_text, values, max_size=5))
def test_any_object_reads_as_the_json_module_reads_it(payload: dict[str, Any]) -> None:
    body = json.dumps(payload).encode()  # NaN, Infinity, lone surrogates and all
    expected, got = reference(body), read(body)
    assert same(got, expected), (body, got, expected)


@pytest.mark.parametrize(
    "body",
    [
        b'{"a": 1e400}',  # orjson refuses what overflows; the json module reads infinity
        b'{"n": 123456789012345678901234567890}',  # orjson would read a float
        b'{"n": 18446744073709551615, "m": -9223372036854775808}',
        b'\xef\xbb\xbf{"bom": true}',
        b'{"nul": "a\\u0000b", "\\u0000key": 1}',
        b'{"escaped": "\\\\u0000 is not a NUL"}',
        b'{"lone": "\\ud800"}',
        b'{"a": NaN, "b": -Infinity}',
        b"[1, 2]",
        b'"text"',
        b"{",
        b"\xff\xfe",
        b"",
        b'{"a": 1} trailing',
        b'{"a": 1, "a": 2}',
    ],
)
def test_edge_bodies_read_as_the_json_module_reads_them(body: bytes) -> None:
    expected, got = reference(body), read(body)
    assert same(got, expected), (got, expected)


@pytest.mark.parametrize("depth", [MAX_PAYLOAD_DEPTH, MAX_PAYLOAD_DEPTH + 1, 500, 1500, 50_000])
def test_nesting_is_refused_past_the_inbox_limit(depth: int) -> None:
    body = b'{"a":' + b"[" * (depth - 1) + b"]" * (depth - 1) + b"}"
    if depth <= MAX_PAYLOAD_DEPTH:
        assert read_payload(body) == json.loads(body)
    else:
        with pytest.raises(MalformedDelivery, match="nests"):
            read_payload(body)
        assert reference(body) in (
            f"the payload nests deeper than {MAX_PAYLOAD_DEPTH} levels",
            "the JSON nests too deeply",
        )
