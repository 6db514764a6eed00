"""A demo site with its field definitions: system, time-tracking and agile custom fields."""

from __future__ import annotations

from sandbox.store import FieldDef, Site
from sandbox.timetracking import FIELDS as TIME_FIELDS

SYSTEM_FIELDS = [
    FieldDef("summary", "Summary", {"type": "string", "system": "summary"}, custom=False),
    FieldDef("description", "Description", {"type": "string", "system": "description"}, False),
    FieldDef("status", "Status", {"type": "status", "system": "status"}, custom=False),
    FieldDef("issuetype", "Issue Type", {"type": "issuetype", "system": "issuetype"}, False),
    FieldDef("priority", "Priority", {"type": "priority", "system": "priority"}, custom=False),
    FieldDef("assignee", "Assignee", {"type": "user", "system": "assignee"}, custom=False),
    FieldDef("reporter", "Reporter", {"type": "user", "system": "reporter"}, custom=False),
    FieldDef("project", "Project", {"type": "project", "system": "project"}, custom=False),
    FieldDef("labels", "Labels", {"type": "array", "items": "string", "system": "labels"}, False),
    FieldDef("created", "Created", {"type": "datetime", "system": "created"}, custom=False),
    FieldDef("updated", "Updated", {"type": "datetime", "system": "updated"}, custom=False),
    FieldDef("comment", "Comment", {"type": "comments-page", "system": "comment"}, False),
]


def custom_fields(sp_estimate: str, story_points: str, sprint: str, rank: str) -> list[FieldDef]:
    number = int(sp_estimate.rsplit("_", 1)[1])
    legacy = int(story_points.rsplit("_", 1)[1])
    return [
        FieldDef(
            sp_estimate,
            "Story point estimate",
            {
                "type": "number",
                "custom": "com.pyxis.greenhopper.jira:jsw-story-points",
                "customId": number,
            },
        ),
        FieldDef(
            story_points,
            "Story Points",
            {
                "type": "number",
                "custom": "com.atlassian.jira.plugin.system.customfieldtypes:float",
                "customId": legacy,
            },
        ),
        FieldDef(
            sprint,
            "Sprint",
            {
                "type": "array",
                "items": "json",
                "custom": "com.pyxis.greenhopper.jira:gh-sprint",
                "customId": int(sprint.rsplit("_", 1)[1]),
            },
        ),
        FieldDef(
            rank,
            "Rank",
            {
                "type": "any",
                "custom": "com.pyxis.greenhopper.jira:gh-lexo-rank",
                "customId": int(rank.rsplit("_", 1)[1]),
            },
        ),
    ]


def new_site(cloud_id: str, name: str, url: str, ids: tuple[str, str, str, str]) -> Site:
    site = Site(cloud_id=cloud_id, name=name, url=url, sprint_field_id=ids[2], rank_field_id=ids[3])
    for definition in [*SYSTEM_FIELDS, *TIME_FIELDS, *custom_fields(*ids)]:
        site.fields[definition.id] = definition
    return site
