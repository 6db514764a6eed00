"""Configuration as data: each knob of the README's configuration table, from the environment."""

from __future__ import annotations

import ipaddress
import json
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEV_JWT_SECRET = "dev-only-agilekit-jwt-secret-change-me"
DEV_JIRA_CLIENT_ID = "agilekit-dev-client"
DEV_JIRA_CLIENT_SECRET = "dev-only-agilekit-jira-client-secret"
DEV_TOKEN_KEYS = "dev:" + "00112233445566778899aabbccddeeff" * 2
DEFAULT_DATABASE_URL = "sqlite://agilekit.sqlite3"
DEFAULT_JOB_TIMEOUT_S = 300.0
WEB_APP_DIR = Path(__file__).resolve().parent.parent / "frontend" / "dist"
DEFAULT_PUBLIC_URL = "http://127.0.0.1:8000"
# Written by `make codegen` (GraphQL Code Generator's persisted documents).
TRUSTED_DOCUMENTS_FILE = (
    Path(__file__).resolve().parent.parent / "generated" / "persisted-documents.json"
)
ATLASSIAN_AUTH_URL = "https://auth.atlassian.com"
ATLASSIAN_API_URL = "https://api.atlassian.com"

# Secret settings and the development default each must not keep in production.
_DEV_SECRETS = {
    "AUTH_JWT_SECRET": ("auth_jwt_secret", DEV_JWT_SECRET),
    "JIRA_CLIENT_ID": ("jira_client_id", DEV_JIRA_CLIENT_ID),
    "JIRA_CLIENT_SECRET": ("jira_client_secret", DEV_JIRA_CLIENT_SECRET),
    "TOKEN_ENCRYPTION_KEYS": ("token_encryption_keys", DEV_TOKEN_KEYS),
}


