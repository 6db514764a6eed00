"""Planning-poker rooms: members and their roles, the issues they estimate, the votes of the
current round and the rounds kept by a re-vote."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class IssueStatus(StrEnum):
    PENDING = "PENDING"
    VOTING = "VOTING"
    REVEALED = "REVEALED"
    ESTIMATED = "ESTIMATED"


class RoomRole(StrEnum):
    FACILITATOR = "FACILITATOR"  # runs the room; the owner always is one
    VOTER = "VOTER"
    SPECTATOR = "SPECTATOR"  # watches; never counted in votes or stats


class Room(Model):
    # A UUID, not a sequence: knowing a room's id is what lets someone join it.
    id = fields.UUIDField(primary_key=True)
    name = fields.CharField(max_length=120)
    deck = fields.JSONField(description="the cards, in display order")
    owner = fields.ForeignKeyField("models.User", related_name="owned_rooms", on_delete="RESTRICT")
    auto_reveal = fields.BooleanField(default=False)
    default_voting_seconds = fields.IntField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "rooms"


class RoomMember(Model):
    id = fields.BigIntField(primary_key=True)
    room = fields.ForeignKeyField("models.Room", related_name="memberships", on_delete="CASCADE")
    user = fields.ForeignKeyField("models.User", related_name="memberships", on_delete="CASCADE")
    role = fields.CharEnumField(RoomRole, max_length=16, default=RoomRole.VOTER)
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
    voting_ends_at = fields.DatetimeField(null=True, description="the timer reveals then")
    revealed_at = fields.DatetimeField(null=True)
    stats = fields.JSONField(null=True, description="the round's VoteStats, set on reveal")
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "room_issues"
        unique_together = (("room", "position"),)
        indexes = (("status", "voting_ends_at"),)  # the timer sweep


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


class VotingRound(Model):
    """A revealed round kept by a re-vote: who voted what, and its statistics."""

    id = fields.BigIntField(primary_key=True)
    issue = fields.ForeignKeyField("models.Issue", related_name="rounds", on_delete="CASCADE")
    round = fields.IntField()
    votes = fields.JSONField(description='[{"user_id": int, "value": label}] in voting order')
    stats = fields.JSONField()
    revealed_at = fields.DatetimeField()

    class Meta:
        table = "room_voting_rounds"
        unique_together = (("issue", "round"),)
