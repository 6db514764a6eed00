"""Jira integration tables. OAuthState lands with the platform (the purge job uses it)."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class OAuthState(Model):
    """A single-use OAuth `state`, stored hashed and bound to the user who started it."""

    id = fields.BigIntField(primary_key=True)
    state_hash = fields.CharField(max_length=64, unique=True)
    user = fields.ForeignKeyField("models.User", related_name="oauth_states", on_delete="CASCADE")
    provider = fields.CharField(max_length=16, default="jira")
    return_to = fields.CharField(max_length=2048, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField(db_index=True)
    used_at = fields.DatetimeField(null=True)

    class Meta:
        table = "oauth_states"
