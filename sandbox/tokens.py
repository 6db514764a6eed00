"""OAuth 2.0 (3LO) state: consent grants, authorization codes, rotating refresh tokens."""

from __future__ import annotations

import secrets
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import jwt

from sandbox.clock import Clock
from sandbox.config import OAuthApp, SandboxConfig

INVALID_REFRESH = "Unknown or invalid refresh token."


class OAuthError(Exception):
    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(description)
        self.status, self.error, self.description = status, error, description


@dataclass
class Grant:
    """One per app per Atlassian account; consent replaces scopes and adds sites."""

    client_id: str
    account_id: str
    scopes: frozenset[str]
    cloud_ids: set[str] = field(default_factory=set)


@dataclass
class AuthCode:
    client_id: str
    account_id: str
    redirect_uri: str
    scopes: frozenset[str]
    created_at: datetime
    used: bool = False


@dataclass
class Family:
    """The refresh tokens descending from one consent."""

    id: str
    client_id: str
    account_id: str
    scopes: frozenset[str]
    created_at: datetime
    revoked: bool = False


@dataclass
class RefreshToken:
    family_id: str
    issued_at: datetime
    rotated_at: datetime | None = None


@dataclass
class AccessToken:
    jti: str
    client_id: str
    account_id: str
    scopes: frozenset[str]
    expires_at: datetime
    revoked: bool = False


class TokenStore:
    def __init__(self, config: SandboxConfig, clock: Clock) -> None:
        self.config, self.clock = config, clock
        self.signing_key = secrets.token_hex(32)
        self.grants: dict[tuple[str, str], Grant] = {}
        self.codes: dict[str, AuthCode] = {}
        self.families: dict[str, Family] = {}
        self.refresh_tokens: dict[str, RefreshToken] = {}
        self.access_tokens: dict[str, AccessToken] = {}
        self.calls: Counter[str] = Counter()

    # consent -------------------------------------------------------------------------------
    def consent(
        self, app: OAuthApp, account_id: str, scopes: frozenset[str], cloud_id: str, redirect: str
    ) -> str:
        grant = self.grants.get((app.client_id, account_id))
        if grant is None:
            grant = self.grants[(app.client_id, account_id)] = Grant(
                app.client_id, account_id, scopes
            )
        grant.scopes = scopes
        grant.cloud_ids.add(cloud_id)
        code = secrets.token_urlsafe(24)
        self.codes[code] = AuthCode(app.client_id, account_id, redirect, scopes, self.clock.now())
        return code

    # token endpoint --------------------------------------------------------------------------
    def exchange_code(self, app: OAuthApp, code: str, redirect_uri: str) -> dict[str, object]:
        record = self.codes.get(code)
        now = self.clock.now()
        ttl = timedelta(seconds=self.config.code_ttl_seconds)
        if record is None or record.used or record.client_id != app.client_id:
            raise OAuthError(400, "invalid_request", "authorization_code is invalid")
        if now - record.created_at > ttl:
            raise OAuthError(400, "invalid_request", "authorization_code is invalid")
        if record.redirect_uri != redirect_uri:
            raise OAuthError(403, "invalid_grant", "Invalid redirect_uri")
        record.used = True
        family = Family(uuid.uuid4().hex, app.client_id, record.account_id, record.scopes, now)
        self.families[family.id] = family
        return self.mint(family)

    def refresh(self, app: OAuthApp, token: str) -> dict[str, object]:
        record = self.refresh_tokens.get(token)
        family = self.families.get(record.family_id) if record else None
        if record is None or family is None or family.client_id != app.client_id:
            raise OAuthError(403, "invalid_grant", INVALID_REFRESH)
        now = self.clock.now()
        grant = self.grants.get((family.client_id, family.account_id))
        expired = now - record.issued_at > timedelta(
            seconds=self.config.refresh_idle_seconds
        ) or now - family.created_at > timedelta(seconds=self.config.refresh_absolute_seconds)
        if family.revoked or expired or grant is None or not grant.cloud_ids:
            raise OAuthError(403, "invalid_grant", INVALID_REFRESH)
        if record.rotated_at is not None:
            leeway = timedelta(seconds=self.config.refresh_reuse_leeway_seconds)
            if now - record.rotated_at > leeway:
                family.revoked = True  # reuse outside the leeway kills the whole family
                raise OAuthError(403, "invalid_grant", INVALID_REFRESH)
        else:
            record.rotated_at = now
        return self.mint(family)

    def mint(self, family: Family) -> dict[str, object]:
        now = self.clock.now()
        ttl = self.config.access_ttl_seconds
        jti = uuid.uuid4().hex
        claims = {
            "iss": "https://auth.atlassian.com",
            "sub": family.account_id,
            "aud": "api.atlassian.com",
            "iat": int(now.timestamp()),
            "exp": int(now.timestamp()) + ttl,
            "jti": jti,
            "client_id": family.client_id,
            "scope": " ".join(sorted(family.scopes)),
        }
        self.access_tokens[jti] = AccessToken(
            jti, family.client_id, family.account_id, family.scopes, now + timedelta(seconds=ttl)
        )
        body: dict[str, object] = {
            "access_token": jwt.encode(claims, self.signing_key, algorithm="HS256"),
            "expires_in": ttl,
            "scope": " ".join(sorted(family.scopes)),
            "token_type": "Bearer",
        }
        if "offline_access" in family.scopes:
            refresh = secrets.token_urlsafe(48)
            self.refresh_tokens[refresh] = RefreshToken(family.id, now)
            body["refresh_token"] = refresh
        return body

    # gateway ------------------------------------------------------------------------------
    def authenticate(self, bearer: str) -> AccessToken | None:
        try:
            claims = jwt.decode(
                bearer,
                self.signing_key,
                algorithms=["HS256"],
                audience="api.atlassian.com",
                options={"verify_exp": False, "verify_iat": False, "verify_nbf": False},
            )
        except jwt.PyJWTError:
            return None
        record = self.access_tokens.get(str(claims.get("jti")))
        if record is None or record.revoked or record.expires_at <= self.clock.now():
            return None
        return record

    def grant_for(self, token: AccessToken) -> Grant | None:
        return self.grants.get((token.client_id, token.account_id))

    # admin ---------------------------------------------------------------------------------
    def expire_access(self, account_id: str | None = None, client_id: str | None = None) -> int:
        hits = [
            t
            for t in self.access_tokens.values()
            if (account_id in {None, t.account_id}) and (client_id in {None, t.client_id})
        ]
        for token in hits:
            token.expires_at = min(token.expires_at, self.clock.now())
        return len(hits)

    def revoke(self, account_id: str | None = None, client_id: str | None = None) -> int:
        """The user revoked the app (or changed password): every token of the grant dies."""
        count = self.expire_access(account_id, client_id)
        for token in self.access_tokens.values():
            if account_id in {None, token.account_id} and client_id in {None, token.client_id}:
                token.revoked = True
        for family in self.families.values():
            if account_id in {None, family.account_id} and client_id in {None, family.client_id}:
                family.revoked = True
                count += 1
        for key in [k for k in self.grants if account_id in {None, k[1]}]:
            if client_id in {None, key[0]}:
                del self.grants[key]
        return count
