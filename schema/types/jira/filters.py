"""GraphQL types of saved filters (`jiraFilters`)."""

from __future__ import annotations

import strawberry

from jira_cloud import filters as jira
from schema.types.jira.browse import Connection


@strawberry.type(description="A saved Jira filter the user can see.")
class JiraFilter:
    id: int = strawberry.field(description="Jira's filter id (a string in Jira, a number here).")
    name: str
    jql: str
    owner: str | None = strawberry.field(description="The owner's display name.")

    @classmethod
    def from_jira(cls, saved: jira.JiraFilter) -> JiraFilter:
        return cls(id=saved.id, name=saved.name, jql=saved.jql, owner=saved.owner)


@strawberry.type
class JiraFilterConnection(Connection[JiraFilter]):
    pass
