"""A webhook delivery's body, read as a storable JSON object: fast for what Jira sends, exact
for the rest.

orjson reads a typical body several times faster than the json module and refuses what jsonb
cannot hold anyway (NaN, ±Infinity, lone surrogates), so a body it accepts needs the inbox's
storable walk (inbox.storable_payload) only when it holds an escaped NUL, and otherwise only the
depth check. What orjson refuses or might change (a byte-order mark; integers beyond 64 bits,
which it reads as floats, so any run of 19 digits) is read by the json module as before and
walked in full. Both ways give the same object (tests/services/jira/webhooks/test_body.py
checks it against the json module's reading).
"""

from __future__ import annotations

import json
import re
from typing import Any

import orjson

from services.jira.webhooks.inbox import MalformedDelivery, check_depth, storable_payload

_LONG_DIGITS = re.compile(rb"[0-9]{19}")  # an integer orjson might not read exactly (beyond i64)
_ESCAPED_NUL = b"\\u0000"  # the only way a NUL can be in valid JSON text


def read_payload(body: bytes) -> dict[str, Any]:
    """The body's JSON object made storable, or MalformedDelivery saying why not."""
    if not _LONG_DIGITS.search(body):
        try:
            payload = orjson.loads(body)
        except orjson.JSONDecodeError:
            pass  # refused, or past orjson's depth limit: the json module says which
        else:
            if _ESCAPED_NUL in body:
                return storable_payload(_object(payload))
            return check_depth(_object(payload))
    try:
        payload = json.loads(body, parse_constant=_no_constants)
    except RecursionError:
        raise MalformedDelivery("the JSON nests too deeply") from None
    except ValueError:
        raise MalformedDelivery("invalid JSON") from None
    return storable_payload(_object(payload))


def _object(payload: Any) -> dict[str, Any]:
    if not isinstance(payload, dict):
        raise MalformedDelivery("expected a JSON object")
    return payload


def _no_constants(name: str) -> None:
    """NaN and ±Infinity are not JSON (and jsonb refuses them): read them as null."""
    return None
