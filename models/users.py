from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class Plan(StrEnum):
    FREE = "FREE"
    PREMIUM = "PREMIUM"


class User(Model):
    id = fields.BigIntField(primary_key=True)
    subject = fields.CharField(max_length=255, unique=True, description="JWT `sub` claim")
    email = fields.CharField(max_length=320, db_index=True)
    name = fields.CharField(max_length=255, null=True)
    plan = fields.CharEnumField(Plan, max_length=16, default=Plan.FREE)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "users"
