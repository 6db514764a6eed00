"""RoomJiraMapping, its input and payload, and the detail a settings page needs: how the
story-points field was found and why the webhook failed."""

from __future__ import annotations

from datetime import UTC, datetime

import strawberry

from models.jira import RoomJiraMapping as MappingModel
from models.jira import WebhookStatus as WebhookStatusEnum
from schema.types.common import UserError
from schema.types.jira.browse import JiraSprintState
from schema.types.jira.estimates import EstimateTarget

WebhookStatus = strawberry.enum(WebhookStatusEnum, name="WebhookStatus")


@strawberry.type
class RoomJiraMapping:
    cloud_id: str
    project_key: str
    board_id: int | None
    sprint_id: int | None
    story_points_field_id: str | None
    story_points_field_source: str | None = strawberry.field(
        description="GIVEN, BOARD_CONFIGURATION, EDITMETA or FIELD_NAME."
    )
    auto_import: bool
    auto_push_estimates: bool
    comment_on_push: bool
    estimate_target: EstimateTarget = strawberry.field(
        description="Where pushed estimates go; SELECT_FIELD sets storyPointsFieldId's option."
    )
    webhook_status: WebhookStatus
    webhook_expires_at: datetime | None
    webhook_error: str | None = strawberry.field(description="Why webhookStatus is FAILED.")
    auto_imported_at: datetime | None = strawberry.field(
        description="When the last auto-import poll of the sprint began (autoImport only)."
    )
    auto_import_error: str | None = strawberry.field(
        description="Why the last auto-import failed (or stopped: the sprint closed); null once "
        "it works again."
    )
    sprint_state: JiraSprintState | None = strawberry.field(
        default=None,
        description="The mapped sprint's state as last seen in Jira (saving the mapping, the "
        "auto-import poll, a webhook); CLOSED stops auto-import.",
    )

    @classmethod
    def from_model(cls, mapping: MappingModel, now: datetime | None = None) -> RoomJiraMapping:
        status = WebhookStatusEnum(mapping.webhook_status)
        expires = mapping.webhook_expires_at
        if status == WebhookStatusEnum.ACTIVE and expires and expires <= (now or datetime.now(UTC)):
            status = WebhookStatusEnum.EXPIRED
        return cls(
            cloud_id=mapping.cloud_id,
            project_key=mapping.project_key,
            board_id=mapping.board_id,
            sprint_id=mapping.sprint_id,
            story_points_field_id=mapping.story_points_field_id,
            story_points_field_source=mapping.story_points_field_source,
            auto_import=mapping.auto_import,
            auto_push_estimates=mapping.auto_push_estimates,
            comment_on_push=mapping.comment_on_push,
            estimate_target=EstimateTarget(mapping.estimate_target),
            webhook_status=status,
            webhook_expires_at=expires,
            webhook_error=mapping.webhook_error,
            auto_imported_at=mapping.auto_imported_at,
            auto_import_error=mapping.auto_import_error,
            sprint_state=_sprint_state(mapping.sprint_state),
        )


def _sprint_state(value: str | None) -> JiraSprintState | None:
    try:
        return JiraSprintState(value.upper()) if value else None
    except ValueError:
        return None


@strawberry.input
class RoomJiraMappingInput:
    project_key: str
    board_id: int | None = None
    sprint_id: int | None = None
    cloud_id: str | None = None
    story_points_field_id: str | None = strawberry.field(
        default=None,
        description="Detected as jiraEstimationField does when not given; for SELECT_FIELD the "
        "single-select field to set (required); left out for ORIGINAL_ESTIMATE.",
    )
    auto_import: bool | None = None
    auto_push_estimates: bool | None = None
    comment_on_push: bool | None = None
    estimate_target: EstimateTarget | None = strawberry.field(
        default=None,
        description="Where pushed estimates go: STORY_POINTS for a new mapping, the mapping's "
        "current target when left out.",
    )


@strawberry.type
class RoomJiraMappingPayload:
    mapping: RoomJiraMapping | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)
