"""Verify the bearer JWT Jira puts on dynamic-webhook deliveries to an OAuth 2.0 app.

HS256 only (pinned: `alg: none` and RS/ES tokens are refused), key = the app's client secret,
`exp` required with a small leeway. Atlassian documents no `aud` or `qsh` for OAuth apps, so
neither is required; `iss` (= client id) is checked only when the caller asks for it.
"""

from __future__ import annotations

from typing import Any

import jwt

LEEWAY_SECONDS = 60


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
    """The token's claims, or WebhookAuthError. Never echoes the token or the secret."""
    token = bearer_token(authorization)
    options: dict[str, Any] = {"require": ["exp"], "verify_aud": False}
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            client_secret,
            algorithms=["HS256"],
            options=options,
            leeway=leeway,
            issuer=expected_issuer,
        )
    except jwt.PyJWTError as exc:
        raise WebhookAuthError(type(exc).__name__) from None
    return claims
