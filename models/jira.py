"""Jira integration tables: OAuth states, connections and their sites, room mappings, links,
webhook registrations and the webhook inbox.

Tokens are stored only as core.crypto envelopes bound to (table, row id, field); a new
connection row is inserted first and its tokens written once it has an id (same transaction).
"""

from __future__ import annotations

from enum import StrEnum

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


class EstimateTarget(StrEnum):
    """Where a room's final estimate goes in Jira (services/jira/push.py)."""

    STORY_POINTS = "STORY_POINTS"  # the card value into a number field
    ORIGINAL_ESTIMATE = "ORIGINAL_ESTIMATE"  # the card value as hours into time tracking
    SELECT_FIELD = "SELECT_FIELD"  # the option named like the card's label


class JiraConnectionStatus(StrEnum):
    ACTIVE = "ACTIVE"
    NEEDS_REAUTH = "NEEDS_REAUTH"


class JiraConnection(Model):
    """One Atlassian grant per user: rotating tokens, encrypted, updated by compare-and-swap."""

    TABLE = "jira_connections"

    id = fields.BigIntField(primary_key=True)
    user = fields.ForeignKeyField(
        "models.User", related_name="jira_connections", on_delete="CASCADE"
    )
    provider = fields.CharField(max_length=16, default="jira")
    status = fields.CharEnumField(
        JiraConnectionStatus, max_length=16, default=JiraConnectionStatus.ACTIVE
    )
    # Envelopes (core.crypto): each carries its own key id, nonce and tag.
    access_token_enc = fields.TextField(null=True)
    refresh_token_enc = fields.TextField(null=True)
    access_expires_at = fields.DatetimeField(db_index=True)
    refresh_issued_at = fields.DatetimeField(description="90-day idle clock starts here")
    refresh_family_started_at = fields.DatetimeField(description="365-day absolute clock")
    account_id = fields.CharField(max_length=128, null=True)
    account_email = fields.CharField(max_length=320, null=True)
    scopes = fields.JSONField(default=list)
    connected_at = fields.DatetimeField()
    last_refreshed_at = fields.DatetimeField()
    last_used_at = fields.DatetimeField(null=True)
    version = fields.IntField(default=0, description="compare-and-swap counter")
    needs_reauth_reason = fields.CharField(max_length=255, null=True)

    sites: fields.ReverseRelation[JiraSite]

    class Meta:
        table = "jira_connections"
        unique_together = (("user", "provider"),)
        indexes = (("provider", "status"),)


class JiraSite(Model):
    """A site (cloudId) the grant reaches; exactly one per connection is `selected`."""

    id = fields.BigIntField(primary_key=True)
    connection: fields.ForeignKeyRelation[JiraConnection] = fields.ForeignKeyField(
        "models.JiraConnection", related_name="sites", on_delete="CASCADE"
    )
    cloud_id = fields.CharField(max_length=64)
    url = fields.CharField(max_length=2048)
    name = fields.CharField(max_length=255)
    scopes = fields.JSONField(default=list)
    avatar_url = fields.CharField(max_length=2048, null=True)
    selected = fields.BooleanField(default=False)

    class Meta:
        table = "jira_sites"
        unique_together = (("connection", "cloud_id"),)


class WebhookStatus(StrEnum):
    NONE = "NONE"
    ACTIVE = "ACTIVE"
    FAILED = "FAILED"
    EXPIRED = "EXPIRED"


