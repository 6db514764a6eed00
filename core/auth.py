"""User bearer tokens: HS256 JWTs with `sub`, `email`, `name` and a required `exp`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt

ALGORITHM = "HS256"


class InvalidToken(Exception):
    """The bearer token is missing, malformed, forged, expired or of another algorithm."""


@dataclass(frozen=True, slots=True)
class Principal:
    subject: str
    email: str
    name: str | None


def parse_authorization(header: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` value, or None when absent."""
    if not header:
        return None
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise InvalidToken("Authorization must be 'Bearer <token>'.")
    return token.strip()


def decode_token(token: str, secret: str) -> Principal:
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],  # pinned: `none` and every other algorithm are refused
            options={"require": ["exp", "sub"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise InvalidToken("Token expired.") from exc
    except jwt.PyJWTError as exc:
        raise InvalidToken("Invalid token.") from exc
    subject, email = claims.get("sub"), claims.get("email")
    if (
        not isinstance(subject, str)
        or not subject
        or not isinstance(email, str)
        or "@" not in email
    ):
        raise InvalidToken("Token lacks a valid `sub` or `email` claim.")
    name = claims.get("name")
    return Principal(subject=subject, email=email, name=name if isinstance(name, str) else None)


def issue_token(
    secret: str, *, subject: str, email: str, name: str | None, ttl: timedelta = timedelta(days=7)
) -> str:
    now = datetime.now(UTC)
    claims = {"sub": subject, "email": email, "name": name, "iat": now, "exp": now + ttl}
    return jwt.encode(claims, secret, algorithm=ALGORITHM)
