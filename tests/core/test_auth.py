"""core.auth: HS256 pinned, `exp` and `sub` required, the header parsed strictly."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from core.auth import InvalidToken, decode_token, issue_token, parse_authorization
from core.settings import DEV_JWT_SECRET
from tests.web import tokens


def test_a_valid_token_yields_its_principal() -> None:
    token = tokens.valid(sub="user-1", email="ada@example.com", name="Ada")
    principal = decode_token(token, DEV_JWT_SECRET)
    assert (principal.subject, principal.email, principal.name) == (
        "user-1",
        "ada@example.com",
        "Ada",
    )


def test_issued_tokens_round_trip() -> None:
    token = issue_token(
        "a-secret-of-at-least-thirty-two-bytes",
        subject="dev|x@example.com",
        email="x@example.com",
        name=None,
    )
    assert (
        decode_token(token, "a-secret-of-at-least-thirty-two-bytes").subject == "dev|x@example.com"
    )


@pytest.mark.parametrize("kind", sorted(tokens.REFUSED))
def test_refused_tokens(kind: str) -> None:
    make: Callable[[], str] = tokens.REFUSED[kind]
    with pytest.raises(InvalidToken):
        decode_token(make(), DEV_JWT_SECRET)


@pytest.mark.parametrize(
    "overrides", [{"sub": None}, {"sub": ""}, {"email": None}, {"email": "no-at-sign"}]
)
def test_tokens_without_a_usable_subject_or_email_are_refused(overrides: dict) -> None:
    with pytest.raises(InvalidToken):
        decode_token(tokens.valid(**overrides), DEV_JWT_SECRET)


def test_expired_tokens_say_so() -> None:
    with pytest.raises(InvalidToken, match="expired"):
        decode_token(tokens.expired(), DEV_JWT_SECRET)


def test_a_token_verified_before_is_still_refused_once_it_expires() -> None:
    token = issue_token(
        DEV_JWT_SECRET, subject="u", email="u@example.com", name=None, ttl=timedelta(seconds=2)
    )
    principal = decode_token(token, DEV_JWT_SECRET)  # verified, and remembered
    assert principal.expires_at is not None
    time.sleep((principal.expires_at - datetime.now(UTC)).total_seconds() + 0.05)
    with pytest.raises(InvalidToken, match="expired"):
        decode_token(token, DEV_JWT_SECRET)


def test_a_remembered_token_is_not_valid_under_another_secret() -> None:
    token = tokens.valid(sub="user-2")
    assert decode_token(token, DEV_JWT_SECRET).subject == "user-2"
    with pytest.raises(InvalidToken):
        decode_token(token, "another-secret-of-at-least-thirty-two-bytes")


@pytest.mark.parametrize(
    ("header", "token"),
    [(None, None), ("", None), ("Bearer abc.def", "abc.def"), ("bearer  abc ", "abc")],
)
def test_authorization_header_parsing(header: str | None, token: str | None) -> None:
    assert parse_authorization(header) == token


@pytest.mark.parametrize("header", ["Basic dXNlcjpwdw==", "Bearer", "Bearer   ", "abc.def"])
def test_malformed_authorization_headers_are_refused(header: str) -> None:
    with pytest.raises(InvalidToken):
        parse_authorization(header)


@pytest.mark.parametrize(
    "overrides",
    [
        {"sub": "s" * 256},
        {"sub": "a\x00b"},
        {"email": "e" * 320 + "@x.example"},
        {"email": "a\x00@example.com"},
        {"name": "n" * 256},
        {"name": "bad\x00name"},
        {"name": "lone \ud800 surrogate"},
        {"name": "line\nbreak"},
    ],
    ids=[
        "long-sub",
        "nul-sub",
        "long-email",
        "nul-email",
        "long-name",
        "nul-name",
        "surrogate",
        "newline",
    ],
)
def test_claims_the_users_table_cannot_hold_are_refused(overrides: dict) -> None:
    """Finding 2: such a token made every request of its user fail (websocket too)."""
    with pytest.raises(InvalidToken):
        decode_token(tokens.valid(**overrides), DEV_JWT_SECRET)


def test_the_principal_carries_the_tokens_expiry() -> None:
    principal = decode_token(tokens.valid(), DEV_JWT_SECRET)
    assert principal.expires_at is not None and not principal.expired()
    assert principal.expired(principal.expires_at)


def test_a_far_future_expiry_is_clamped_not_a_crash() -> None:
    principal = decode_token(tokens.valid(exp=10**20), DEV_JWT_SECRET)
    assert principal.expires_at is not None and principal.expires_at.year == 9999
