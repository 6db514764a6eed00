"""Dataclasses ⇄ JSON by their type hints: what the state file is made of.

Handles nested dataclasses, `X | None`, list/set/frozenset/tuple, dicts (string keys as JSON
objects, other keys as `[key, value]` pairs), datetimes (ISO 8601), Counter and `Any` (kept
as JSON). Fields with `metadata={"transient": True}` are not written and come back as their
default (or None).
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections import Counter
from datetime import datetime
from functools import cache
from typing import Any

JSON = Any


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _transient(f: dataclasses.Field[Any]) -> bool:
    return bool(f.metadata.get("transient"))


def encode(value: Any, hint: Any = Any) -> JSON:
    """Python value → JSON-ready value, following `hint` (or the value itself for Any)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        hints = _hints(type(value))
        return {
            f.name: encode(getattr(value, f.name), hints[f.name])
            for f in dataclasses.fields(value)
            if not _transient(f)
        }
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    if isinstance(value, dict):
        key_hint, value_hint = args if len(args) == 2 else (Any, Any)
        if key_hint is str or (key_hint is Any and all(isinstance(k, str) for k in value)):
            return {k: encode(v, value_hint) for k, v in value.items()}
        return [[encode(k, key_hint), encode(v, value_hint)] for k, v in value.items()]
    if isinstance(value, list | set | frozenset | tuple):
        item_hint = args[0] if len(args) == 1 or (args and args[-1] is Ellipsis) else Any
        items = sorted(value, key=repr) if isinstance(value, set | frozenset) else value
        return [encode(v, item_hint) for v in items]
    raise TypeError(f"cannot encode {type(value).__name__}")


def decode(data: JSON, hint: Any) -> Any:
    """JSON value → Python value of type `hint`."""
    if hint is Any or data is None:
        return data
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin is typing.Union or origin is types.UnionType:
        options = [a for a in args if a is not type(None)]
        return decode(data, options[0]) if len(options) == 1 else data
    if dataclasses.is_dataclass(hint) and isinstance(hint, type):
        hints = _hints(hint)
        values = {}
        for f in dataclasses.fields(hint):
            if _transient(f) or f.name not in data:
                if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                    values[f.name] = None
                continue
            values[f.name] = decode(data[f.name], hints[f.name])
        return hint(**values)
    if hint is datetime:
        return datetime.fromisoformat(data)
    if hint in {int, float, str, bool}:
        return hint(data)
    if origin in {dict, Counter}:
        key_hint, value_hint = args if len(args) == 2 else (Any, Any)
        pairs = data.items() if isinstance(data, dict) else data
        decoded = {decode(k, key_hint): decode(v, value_hint) for k, v in pairs}
        return Counter(decoded) if origin is Counter else decoded
    if origin in {list, set, frozenset}:
        return origin(decode(v, args[0] if args else Any) for v in data)
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(decode(v, args[0]) for v in data)
        return tuple(decode(v, a) for v, a in zip(data, args, strict=True))
    raise TypeError(f"cannot decode into {hint!r}")
