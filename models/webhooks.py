"""The Jira webhook inbox: every authenticated delivery, stored once, processed by a job."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class JiraWebhookDelivery(Model):
    """One delivery keyed by X-Atlassian-Webhook-Identifier (unchanged across Jira's retries).

    `site_url` is "" when the body does not tell the site, so the unique pair still dedupes.
    A row with `processed_at` NULL is pending: the job or the sweeper cron will process it,
    the sweeper not before `next_attempt_at`. After MAX_ATTEMPTS failures it is dead: `dead_at`
    set, `last_error` kept, skipped until an operator replays it
    (services.jira_webhook_retries.replay_dead_deliveries).
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
