"""The webhook bearer JWT: HS256 with the client secret, exp with leeway, nothing else."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

import jwt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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


# The verifier against PyJWT's general decoder, given the same arguments: never more lenient,
# and the same answer for every token in the shape Jira sends.

OTHER_SECRET = "not-the-client-secret-" + "fedcba9876543210" * 3
TIME_CLAIMS = ("exp", "iat", "nbf")
# Seconds from now, far enough from the leeway's edges that the two checks, a moment apart,
# see the same side of them.
OFFSETS = st.sampled_from([-3600, -90, -30, 0, 30, 90, 3600])
NUMERIC = st.one_of(OFFSETS, OFFSETS.map(lambda t: t + 0.5))
ODD = st.one_of(
    st.none(), st.booleans(), st.text(max_size=5), st.just("1"), st.lists(st.integers(), max_size=2)
)


def segment(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def forge(header: dict[str, object], body: dict[str, object], secret: str) -> str:
    """A compact token with any header, signed with HS256 over what it says; numeric time
    claims count from now."""
    now = int(time.time())
    body = {
        claim: now + value
        if claim in TIME_CLAIMS and isinstance(value, int | float) and not isinstance(value, bool)
        else value
        for claim, value in body.items()
    }
    signing_input = f"{segment(json.dumps(header).encode())}.{segment(json.dumps(body).encode())}"
    mac = hmac.new(secret.encode(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{segment(mac)}"


def pyjwt_claims(token: str, issuer: str | None) -> dict[str, object] | None:
    try:
        return jwt.decode(
            token,
            SECRET,
            algorithms=["HS256"],
            options={"require": ["exp"], "verify_aud": False},
            leeway=60,
            issuer=issuer,
        )
    except jwt.PyJWTError:
        return None


def our_claims(token: str, issuer: str | None) -> dict[str, object] | None:
    try:
        return verify_webhook_jwt(f"Bearer {token}", SECRET, expected_issuer=issuer)
    except WebhookAuthError:
        return None


jira_claims = st.fixed_dictionaries(
    {"exp": NUMERIC},
    optional={
        "iat": NUMERIC,
        "nbf": NUMERIC,
        "iss": st.sampled_from(["client-id", "other"]),
        "sub": st.text(max_size=8),
        "jti": st.text(max_size=8),
        "aud": st.text(max_size=8),
        "context": st.dictionaries(st.text(max_size=4), st.integers(), max_size=2),
    },
)
jira_headers = st.fixed_dictionaries(
    {"alg": st.just("HS256")}, optional={"typ": st.just("JWT"), "kid": st.text(max_size=4)}
)


@settings(max_examples=300, deadline=None)
@given(
    header=jira_headers,
    body=jira_claims,
    secret=st.sampled_from([SECRET, OTHER_SECRET]),
    issuer=st.sampled_from([None, "client-id"]),
)
def test_same_answer_as_pyjwt_for_tokens_shaped_like_jiras(
    header: dict[str, object], body: dict[str, object], secret: str, issuer: str | None
) -> None:
    token = forge(header, body, secret)
    assert our_claims(token, issuer) == pyjwt_claims(token, issuer)


def mangled(token: str, how: int, where: int) -> str:
    parts = token.split(".")
    part = parts[where]
    if how == 0 and part:  # one character changed
        part = ("A" if part[0] != "A" else "B") + part[1:]
    elif how == 1:  # padding
        part += "="
    elif how == 2:  # a character outside the alphabet
        part = part[:1] + "!" + part[1:]
    elif how == 3:  # a segment dropped
        return ".".join(parts[:where] + parts[where + 1 :])
    parts[where] = part
    return ".".join(parts)


@settings(max_examples=500, deadline=None)
@given(
    header=st.one_of(
        jira_headers,
        st.fixed_dictionaries(
            {"alg": st.sampled_from(["HS256", "HS512", "none", "RS256", "hs256", ""])},
            optional={
                "kid": st.one_of(st.text(max_size=3), st.integers()),
                "crit": st.one_of(st.just(["b64"]), st.lists(st.text(max_size=3), max_size=2)),
                "b64": st.booleans(),
            },
        ),
    ),
    body=st.one_of(
        jira_claims,
        st.dictionaries(
            st.sampled_from(["exp", "iat", "nbf", "iss", "sub", "jti"]),
            st.one_of(NUMERIC, ODD),
            max_size=5,
        ),
    ),
    secret=st.sampled_from([SECRET, OTHER_SECRET, ""]),
    mangle=st.one_of(st.none(), st.tuples(st.integers(0, 3), st.integers(0, 2))),
    issuer=st.sampled_from([None, "client-id"]),
)
def test_never_accepts_a_token_pyjwt_refuses(
    header: dict[str, object],
    body: dict[str, object],
    secret: str,
    mangle: tuple[int, int] | None,
    issuer: str | None,
) -> None:
    token = forge(header, body, secret)
    if mangle is not None:
        token = mangled(token, *mangle)
    ours = our_claims(token, issuer)
    if ours is not None:
        assert ours == pyjwt_claims(token, issuer)


@pytest.mark.parametrize(
    "token",
    [
        "e30.e30.",  # {} . {} . no signature
        "." * 2,
        "a.b.c.d",
        "x" * 9000,
        "\u00e9yJ.e30.abc",
    ],
)
def test_malformed_tokens_are_refused(token: str) -> None:
    with pytest.raises(WebhookAuthError):
        verify_webhook_jwt(f"Bearer {token}", SECRET)


def test_a_signature_with_stray_bits_is_refused() -> None:
    token = forge({"alg": "HS256"}, claims(), SECRET)
    head, body, mac = token.split(".")
    # The last character of a 43-character segment holds 2 bits of padding: set them.
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    last = alphabet.index(mac[-1])
    stray = f"{head}.{body}.{mac[:-1]}{alphabet[last ^ 1]}"
    assert stray != token and base64.urlsafe_b64decode(stray.split(".")[2] + "=") == (
        base64.urlsafe_b64decode(mac + "=")
    )
    with pytest.raises(WebhookAuthError):
        verify_webhook_jwt(f"Bearer {stray}", SECRET)


def test_an_empty_secret_verifies_nothing() -> None:
    with pytest.raises(WebhookAuthError):
        verify_webhook_jwt(f"Bearer {forge({'alg': 'HS256'}, claims(), '')}", "")
