"""Turn REST field values of PUT /issue into internal values, with Jira's error texts."""

from __future__ import annotations

from typing import Any

from sandbox.selectfield import convert_option, is_select
from sandbox.store import PRIORITIES, Issue, Site, World
from sandbox.timetracking import DurationError, timetracking_changes

NOT_ON_SCREEN = "Field '{}' cannot be set. It is not on the appropriate screen, or unknown."


class FieldError(ValueError):
    pass


def editable_fields(site: Site, issue: Issue) -> set[str]:
    return site.projects[issue.project_key].edit_screens.get(issue.issuetype_id, set())


def convert(world: World, site: Site, issue: Issue, field_id: str, value: Any) -> Any:
    if field_id not in editable_fields(site, issue) or field_id not in site.fields:
        raise FieldError(NOT_ON_SCREEN.format(field_id))
    if field_id == "timetracking":
        if not site.time_tracking:  # switched off: Jira no longer knows the field
            raise FieldError(NOT_ON_SCREEN.format(field_id))
        try:
            return timetracking_changes(issue, value)
        except DurationError as exc:
            raise FieldError(str(exc)) from None
    if field_id == "summary":
        if not isinstance(value, str) or not value.strip():
            raise FieldError("You must specify a summary of the issue.")
        if len(value) > 255:
            raise FieldError("Summary must be less than 255 characters.")
        return value
    if field_id == "description":
        if value is not None and not (isinstance(value, dict) and value.get("type") == "doc"):
            raise FieldError("Operation value must be an Atlassian Document (see the ADF spec).")
        return value
    if field_id in {"assignee", "reporter"}:
        if value is None:
            return None
        account_id = value.get("accountId") if isinstance(value, dict) else None
        account = world.accounts.get(account_id or "")
        if account is None or site.cloud_id not in account.cloud_ids:
            raise FieldError(f"User '{account_id}' does not exist or cannot be assigned.")
        return account.account_id
    if field_id == "priority":
        wanted = value if isinstance(value, dict) else {}
        for priority in PRIORITIES.values():
            if wanted.get("id") == priority.id or wanted.get("name") == priority.name:
                return priority.id
        raise FieldError("Specify a valid 'id' or 'name' for Priority")
    if field_id == "labels":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise FieldError("Operation value must be an array of strings.")
        for label in value:
            if " " in label:
                raise FieldError(f"The label '{label}' contains spaces which is invalid.")
        return list(value)
    definition = site.fields[field_id]
    if is_select(definition):
        try:
            return convert_option(definition, value)
        except ValueError as exc:
            raise FieldError(str(exc)) from None
    if definition.is_number:
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise FieldError("Operation value must be a number")
        return value
    return value


def collect_changes(
    world: World, site: Site, issue: Issue, body: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, str]]:
    """`fields` (set) and `update` (set/add/remove verbs) → (changes, errors)."""
    changes: dict[str, Any] = {}
    errors: dict[str, str] = {}
    requested: list[tuple[str, str, Any]] = [
        ("set", k, v) for k, v in (body.get("fields") or {}).items()
    ]
    for field_id, operations in (body.get("update") or {}).items():
        for operation in operations if isinstance(operations, list) else []:
            requested.extend((verb, field_id, value) for verb, value in operation.items())
    for verb, field_id, value in requested:
        try:
            if verb in {"add", "remove"} and field_id == "labels":
                current = list(changes.get("labels", issue.labels))
                if verb == "add" and value not in current:
                    current.append(value)
                if verb == "remove" and value in current:
                    current.remove(value)
                value = current
            elif verb != "set" and (verb, field_id) != ("edit", "timetracking"):
                raise FieldError(f"Operation '{verb}' is not supported for field '{field_id}'.")
            converted = convert(world, site, issue, field_id, value)
            if field_id == "timetracking":  # stored as its two estimate fields
                changes.update(converted)
            else:
                changes[field_id] = converted
        except FieldError as exc:
            errors[field_id] = str(exc)
    return changes, errors
