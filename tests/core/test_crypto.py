"""Token envelopes: AES-256-GCM bound to table, row and field; key rings and rotation."""

from __future__ import annotations

import pytest

from core.crypto import (
    DecryptionError,
    KeyConfigError,
    Keyring,
    associated_data,
    envelope_key_id,
)

KEY_A = "a" * 64
KEY_B = "0123456789abcdef" * 4
AAD = associated_data("jira_connections", 7, "access_token")


def test_round_trip_and_envelope_shape() -> None:
    ring = Keyring.parse(f"k1:{KEY_A}")
    envelope = ring.encrypt("secret-token", AAD)
    version, key_id, nonce, sealed = envelope.split(".")
    assert (version, key_id) == ("v1", "k1")
    assert nonce and sealed and "secret-token" not in envelope
    assert ring.decrypt(envelope, AAD) == "secret-token"


def test_each_encryption_uses_a_fresh_nonce() -> None:
    ring = Keyring.parse(f"k1:{KEY_A}")
    first, second = ring.encrypt("same", AAD), ring.encrypt("same", AAD)
    assert first.split(".")[2] != second.split(".")[2]
    assert first != second


@pytest.mark.parametrize(
    "other",
    [
        associated_data("jira_connections", 8, "access_token"),  # another row
        associated_data("jira_connections", 7, "refresh_token"),  # another field
        associated_data("other_table", 7, "access_token"),  # another table
    ],
)
def test_ciphertext_is_bound_to_row_and_field(other: bytes) -> None:
    ring = Keyring.parse(f"k1:{KEY_A}")
    envelope = ring.encrypt("secret-token", AAD)
    with pytest.raises(DecryptionError):
        ring.decrypt(envelope, other)


def test_tampered_ciphertext_fails() -> None:
    ring = Keyring.parse(f"k1:{KEY_A}")
    version, key_id, nonce, sealed = ring.encrypt("secret-token", AAD).split(".")
    flipped = sealed[:-2] + ("A" if sealed[-2] != "A" else "B") + sealed[-1]
    with pytest.raises(DecryptionError):
        ring.decrypt(".".join((version, key_id, nonce, flipped)), AAD)


@pytest.mark.parametrize(
    "bad", ["", "v1.k1.x", "v2.k1.AAAA.BBBB", "plaintext-token", "v1.k1.!!.??"]
)
def test_malformed_envelopes_fail_cleanly(bad: str) -> None:
    with pytest.raises(DecryptionError):
        Keyring.parse(f"k1:{KEY_A}").decrypt(bad, AAD)


def test_rotation_first_key_encrypts_all_decrypt() -> None:
    old_ring = Keyring.parse(f"old:{KEY_A}")
    old_envelope = old_ring.encrypt("token", AAD)
    new_ring = Keyring.parse(f"new:{KEY_B},old:{KEY_A}")
    assert new_ring.decrypt(old_envelope, AAD) == "token"
    assert new_ring.needs_rotation(old_envelope)
    new_envelope = new_ring.encrypt("token", AAD)
    assert envelope_key_id(new_envelope) == "new"
    assert not new_ring.needs_rotation(new_envelope)
    with pytest.raises(DecryptionError, match="unknown key id"):
        old_ring.decrypt(new_envelope, AAD)


def test_same_key_id_with_another_key_fails() -> None:
    envelope = Keyring.parse(f"k1:{KEY_A}").encrypt("token", AAD)
    with pytest.raises(DecryptionError):
        Keyring.parse(f"k1:{KEY_B}").decrypt(envelope, AAD)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("", "empty"),
        (KEY_A, "no ':'"),
        (f"bad.id:{KEY_A}", "key id"),
        ("k1:abcd", "64 hex"),
        (f"k1:{'z' * 64}", "64 hex"),
        (f"k1:{KEY_A},k1:{KEY_B}", "twice"),
    ],
)
def test_key_spec_errors_are_clear_and_leak_no_key(spec: str, message: str) -> None:
    with pytest.raises(KeyConfigError, match=message) as caught:
        Keyring.parse(spec)
    assert KEY_A not in str(caught.value) and KEY_B not in str(caught.value)


def test_key_spec_tolerates_spaces_and_keeps_order() -> None:
    ring = Keyring.parse(f" k2:{KEY_B} , k1:{KEY_A} ")
    assert ring.key_ids == ("k2", "k1")
    assert ring.primary_key_id == "k2"
