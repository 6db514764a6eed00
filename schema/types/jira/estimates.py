"""Where a room's estimate goes in Jira: the EstimateTarget enum, and the candidate fields a
project's edit screens offer (jiraEstimationField.candidates)."""

from __future__ import annotations

import strawberry

from jira_cloud.estimates import KIND_NUMBER, KIND_SELECT, KIND_TIME_TRACKING, EstimateCandidate
from models.jira import EstimateTarget as EstimateTargetEnum

EstimateTarget = strawberry.enum(
    EstimateTargetEnum,
    name="EstimateTarget",
    description=(
        "STORY_POINTS: the card's value into a number field; ORIGINAL_ESTIMATE: the card's "
        "value as hours into time tracking's original estimate; SELECT_FIELD: the option of a "
        "single-select field named like the card's label."
    ),
)

TARGET_OF_KIND = {
    KIND_NUMBER: EstimateTargetEnum.STORY_POINTS,
    KIND_TIME_TRACKING: EstimateTargetEnum.ORIGINAL_ESTIMATE,
    KIND_SELECT: EstimateTargetEnum.SELECT_FIELD,
}


@strawberry.type(description="A field of the project's edit screens an estimate can go to.")
class JiraEstimateCandidate:
    field_id: str
    name: str
    estimate_target: EstimateTarget = strawberry.field(description="The target it suits.")
    options: list[str] = strawberry.field(
        description="A single-select field's option names, in Jira's order (else empty)."
    )
    issue_types: list[str] = strawberry.field(
        description="The issue types (of the project's recent issues) whose edit screen has it."
    )

    @classmethod
    def from_candidate(cls, candidate: EstimateCandidate) -> JiraEstimateCandidate:
        return cls(
            field_id=candidate.field_id,
            name=candidate.name,
            estimate_target=TARGET_OF_KIND[candidate.kind],
            options=list(candidate.options),
            issue_types=list(candidate.issue_types),
        )
