"""Planning-poker rooms: members, the issues they estimate and the votes of the current round."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class IssueStatus(StrEnum):
    PENDING = "PENDING"
    VOTING = "VOTING"
    REVEALED = "REVEALED"
    ESTIMATED = "ESTIMATED"


class Room(Model):
    # A UUID, not a sequence: knowing a room's id is what lets someone join it.
    id = fields.UUIDField(primary_key=True)
    name = fields.CharField(max_length=120)
    deck = fields.JSONField(description="the cards, in display order")
    owner = fields.ForeignKeyField("models.User", related_name="owned_rooms", on_delete="RESTRICT")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "rooms"


class RoomMember(Model):
    id = fields.BigIntField(primary_key=True)
    room = fields.ForeignKeyField("models.Room", related_name="memberships", on_delete="CASCADE")
    user = fields.ForeignKeyField("models.User", related_name="memberships", on_delete="CASCADE")
    joined_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "room_members"
        unique_together = (("room", "user"),)


class Issue(Model):
    id = fields.BigIntField(primary_key=True)
    room = fields.ForeignKeyField("models.Room", related_name="issues", on_delete="CASCADE")
    position = fields.IntField(description="display order within the room")
    title = fields.CharField(max_length=255)
    description = fields.TextField(null=True)
    status = fields.CharEnumField(IssueStatus, max_length=16, default=IssueStatus.PENDING)
    final_estimate = fields.CharField(max_length=16, null=True)
    voting_round = fields.IntField(default=0, description="bumped by every startVoting")
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "room_issues"
        unique_together = (("room", "position"),)


class Vote(Model):
    """A member's card for the issue's current round; a new round deletes the old votes."""

    id = fields.BigIntField(primary_key=True)
    issue = fields.ForeignKeyField("models.Issue", related_name="votes", on_delete="CASCADE")
    user = fields.ForeignKeyField("models.User", related_name="votes", on_delete="CASCADE")
    value = fields.CharField(max_length=16)
    cast_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "room_votes"
        unique_together = (("issue", "user"),)