class RoomJiraMapping(Model):
    """Which Jira project/board/sprint a room imports from (set with setRoomJiraMapping)."""

    id = fields.BigIntField(primary_key=True)
    room = fields.OneToOneField("models.Room", related_name="jira_mapping", on_delete="CASCADE")
    connection = fields.ForeignKeyField(
        "models.JiraConnection", related_name="mappings", null=True, on_delete="SET NULL"
    )
    cloud_id = fields.CharField(max_length=64)
    project_key = fields.CharField(max_length=64)
    board_id = fields.IntField(null=True)
    sprint_id = fields.IntField(null=True)
    story_points_field_id = fields.CharField(max_length=128, null=True)
    story_points_field_source = fields.CharField(max_length=32, null=True)
    auto_import = fields.BooleanField(default=False)
    auto_push_estimates = fields.BooleanField(default=False)
    comment_on_push = fields.BooleanField(default=False)
    webhook_status = fields.CharEnumField(WebhookStatus, max_length=16, default=WebhookStatus.NONE)
    webhook_ids = fields.JSONField(default=list)
    webhook_expires_at = fields.DatetimeField(null=True)
    webhook_error = fields.CharField(max_length=1024, null=True)
    # Auto-import poll (services/jira/auto_import.py): when the last poll of which sprint began,
    # and why the last run failed (cleared on success).
    auto_import_sprint_id = fields.IntField(null=True)
    auto_imported_at = fields.DatetimeField(null=True)
    auto_import_error = fields.CharField(max_length=1024, null=True)
    # The estimate's target and, for SELECT_FIELD, the field is story_points_field_id.
    estimate_target = fields.CharEnumField(
        EstimateTarget, max_length=24, default=EstimateTarget.STORY_POINTS
    )
    # The mapped sprint's state as last seen in Jira ("active", "future", "closed"): a closed
    # sprint stops auto-import (services/jira/auto_import.py).
    sprint_state = fields.CharField(max_length=16, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "room_jira_mappings"
        indexes = (("connection_id",),)


class JiraWebhookRegistration(Model):
    """One dynamic webhook per (connection, site, project), shared by every mapping on it."""

    id = fields.BigIntField(primary_key=True)
    connection = fields.ForeignKeyField(
        "models.JiraConnection", related_name="webhook_registrations", on_delete="CASCADE"
    )
    cloud_id = fields.CharField(max_length=64)
    project_key = fields.CharField(max_length=64)
    webhook_id = fields.BigIntField(null=True)
    field_ids = fields.JSONField(default=list, description="fieldIdsFilter registered")
    expires_at = fields.DatetimeField(null=True)
    status = fields.CharEnumField(WebhookStatus, max_length=16, default=WebhookStatus.NONE)
    error = fields.CharField(max_length=1024, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "jira_webhook_registrations"
        unique_together = (("connection", "cloud_id", "project_key"),)


class EstimatePushStatus(StrEnum):
    NOT_PUSHED = "NOT_PUSHED"
    PENDING = "PENDING"
    PUSHED = "PUSHED"
    FAILED = "FAILED"


class JiraIssueLink(Model):
    """A room issue imported from Jira. Keyed by Jira's issue id: keys change on moves."""

    id = fields.BigIntField(primary_key=True)
    issue = fields.OneToOneField("models.Issue", related_name="jira_link", on_delete="CASCADE")
    connection = fields.ForeignKeyField(
        "models.JiraConnection", related_name="issue_links", null=True, on_delete="SET NULL"
    )
    cloud_id = fields.CharField(max_length=64)
    jira_issue_id = fields.CharField(max_length=32)
    key = fields.CharField(max_length=64)
    url = fields.CharField(max_length=2048)
    last_synced_at = fields.DatetimeField()
    push_status = fields.CharEnumField(
        EstimatePushStatus, max_length=16, default=EstimatePushStatus.NOT_PUSHED
    )
    pushed_estimate = fields.CharField(max_length=64, null=True)
    push_error = fields.CharField(max_length=1024, null=True)
    deleted_in_jira = fields.BooleanField(default=False)
    # Push idempotency (services/jira/push.py): which run holds the push, since when, and the
    # estimate whose "Estimated at X points" comment is already on the Jira issue.
    push_claim = fields.CharField(max_length=64, null=True)
    push_claimed_at = fields.DatetimeField(null=True)
    push_commented_estimate = fields.CharField(max_length=64, null=True)
    jira_updated_at = fields.DatetimeField(null=True, description="webhook/import watermark")
    # A sub-task's parent, kept for its context; False once Jira moved the issue out of the
    # room's mapped sprint (a webhook or the poll saw it).
    parent_key = fields.CharField(max_length=64, null=True)
    in_sprint = fields.BooleanField(default=True)

    class Meta:
        table = "jira_issue_links"
        indexes = (("cloud_id", "jira_issue_id"),)


class JiraWebhookDelivery(Model):
    """One delivery keyed by X-Atlassian-Webhook-Identifier (unchanged across Jira's retries).

    `site_url` is "" when the body does not tell the site, so the unique pair still dedupes.
    A row with `processed_at` NULL is pending: the job or the sweeper cron will process it,
    the sweeper not before `next_attempt_at`. After MAX_ATTEMPTS failures it is dead: `dead_at`
    set, `last_error` kept, skipped until an operator replays it
    (services.jira.webhooks.retries.replay_dead_deliveries).
    """

    id = fields.BigIntField(primary_key=True)
    identifier = fields.CharField(max_length=128)
    site_url = fields.CharField(max_length=2048, default="")
    event = fields.CharField(max_length=64)
    matched_webhook_ids = fields.JSONField(default=list)
    payload = fields.JSONField()
    timestamp_ms = fields.BigIntField(null=True, description="the body's epoch-ms timestamp")
    received_at = fields.DatetimeField()
    processed_at = fields.DatetimeField(null=True)
    attempts = fields.IntField(default=0)
    last_error = fields.CharField(max_length=1024, null=True)
    next_attempt_at = fields.DatetimeField(null=True, description="sweeper backoff after a failure")
    dead_at = fields.DatetimeField(null=True, description="gave up; replayable")

    class Meta:
        table = "jira_webhook_deliveries"
        unique_together = (("site_url", "identifier"),)
        indexes = (("processed_at", "received_at"),)
