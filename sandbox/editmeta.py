"""GET /issue/{key}/editmeta: the fields on the issue's edit screen, with allowed values."""

from __future__ import annotations

from typing import Any

from sandbox.selectfield import is_select, option_json
from sandbox.store import PRIORITIES, Issue, Site

OPERATIONS = {"labels": ["add", "set", "remove"], "timetracking": ["set", "edit"]}


def editmeta_json(site: Site, issue: Issue) -> dict[str, Any]:
    project = site.projects[issue.project_key]
    editable = project.edit_screens.get(issue.issuetype_id, set())
    out: dict[str, Any] = {}
    for field_id in sorted(editable):
        if field_id == "timetracking" and not site.time_tracking:
            continue
        definition = site.fields[field_id]
        meta: dict[str, Any] = {
            "required": field_id == "summary",
            "schema": definition.schema,
            "name": definition.name,
            "key": field_id,
            "operations": OPERATIONS.get(field_id, ["set"]),
        }
        if field_id == "priority":
            meta["allowedValues"] = [{"id": p.id, "name": p.name} for p in PRIORITIES.values()]
        if is_select(definition):
            meta["allowedValues"] = [option_json(site, o) for o in definition.options]
        out[field_id] = meta
    return {"fields": out}
