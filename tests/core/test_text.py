"""core.text: what stored text must obey, and making odd text storable."""

from __future__ import annotations

import pytest

from core.errors import ErrorCode, ServiceError
from core.text import checked_text, clip, storable, text_problem


@pytest.mark.parametrize(
    ("value", "multiline", "problem"),
    [
        ("fine", False, None),
        ("tab\tand\nlines", True, None),
        ("x" * 41, False, "must be at most 40 characters"),
        ("a\x00b", True, "must not contain NUL characters"),
        ("a\ud800b", True, "must be valid Unicode (it holds a lone surrogate)"),
        ("a\udfffb", False, "must be valid Unicode (it holds a lone surrogate)"),
        ("new\nline", False, "must not contain control characters"),
        ("bell\x07", True, "must not contain control characters"),
        ("del\x7f", False, "must not contain control characters"),
        ("emoji 🎯 and ☕", False, None),
    ],
)
def test_text_problem(value: str, multiline: bool, problem: str | None) -> None:
    assert text_problem(value, max_length=40, multiline=multiline) == problem


def test_checked_text_names_the_field() -> None:
    with pytest.raises(ServiceError) as refused:
        checked_text("a\x00", "input.name", max_length=10, label="Name")
    error = refused.value
    assert (error.code, error.field) == (ErrorCode.VALIDATION, "input.name")
    assert error.message == "Name must not contain NUL characters."


def test_storable_replaces_what_databases_refuse() -> None:
    assert storable("a\x00b\ud800c") == "a\ufffdb\ufffdc"
    assert storable("plain") == "plain"
    assert storable("\ud83c").encode("utf-8") == "\ufffd".encode()


def test_clip_says_how_much_it_cut() -> None:
    assert clip("x" * 10, 5) == "xxxxx… [5 more characters]"
    assert clip("short", 5) == "short"
