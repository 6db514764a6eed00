"""Token encryption: AES-256-GCM in a versioned envelope, bound to its row and field.

Envelope: ``v1.<key id>.<base64url nonce>.<base64url ciphertext+tag>``. The associated data
names the table, row id and field, so a ciphertext copied to another row or column fails to
decrypt. TOKEN_ENCRYPTION_KEYS is ``keyid:hex32bytes[,keyid:hex32bytes...]``: the first key
encrypts, every listed key decrypts (rotation).
"""

from __future__ import annotations

import base64
import binascii
import os
import re
from dataclasses import dataclass
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

ENVELOPE_VERSION = "v1"
NONCE_BYTES = 12
_KEY_ID = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
_HEX_KEY = re.compile(r"^[0-9a-fA-F]{64}$")


class KeyConfigError(ValueError):
    """TOKEN_ENCRYPTION_KEYS is malformed (the message never contains key material)."""


class DecryptionError(Exception):
    """An envelope is malformed, uses an unknown key, or fails authentication."""


def associated_data(table: str, row_id: int | str, field: str) -> bytes:
    """What a ciphertext is bound to: copying it to another row or field breaks the tag."""
    return f"agilekit:{table}:{row_id}:{field}".encode()


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class Keyring:
    """Ordered AES-256 keys by id; the first one encrypts."""

    key_ids: tuple[str, ...]
    _keys: dict[str, bytes]

    @property
    def primary_key_id(self) -> str:
        return self.key_ids[0]

    @classmethod
    def parse(cls, spec: str) -> Keyring:
        entries = [part.strip() for part in (spec or "").split(",") if part.strip()]
        if not entries:
            raise KeyConfigError("TOKEN_ENCRYPTION_KEYS is empty: expected keyid:hex32bytes.")
        keys: dict[str, bytes] = {}
        for position, entry in enumerate(entries, start=1):
            key_id, sep, hex_key = entry.partition(":")
            if not sep:
                raise KeyConfigError(
                    f"TOKEN_ENCRYPTION_KEYS entry {position} has no ':': expected keyid:hex32bytes."
                )
            if not _KEY_ID.match(key_id):
                raise KeyConfigError(
                    f"TOKEN_ENCRYPTION_KEYS entry {position}: key id must be 1-32 characters "
                    "of letters, digits, '_' or '-'."
                )
            if not _HEX_KEY.match(hex_key):
                raise KeyConfigError(
                    f"TOKEN_ENCRYPTION_KEYS key {key_id!r} must be 64 hex characters (32 bytes)."
                )
            if key_id in keys:
                raise KeyConfigError(f"TOKEN_ENCRYPTION_KEYS lists key id {key_id!r} twice.")
            keys[key_id] = binascii.unhexlify(hex_key)
        return cls(key_ids=tuple(keys), _keys=keys)

    def encrypt(self, plaintext: str, aad: bytes) -> str:
        key_id = self.primary_key_id
        nonce = os.urandom(NONCE_BYTES)
        sealed = AESGCM(self._keys[key_id]).encrypt(nonce, plaintext.encode(), aad)
        return ".".join((ENVELOPE_VERSION, key_id, _b64encode(nonce), _b64encode(sealed)))

    def decrypt(self, envelope: str, aad: bytes) -> str:
        key_id, nonce, sealed = self._open(envelope)
        key = self._keys.get(key_id)
        if key is None:
            raise DecryptionError(f"token encrypted under unknown key id {key_id!r}")
        try:
            return AESGCM(key).decrypt(nonce, sealed, aad).decode()
        except InvalidTag:
            raise DecryptionError("token ciphertext failed authentication") from None

    def needs_rotation(self, envelope: str) -> bool:
        return envelope_key_id(envelope) != self.primary_key_id

    @staticmethod
    def _open(envelope: str) -> tuple[str, bytes, bytes]:
        parts = envelope.split(".") if isinstance(envelope, str) else []
        if len(parts) != 4 or parts[0] != ENVELOPE_VERSION:
            raise DecryptionError("not a v1 token envelope")
        try:
            nonce, sealed = _b64decode(parts[2]), _b64decode(parts[3])
        except (binascii.Error, ValueError):
            raise DecryptionError("token envelope is not valid base64") from None
        if len(nonce) != NONCE_BYTES or len(sealed) < 16:
            raise DecryptionError("token envelope has a bad nonce or ciphertext length")
        return parts[1], nonce, sealed


def envelope_key_id(envelope: str) -> str:
    parts = envelope.split(".")
    if len(parts) != 4 or parts[0] != ENVELOPE_VERSION:
        raise DecryptionError("not a v1 token envelope")
    return parts[1]


@lru_cache(maxsize=8)
def keyring_from(spec: str) -> Keyring:
    """Parsed once per distinct TOKEN_ENCRYPTION_KEYS value."""
    return Keyring.parse(spec)
