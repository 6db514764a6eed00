"""JSON text of GraphQL responses and subscription payloads: orjson, several times faster than
the standard library on a room's hundreds of objects; the standard library for the values
orjson refuses (an integer beyond 64 bits), so nothing that encoded before fails now."""

from __future__ import annotations

import json

import orjson


def dumps(value: object) -> str:
    """Compact JSON text; non-ASCII characters stay as they are (UTF-8 on the wire)."""
    try:
        return orjson.dumps(value).decode()
    except TypeError:  # orjson.JSONEncodeError is one
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
