"""core.settings: production refuses development secrets and names them."""

from __future__ import annotations

import pytest

from core.settings import (
    DEV_JIRA_CLIENT_ID,
    DEV_JIRA_CLIENT_SECRET,
    DEV_JWT_SECRET,
    DEV_TOKEN_KEYS,
    InsecureSettingsError,
    Settings,
)

SECRET_NAMES = ["AUTH_JWT_SECRET", "JIRA_CLIENT_ID", "JIRA_CLIENT_SECRET", "TOKEN_ENCRYPTION_KEYS"]
REAL_SECRETS = {
    "AUTH_JWT_SECRET": "a-real-jwt-secret-from-the-vault",
    "JIRA_CLIENT_ID": "real-client-id",
    "JIRA_CLIENT_SECRET": "a-real-client-secret",
    "TOKEN_ENCRYPTION_KEYS": "k1:" + "ab" * 32,
}


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [
        *SECRET_NAMES,
        "AGILEKIT_ENV",
        "CORS_ORIGINS",
        "WS_ALLOWED_ORIGINS",
        "PUBLIC_URL",
        "APP_URL",
    ]:
        monkeypatch.delenv(name, raising=False)


def test_production_refuses_every_development_secret_and_names_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AGILEKIT_ENV", "production")
    settings = Settings()
    with pytest.raises(InsecureSettingsError) as refused:
        settings.check_production()
    for name in SECRET_NAMES:
        assert name in str(refused.value)


@pytest.mark.parametrize("kept_default", SECRET_NAMES)
def test_production_names_the_one_secret_left_at_its_default(
    kept_default: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AGILEKIT_ENV", "production")
    for name, value in REAL_SECRETS.items():
        if name != kept_default:
            monkeypatch.setenv(name, value)
    with pytest.raises(InsecureSettingsError) as refused:
        Settings().check_production()
    named = [name for name in SECRET_NAMES if name in str(refused.value)]
    assert named == [kept_default]


def test_production_refuses_an_empty_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGILEKIT_ENV", "production")
    for name, value in REAL_SECRETS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AUTH_JWT_SECRET", "")
    with pytest.raises(InsecureSettingsError, match="AUTH_JWT_SECRET"):
        Settings().check_production()


def test_production_starts_with_real_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGILEKIT_ENV", "production")
    for name, value in REAL_SECRETS.items():
        monkeypatch.setenv(name, value)
    settings = Settings()
    settings.check_production()  # does not raise
    assert settings.insecure_production_settings() == []
    assert not settings.is_development


def test_development_keeps_its_defaults() -> None:
    settings = Settings()
    settings.check_production()
    assert settings.is_development
    assert (settings.auth_jwt_secret, settings.jira_client_id) == (
        DEV_JWT_SECRET,
        DEV_JIRA_CLIENT_ID,
    )
    assert (settings.jira_client_secret, settings.token_encryption_keys) == (
        DEV_JIRA_CLIENT_SECRET,
        DEV_TOKEN_KEYS,
    )


def test_unknown_environment_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGILEKIT_ENV", "staging")
    with pytest.raises(ValueError, match="agilekit_env"):
        Settings()


def test_origin_lists_accept_commas_and_urls_lose_trailing_slashes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CORS_ORIGINS", "https://app.example.com, https://admin.example.com/")
    monkeypatch.setenv("WS_ALLOWED_ORIGINS", '["https://live.example.com"]')
    monkeypatch.setenv("PUBLIC_URL", "https://api.example.com/")
    settings = Settings()
    assert settings.cors_origins == ["https://app.example.com", "https://admin.example.com"]
    assert settings.ws_allowed_origins == ["https://live.example.com"]
    assert settings.public_url == "https://api.example.com"
    assert settings.frontend_url == "https://api.example.com"
    assert "https://admin.example.com" in settings.allowed_ws_origins()


def test_development_points_atlassian_urls_at_the_mounted_sandbox() -> None:
    settings = Settings(public_url="http://127.0.0.1:8123")
    assert settings.auth_base_url == "http://127.0.0.1:8123/sandbox/auth"
    assert settings.api_base_url == "http://127.0.0.1:8123/sandbox/api"
    explicit = Settings(atlassian_auth_url="http://127.0.0.1:9000/auth/")
    assert explicit.auth_base_url == "http://127.0.0.1:9000/auth"
    production = Settings(agilekit_env="production")
    assert production.auth_base_url == "https://auth.atlassian.com"
    assert production.api_base_url == "https://api.atlassian.com"
