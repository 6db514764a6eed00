"""Verify the bearer JWT Jira puts on dynamic-webhook deliveries to an OAuth 2.0 app.

HS256 only (pinned: `alg: none` and RS/ES tokens are refused), key = the app's client secret,
`exp` required with a small leeway. Atlassian documents no `aud` or `qsh` for OAuth apps, so
neither is required; `iss` (= client id) is checked only when the caller asks for it.

The check is this one compact-form HS256 profile written out with the standard library, not
PyJWT's general decoder: PyJWT 2.15 spends ~120 µs a token on work this profile never needs
(parsing the secret as a possible PEM, DER or JWK key on every call, a per-character alphabet
scan of each segment), a tenth of the server's time per delivery in a webhook burst. It is at
least as strict as PyJWT with the same arguments: tests/jira_cloud/test_webhook_auth.py checks
that it accepts no token PyJWT refuses, and accepts the tokens PyJWT accepts that Jira sends.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import time
from typing import Any

import orjson

LEEWAY_SECONDS = 60
MAX_TOKEN_CHARS = 8192  # a delivery's token is a few hundred characters
_SEGMENT = re.compile(r"[A-Za-z0-9_-]*")  # base64url without padding (RFC 7515 §2)


class WebhookAuthError(Exception):
    """The delivery is not from Jira (missing, malformed, forged or expired token)."""


def bearer_token(authorization: str | None) -> str:
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise WebhookAuthError("missing bearer token")
    return token.strip()


def verify_webhook_jwt(
    authorization: str | None,
    client_secret: str,
    expected_issuer: str | None = None,
    leeway: float = LEEWAY_SECONDS,
) -> dict[str, Any]:
    """The token's claims, or WebhookAuthError naming what failed (never the token or the
    secret)."""
    if not client_secret:
        raise WebhookAuthError("InvalidKeyError")
    header_part, claims_part, signature_part = _segments(bearer_token(authorization))
    _check_header(_json_object(_decoded(header_part)))
    expected = hmac.digest(
        client_secret.encode(), f"{header_part}.{claims_part}".encode(), hashlib.sha256
    )
    if not hmac.compare_digest(expected, _decoded(signature_part)):
        raise WebhookAuthError("InvalidSignatureError")
    claims = _json_object(_decoded(claims_part))
    _check_claims(claims, time.time(), leeway, expected_issuer)
    return claims


def _segments(token: str) -> tuple[str, str, str]:
    parts = token.split(".")
    if len(token) > MAX_TOKEN_CHARS or len(parts) != 3:
        raise WebhookAuthError("DecodeError")
    if not all(_SEGMENT.fullmatch(part) for part in parts):
        raise WebhookAuthError("DecodeError")
    return parts[0], parts[1], parts[2]


def _decoded(segment: str) -> bytes:
    """The bytes of one base64url segment, refusing any but its one canonical spelling."""
    if len(segment) % 4 == 1:
        raise WebhookAuthError("DecodeError")
    try:
        decoded = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    except binascii.Error:
        raise WebhookAuthError("DecodeError") from None
    if base64.urlsafe_b64encode(decoded).rstrip(b"=") != segment.encode():
        raise WebhookAuthError("DecodeError")  # stray bits past the last byte
    return decoded


def _json_object(data: bytes) -> dict[str, Any]:
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError:
        raise WebhookAuthError("DecodeError") from None
    if not isinstance(value, dict):
        raise WebhookAuthError("DecodeError")
    return value


def _check_header(header: dict[str, Any]) -> None:
    if header.get("alg") != "HS256":
        raise WebhookAuthError("InvalidAlgorithmError")
    if "crit" in header or header.get("b64", True) is not True:
        raise WebhookAuthError("InvalidTokenError")  # no JWS extension is understood here
    if "kid" in header and not isinstance(header["kid"], str):
        raise WebhookAuthError("InvalidTokenError")


def _check_claims(
    claims: dict[str, Any], now: float, leeway: float, expected_issuer: str | None
) -> None:
    if claims.get("exp") is None:
        raise WebhookAuthError("MissingRequiredClaimError")
    if _seconds(claims, "exp") <= now - leeway:
        raise WebhookAuthError("ExpiredSignatureError")
    for claim in ("iat", "nbf"):
        if claim in claims and _seconds(claims, claim) > now + leeway:
            raise WebhookAuthError("ImmatureSignatureError")
    for claim in ("sub", "jti"):
        if claim in claims and not isinstance(claims[claim], str):
            raise WebhookAuthError("InvalidTokenError")
    if expected_issuer is not None and claims.get("iss") != expected_issuer:
        raise WebhookAuthError("InvalidIssuerError")


def _seconds(claims: dict[str, Any], claim: str) -> int:
    """A NumericDate claim as whole seconds (as PyJWT reads it), refusing all but numbers."""
    value = claims[claim]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise WebhookAuthError("DecodeError")
    return int(value)  # orjson reads no NaN or infinity, so this cannot fail
