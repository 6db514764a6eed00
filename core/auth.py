"""User bearer tokens: HS256 JWTs with `sub`, `email`, `name` and a required `exp`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache

import jwt

from core.text import text_problem

ALGORITHM = "HS256"
# What the users table stores (a longer claim could never be saved).
MAX_SUBJECT = 255
MAX_EMAIL = 320
MAX_NAME = 255
_LAST_TIMESTAMP = 253_402_300_799  # 9999-12-31T23:59:59Z, the last instant datetime holds
VERIFIED_TOKENS = 4096  # verified tokens remembered per process (least recently used go)


class InvalidToken(Exception):
    """The bearer token is missing, malformed, forged, expired or of another algorithm."""


@dataclass(frozen=True, slots=True)
class Principal:
    subject: str
    email: str
    name: str | None
    expires_at: datetime | None = None  # the token's `exp`; websockets re-check it

    def expired(self, now: datetime | None = None) -> bool:
        return self.expires_at is not None and self.expires_at <= (now or datetime.now(UTC))


def parse_authorization(header: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` value, or None when absent."""
    if not header:
        return None
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise InvalidToken("Authorization must be 'Bearer <token>'.")
    return token.strip()


def decode_token(token: str, secret: str) -> Principal:
    """The verified token's principal. A token verified before is not verified again (every
    request of a client carries the same one; HMAC and claim checks cost ~0.1 ms), but its
    expiry is checked on every use."""
    principal = _verified(token, secret)
    if principal.expired():
        raise InvalidToken("Token expired.")
    return principal


@lru_cache(maxsize=VERIFIED_TOKENS)
def _verified(token: str, secret: str) -> Principal:
    """Raises for a token that does not verify; only verified ones are remembered."""
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
    subject, email, name = claims.get("sub"), claims.get("email"), claims.get("name")
    if not isinstance(subject, str) or not subject or _bad(subject, MAX_SUBJECT):
        raise InvalidToken("Token lacks a valid `sub` claim.")
    if not isinstance(email, str) or "@" not in email or _bad(email, MAX_EMAIL):
        raise InvalidToken("Token lacks a valid `email` claim.")
    if not isinstance(name, str) or not name.strip():
        name = None
    elif _bad(name, MAX_NAME):
        raise InvalidToken("Token has an invalid `name` claim.")
    expires_at = datetime.fromtimestamp(min(int(claims["exp"]), _LAST_TIMESTAMP), UTC)
    return Principal(subject=subject, email=email, name=name, expires_at=expires_at)


def _bad(value: str, max_length: int) -> bool:
    return text_problem(value, max_length=max_length) is not None


def issue_token(
    secret: str, *, subject: str, email: str, name: str | None, ttl: timedelta = timedelta(days=7)
) -> str:
    now = datetime.now(UTC)
    claims = {"sub": subject, "email": email, "name": name, "iat": now, "exp": now + ttl}
    return jwt.encode(claims, secret, algorithm=ALGORITHM)
