"""The webhook bearer JWT: HS256 with the client secret, exp with leeway, nothing else."""

from __future__ import annotations

import base64
import json
import time

import jwt
import pytest

from jira_cloud.webhook_auth import WebhookAuthError, verify_webhook_jwt

SECRET = "webhook-test-client-secret-" + "0123456789abcdef" * 3


def bearer(claims: dict[str, object], secret: str = SECRET, alg: str = "HS256") -> str:
    return f"Bearer {jwt.encode(claims, secret, algorithm=alg)}"


def claims(**overrides: object) -> dict[str, object]:
    now = int(time.time())
    return {"iss": "client-id", "sub": "557058:x", "iat": now, "exp": now + 300, **overrides}


def test_valid_token_returns_claims() -> None:
    assert verify_webhook_jwt(bearer(claims()), SECRET)["sub"] == "557058:x"


def test_issuer_checked_only_when_asked() -> None:
    assert verify_webhook_jwt(bearer(claims()), SECRET, expected_issuer="client-id")
    with pytest.raises(WebhookAuthError):
        verify_webhook_jwt(bearer(claims()), SECRET, expected_issuer="someone-else")


def test_wrong_secret_is_refused() -> None:
    with pytest.raises(WebhookAuthError):
        verify_webhook_jwt(bearer(claims(), secret="another-secret-of-enough-length!"), SECRET)


def test_alg_none_is_refused() -> None:
    header = base64.urlsafe_b64encode(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    body = base64.urlsafe_b64encode(json.dumps(claims()).encode())
    token = f"{header.decode().rstrip('=')}.{body.decode().rstrip('=')}."
    with pytest.raises(WebhookAuthError):
        verify_webhook_jwt(f"Bearer {token}", SECRET)


def test_hs512_is_refused_even_with_the_right_secret() -> None:
    with pytest.raises(WebhookAuthError):
        verify_webhook_jwt(bearer(claims(), alg="HS512"), SECRET)


def test_expired_within_leeway_passes_beyond_fails() -> None:
    now = int(time.time())
    assert verify_webhook_jwt(bearer(claims(exp=now - 30)), SECRET)
    with pytest.raises(WebhookAuthError):
        verify_webhook_jwt(bearer(claims(exp=now - 90)), SECRET)


def test_missing_exp_is_refused() -> None:
    token = claims()
    del token["exp"]
    with pytest.raises(WebhookAuthError):
        verify_webhook_jwt(bearer(token), SECRET)


@pytest.mark.parametrize("header", [None, "", "Bearer ", "Basic abc", "Bearer not.a.jwt"])
def test_missing_or_malformed_header_is_refused(header: str | None) -> None:
    with pytest.raises(WebhookAuthError):
        verify_webhook_jwt(header, SECRET)


def test_aud_is_not_required() -> None:
    assert verify_webhook_jwt(bearer(claims(aud="whatever")), SECRET)
