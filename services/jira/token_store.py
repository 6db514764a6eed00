"""Sealing connection tokens, the OAuth app from settings, and `keys rotate`.

Each token is an envelope (core.crypto) bound to ("jira_connections", row id, field).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from core.crypto import (
    DecryptionError,
    Keyring,
    associated_data,
    envelope_key_id,
    keyring_from,
)
from core.settings import Settings
from jira_cloud.oauth import OAuthApp
from models.jira import JiraConnection

log = logging.getLogger(__name__)

ACCESS_FIELD = "access_token"
REFRESH_FIELD = "refresh_token"
_COLUMNS = {ACCESS_FIELD: "access_token_enc", REFRESH_FIELD: "refresh_token_enc"}
CALLBACK_PATH = "/integrations/jira/callback"


def oauth_app_for(settings: Settings) -> OAuthApp:
    return OAuthApp(
        client_id=settings.jira_client_id,
        client_secret=settings.jira_client_secret,
        redirect_uri=f"{settings.public_url}{CALLBACK_PATH}",
        auth_base_url=settings.auth_base_url,
        api_base_url=settings.api_base_url,
    )


def keyring_for(settings: Settings) -> Keyring:
    return keyring_from(settings.token_encryption_keys)


def _aad(connection_id: int, field: str) -> bytes:
    return associated_data(JiraConnection.TABLE, connection_id, field)


def seal(keyring: Keyring, connection_id: int, field: str, token: str) -> str:
    return keyring.encrypt(token, _aad(connection_id, field))


def unseal(keyring: Keyring, connection: JiraConnection, field: str) -> str:
    envelope = getattr(connection, _COLUMNS[field])
    if not envelope:
        raise DecryptionError(f"connection {connection.id} has no {field}")
    return keyring.decrypt(envelope, _aad(connection.id, field))


def sealed_tokens(
    keyring: Keyring, connection_id: int, access_token: str, refresh_token: str
) -> dict[str, str]:
    """Column values for both tokens of a row (which must already have its id)."""
    return {
        "access_token_enc": seal(keyring, connection_id, ACCESS_FIELD, access_token),
        "refresh_token_enc": seal(keyring, connection_id, REFRESH_FIELD, refresh_token),
    }


@dataclass
class RotationReport:
    rotated: int = 0
    already_current: int = 0
    skipped_concurrent: int = 0
    failed: int = 0


async def rotate_keys(keyring: Keyring, batch_size: int = 200) -> RotationReport:
    """Re-encrypt every token not under the first key. Idempotent and resumable: each row is
    its own compare-and-swap on `version` (a concurrent refresh makes us re-read and retry),
    so an interrupted run leaves only whole rows done and a re-run finishes the rest."""
    report = RotationReport()
    last_id = 0
    while True:
        ids = await (
            JiraConnection.filter(id__gt=last_id)
            .order_by("id")
            .limit(batch_size)
            .values_list("id", flat=True)
        )
        if not ids:
            return report
        for connection_id in ids:
            await _rotate_row(keyring, int(connection_id), report)
        last_id = int(ids[-1])


async def _rotate_row(keyring: Keyring, connection_id: int, report: RotationReport) -> None:
    for _attempt in range(5):
        row = await JiraConnection.get_or_none(id=connection_id)
        if row is None:
            return
        columns = [c for c in _COLUMNS.values() if getattr(row, c)]
        if all(envelope_key_id(getattr(row, c)) == keyring.primary_key_id for c in columns):
            report.already_current += 1
            return
        try:
            updates = {
                column: seal(keyring, row.id, field, unseal(keyring, row, field))
                for field, column in _COLUMNS.items()
                if getattr(row, column)
            }
        except DecryptionError as exc:
            log.error("keys rotate: connection %s cannot be decrypted: %s", row.id, exc)
            report.failed += 1
            return
        # Same tokens, new key: leave `version` alone so an in-flight refresh's own
        # compare-and-swap still succeeds; ours fails (and retries) if a refresh won.
        changed = await JiraConnection.filter(id=row.id, version=row.version).update(**updates)
        if changed:
            report.rotated += 1
            return
    report.skipped_concurrent += 1
