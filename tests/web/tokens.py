"""Bearer tokens of every kind a client might send, for the auth tests."""

from __future__ import annotations

import base64
import json
import uuid
import warnings
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from jwt.warnings import InsecureKeyLengthWarning

from core.settings import DEV_JWT_SECRET


def claims(**overrides: Any) -> dict[str, Any]:
    email = f"token-{uuid.uuid4().hex[:8]}@example.com"
    now = datetime.now(UTC)
    base = {
        "sub": f"test|{email}",
        "email": email,
        "name": "Token Tester",
        "exp": now + timedelta(hours=1),
    }
    base.update(overrides)
    return {key: value for key, value in base.items() if value is not None}


def valid(**overrides: Any) -> str:
    return jwt.encode(claims(**overrides), DEV_JWT_SECRET, algorithm="HS256")


def expired() -> str:
    return valid(exp=datetime.now(UTC) - timedelta(minutes=1))


def forged() -> str:
    return jwt.encode(
        claims(), "not-the-server-secret-but-long-enough-for-hs256", algorithm="HS256"
    )


def other_algorithm() -> str:
    """Signed with the right secret, but HS512: the server pins HS256."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InsecureKeyLengthWarning)  # short key for HS512: fine here
        return jwt.encode(claims(), DEV_JWT_SECRET, algorithm="HS512")


def without_exp() -> str:
    return jwt.encode(claims(exp=None), DEV_JWT_SECRET, algorithm="HS256")


def unsigned() -> str:
    """alg=none: a header and claims with an empty signature."""

    def part(data: dict[str, Any]) -> str:
        raw = json.dumps(data, default=lambda value: int(value.timestamp())).encode()
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims())}."


REFUSED = {
    "expired": expired,
    "forged": forged,
    "alg_none": unsigned,
    "alg_hs512": other_algorithm,
    "no_exp": without_exp,
    "garbage": lambda: "not-a-jwt",
}
