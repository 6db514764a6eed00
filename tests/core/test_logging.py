"""core.logging: JSON lines with the request id; secrets redacted on the way out."""

from __future__ import annotations

import json
import logging

import pytest

from core.logging import JsonFormatter, RequestIdFilter, redact, request_id_var
from tests.web import tokens


@pytest.mark.parametrize(
    "text",
    [
        f"Authorization: Bearer {tokens.valid()}",
        f"token was {tokens.valid()} today",
        "POST /oauth/token access_token=abc123secret&x=1",
        '{"refresh_token": "abc123secret"}',
        "client_secret=abc123secret",
        "GET /callback?code=abc123secret&state=s",
    ],
)
def test_secrets_are_redacted(text: str) -> None:
    redacted = redact(text)
    assert "abc123secret" not in redacted
    assert "eyJ" not in redacted
    assert "[redacted" in redacted


def test_json_lines_carry_the_request_id_and_redact_messages_and_tracebacks() -> None:
    token = tokens.valid()
    record = logging.LogRecord(
        "t", logging.ERROR, __file__, 1, "got %s", (f"Bearer {token}",), None
    )
    try:
        raise ValueError(f"bad {token}")
    except ValueError as exc:
        record.exc_info = (ValueError, exc, exc.__traceback__)
    reset = request_id_var.set("req-123456789")
    try:
        RequestIdFilter().filter(record)
    finally:
        request_id_var.reset(reset)
    line = JsonFormatter().format(record)
    entry = json.loads(line)
    assert entry["request_id"] == "req-123456789"
    assert entry["level"] == "ERROR" and entry["msg"] == "got Bearer [redacted]"
    assert "ValueError" in entry["exc"]
    assert token not in line