class InsecureSettingsError(RuntimeError):
    """Production was asked to start with development secrets."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=None, extra="ignore", case_sensitive=False)

    agilekit_env: Literal["development", "production"] = "development"
    database_url: str = DEFAULT_DATABASE_URL
    redis_url: str | None = None
    redis_prefix: str = "agilekit"
    public_url: str = DEFAULT_PUBLIC_URL
    app_url: str | None = None
    auth_jwt_secret: str = DEV_JWT_SECRET
    jira_client_id: str = DEV_JIRA_CLIENT_ID
    jira_client_secret: str = DEV_JIRA_CLIENT_SECRET
    token_encryption_keys: str = DEV_TOKEN_KEYS
    atlassian_auth_url: str | None = None
    atlassian_api_url: str | None = None

    # NoDecode: the env value is a comma list (or JSON list), split by _split_commas below.
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    ws_allowed_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # Who may read GET /metrics: addresses or CIDR ranges (web/metrics.py); others get 404.
    metrics_allow_ips: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["127.0.0.1", "::1"]
    )
    max_body_bytes: int = 1_000_000
    log_level: str = "INFO"
    log_json: bool = True
    seed_demo_data: bool = True
    graphql_max_depth: int = 12
    graphql_max_tokens: int = 3000
    graphql_max_aliases: int = 30
    # The longest document (query text) accepted, over HTTP and websockets alike.
    graphql_max_document_bytes: int = Field(100_000, ge=1000)
    # The most fields a response may hold in the worst case (schema/limits.py counts them):
    # a 500-issue room page with descriptions and Jira links costs about 14,000.
    graphql_max_cost: int = Field(20_000, ge=1)
    graphql_introspection: bool = True
    graphiql: bool | None = None  # None: on in development, off in production
    graphql_documents: Literal["any", "trusted"] = "any"
    graphql_trusted_documents_file: Path = TRUSTED_DOCUMENTS_FILE
    # The built web app, served at / when it holds an index.html (`make setup` builds it).
    web_app_dir: Path = WEB_APP_DIR
    ws_max_connections_per_user: int = Field(10, ge=1)
    ws_max_subscriptions_per_connection: int = Field(20, ge=1)
    # arq: the longest a job may run; a killed worker's job runs again this + 10 s later.
    job_timeout_s: float = Field(DEFAULT_JOB_TIMEOUT_S, gt=0)
    # False: this process runs no schedules (sweeps, polls, refreshes), another process on the
    # same database does; jobs queued to it still run.
    run_schedules: bool = True
    # The webhook inbox sweeper's cadence (seconds, a divisor of 60).
    webhook_sweep_interval_s: int = Field(60, ge=1, le=60)
    # Jira request budgets (token buckets shared through Redis; services/jira/rate_budget.py);
    # 0 switches one off. The app's burst defaults to its rate, a site's to twice its rate (a
    # dialog's dozen calls go at once; bulk work is paced at the rate).
    jira_rate_per_second: float = Field(10.0, ge=0)
    jira_rate_burst: float | None = Field(None, ge=1)
    jira_site_rate_per_second: float = Field(5.0, ge=0)
    jira_site_rate_burst: float | None = Field(None, ge=1)
    # The least time between two writes (PUT issue, POST comment) to one issue.
    jira_issue_write_interval_s: float = Field(0.5, ge=0)
    # Traces (core/tracing.py): off unless the OTLP endpoint is set; the SDK reads the rest.
    otel_exporter_otlp_endpoint: str | None = None
    otel_service_name: str | None = None  # default: agilekit-server / agilekit-worker

    @field_validator("public_url", "app_url", "atlassian_auth_url", "atlassian_api_url")
    @classmethod
    def _strip_trailing_slash(cls, value: str | None) -> str | None:
        return value.rstrip("/") if value else value

    @field_validator("webhook_sweep_interval_s")
    @classmethod
    def _divides_a_minute(cls, value: int) -> int:
        if 60 % value:
            raise ValueError("must divide 60 (the sweeper runs at fixed seconds of each minute)")
        return value

    @field_validator("metrics_allow_ips", mode="before")
    @classmethod
    def _split_addresses(cls, value: object) -> object:
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        for entry in value if isinstance(value, list) else ():
            ipaddress.ip_network(str(entry), strict=False)  # ValueError: not an address/range
        return value

    @field_validator("cors_origins", "ws_allowed_origins", mode="before")
    @classmethod
    def _split_commas(cls, value: object) -> object:
        if isinstance(value, str) and value.lstrip().startswith("["):
            return json.loads(value)
        if isinstance(value, str):
            return [part.strip().rstrip("/") for part in value.split(",") if part.strip()]
        return value

    @property
    def is_development(self) -> bool:
        return self.agilekit_env == "development"

    @property
    def frontend_url(self) -> str:
        return self.app_url or self.public_url

    @property
    def graphiql_enabled(self) -> bool:
        return self.is_development if self.graphiql is None else self.graphiql

    @property
    def sandbox_mounted(self) -> bool:
        """Development with no explicit Atlassian URLs talks to the mounted sandbox."""
        return self.is_development and not (self.atlassian_auth_url or self.atlassian_api_url)

    @property
    def auth_base_url(self) -> str:
        if self.sandbox_mounted:
            return f"{self.public_url}/sandbox/auth"
        return self.atlassian_auth_url or ATLASSIAN_AUTH_URL

    @property
    def api_base_url(self) -> str:
        if self.sandbox_mounted:
            return f"{self.public_url}/sandbox/api"
        return self.atlassian_api_url or ATLASSIAN_API_URL

    @property
    def uses_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def allowed_ws_origins(self) -> set[str]:
        origins = {*self.ws_allowed_origins, *self.cors_origins, self.public_url, self.frontend_url}
        if self.is_development:  # the same loopback server, reached by either name
            origins |= {_other_loopback_name(url) for url in (self.public_url, self.frontend_url)}
        return origins

    def insecure_production_settings(self) -> list[str]:
        """Names of secrets that still hold their development default."""
        return [
            name
            for name, (attr, dev_value) in _DEV_SECRETS.items()
            if not getattr(self, attr) or getattr(self, attr) == dev_value
        ]

    def check_production(self) -> None:
        if self.is_development:
            return
        insecure = self.insecure_production_settings()
        if insecure:
            raise InsecureSettingsError(
                "AGILEKIT_ENV=production refuses development defaults for: "
                + ", ".join(insecure)
                + ". Set each to a real secret."
            )


def _other_loopback_name(url: str) -> str:
    if "//127.0.0.1" in url:
        return url.replace("//127.0.0.1", "//localhost", 1)
    if "//localhost" in url:
        return url.replace("//localhost", "//127.0.0.1", 1)
    return url


@lru_cache
def get_settings() -> Settings:
    return Settings()
