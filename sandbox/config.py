"""Sandbox configuration: the registered OAuth apps and the Atlassian-side policies."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

# The product's development OAuth app (same literals as its development defaults).
DEV_CLIENT_ID = "agilekit-dev-client"
DEV_CLIENT_SECRET = "dev-only-agilekit-jira-client-secret"
DEV_CALLBACK_SUFFIX = "/integrations/jira/callback"
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})

CLASSIC_SCOPES = frozenset(
    {
        "read:jira-work",
        "write:jira-work",
        "read:jira-user",
        "manage:jira-webhook",
        "manage:jira-project",
        "manage:jira-configuration",
    }
)
GRANULAR_SCOPES = frozenset(
    {
        "read:board-scope:jira-software",
        "read:filter:jira",
        "read:board-scope.admin:jira-software",
        "read:sprint:jira-software",
        "read:issue:jira-software",
        "write:issue:jira-software",
        "read:project:jira",
        "read:issue-details:jira",
        "read:jql:jira",
        "read:issue:jira",
        "read:issue-meta:jira",
        "write:issue:jira",
        "read:comment:jira",
        "write:comment:jira",
        "read:field:jira",
        "read:webhook:jira",
        "write:webhook:jira",
        "delete:webhook:jira",
        "read:user:jira",
        "read:me",
    }
)
ALL_SCOPES = CLASSIC_SCOPES | GRANULAR_SCOPES | {"offline_access"}


@dataclass
class OAuthApp:
    """An OAuth 2.0 (3LO) app as configured in the Atlassian developer console."""

    client_id: str
    client_secret: str
    name: str = "AgileKit (development)"
    scopes: frozenset[str] = ALL_SCOPES
    redirect_uris: list[str] = field(default_factory=list)
    # Accept any loopback redirect URI ending with this path (None: exact URIs only).
    loopback_callback_suffix: str | None = None
    # Private apps only get webhooks registered by their owner (see JIRA_CLOUD.md §4.1).
    distributed: bool = True
    owner_account_id: str | None = None

    def accepts_redirect(self, uri: str) -> bool:
        if uri in self.redirect_uris:
            return True
        if not self.loopback_callback_suffix:
            return False
        parts = urlsplit(uri)
        return (
            parts.scheme in {"http", "https"}
            and (parts.hostname or "") in LOOPBACK_HOSTS
            and parts.path.endswith(self.loopback_callback_suffix)
            and not parts.query
            and not parts.fragment
        )


def dev_app() -> OAuthApp:
    return OAuthApp(
        client_id=DEV_CLIENT_ID,
        client_secret=DEV_CLIENT_SECRET,
        loopback_callback_suffix=DEV_CALLBACK_SUFFIX,
    )


@dataclass
class SandboxConfig:
    """Policies; the defaults follow the [VERIFIED] facts of JIRA_CLOUD.md."""

    apps: list[OAuthApp] = field(default_factory=lambda: [dev_app()])
    seed_demo: bool = True
    require_audience: bool = True
    code_ttl_seconds: int = 600
    access_ttl_seconds: int = 3600
    refresh_reuse_leeway_seconds: int = 600
    refresh_idle_seconds: int = 90 * 86400
    refresh_absolute_seconds: int = 365 * 86400
    webhooks_per_app_user_site: int = 5
    webhook_ttl_seconds: int = 30 * 86400
    webhook_timeout_seconds: float = 5.0
    webhook_max_retries: int = 3
    webhook_retry_backoff_seconds: float = 0.2
    webhook_jwt_ttl_seconds: int = 300
    request_log_size: int = 5000
    # Load the world from this JSON file at start-up and save it after changes (None: memory).
    state_file: str | Path | None = None
    state_save_delay_seconds: float = 0.25  # debounce; 0 saves after every change
