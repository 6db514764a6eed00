"""Rules for text that crosses into the product: what every stored or echoed string must obey.

PostgreSQL refuses NUL characters and both databases refuse lone surrogates (the UTF-8 codec
cannot encode them), so such text is refused at the domain's edge, the same on SQLite and
PostgreSQL, before anything is written. Control characters are refused in single-line text
(names, titles, keys); multi-line text (descriptions) may hold tabs and line breaks.
"""

from __future__ import annotations

import re

from core.errors import ErrorCode, ServiceError

# C0 controls and DEL; tab, LF and CR are allowed only in multi-line text.
_SINGLE_LINE_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_MULTI_LINE_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
REPLACEMENT = "\ufffd"


def text_problem(value: str, *, max_length: int, multiline: bool = False) -> str | None:
    """Why `value` is unacceptable, or None. Checks length first (cheap), then content."""
    if len(value) > max_length:
        return f"must be at most {max_length} characters"
    if "\x00" in value:
        return "must not contain NUL characters"
    if _SURROGATE.search(value):
        return "must be valid Unicode (it holds a lone surrogate)"
    controls = _MULTI_LINE_CONTROL if multiline else _SINGLE_LINE_CONTROL
    if controls.search(value):
        return "must not contain control characters"
    return None


def checked_text(
    value: str, field: str, *, max_length: int, multiline: bool = False, label: str | None = None
) -> str:
    """`value` unchanged, or a VALIDATION ServiceError naming `field`."""
    problem = text_problem(value, max_length=max_length, multiline=multiline)
    if problem is not None:
        raise ServiceError(ErrorCode.VALIDATION, f"{label or field} {problem}.", field)
    return value


def checked_optional(
    value: str | None, field: str, *, max_length: int, multiline: bool = False
) -> str | None:
    if value is None:
        return None
    return checked_text(value, field, max_length=max_length, multiline=multiline)


def storable(value: str) -> str:
    """Text the databases can store: NULs and lone surrogates become U+FFFD (for data we must
    keep even when it is odd, such as a genuine Jira webhook delivery)."""
    if "\x00" in value:
        value = value.replace("\x00", REPLACEMENT)
    if _SURROGATE.search(value):
        value = _SURROGATE.sub(REPLACEMENT, value)
    return value


def clip(value: str, limit: int = 2000) -> str:
    """`value` cut to `limit` characters for a log line, saying how much was cut."""
    if len(value) <= limit:
        return value
    return f"{value[:limit]}… [{len(value) - limit} more characters]"
