"""Evaluate parsed JQL against the issues of a site."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from sandbox.jql import Atom, Bool, Clause, Function, JqlError, Node, Query
from sandbox.store import ISSUE_TYPES, PRIORITIES, STATUSES, Issue, Site, World

_RELATIVE = re.compile(r"^([-+]?)(\d+)([wdhm])$")
_UNITS = {"w": "weeks", "d": "days", "h": "hours", "m": "minutes"}
ORDERABLE = {"key", "id", "rank", "created", "updated", "priority", "status", "summary"}


class Evaluator:
    def __init__(self, world: World, site: Site, account_id: str | None, now: datetime) -> None:
        self.world, self.site, self.account_id, self.now = world, site, account_id, now

    def matches(self, node: Node | None, issue: Issue) -> bool:
        if node is None:
            return True
        if isinstance(node, Bool):
            if node.op == "and":
                return all(self.matches(part, issue) for part in node.parts)
            if node.op == "or":
                return any(self.matches(part, issue) for part in node.parts)
            return not self.matches(node.parts[0], issue)
        return self.clause(node, issue)

    def clause(self, clause: Clause, issue: Issue) -> bool:
        name = clause.field
        if name in {"updated", "created", "updateddate", "createddate"}:
            return self.compare_date(clause, issue.updated if "up" in name else issue.created)
        values = self.values(name, issue)
        if clause.op in {"is", "is not"}:
            empty = not values
            return empty if clause.op == "is" else not empty
        if clause.op in {"~", "!~"}:
            needle = str(clause.values[0] or "").lower().strip("*")
            found = any(needle in str(value).lower() for value in values)
            return found if clause.op == "~" else not found
        wanted = self.expand(name, clause.values)
        if clause.op in {"=", "in"}:
            return self.any_equal(values, wanted)
        if clause.op in {"!=", "not in"}:
            return bool(values) and not self.any_equal(values, wanted)
        return self.compare_numbers(clause, values)

    @staticmethod
    def any_equal(values: list[Any], wanted: list[Any]) -> bool:
        if None in wanted and not values:
            return True
        normal = {str(v).lower() for v in values}
        return any(w is not None and str(w).lower() in normal for w in wanted)

    def compare_numbers(self, clause: Clause, values: list[Any]) -> bool:
        try:
            target = float(str(clause.values[0]))
        except ValueError as exc:
            raise JqlError(f"The value '{clause.values[0]}' is not a number.") from exc
        numbers = [float(v) for v in values if isinstance(v, int | float)]
        ops = {">": float.__gt__, ">=": float.__ge__, "<": float.__lt__, "<=": float.__le__}
        return any(ops[clause.op](number, target) for number in numbers)

    def compare_date(self, clause: Clause, when: datetime) -> bool:
        if clause.op not in {">", ">=", "<", "<=", "=", "!="}:
            raise JqlError(f"The operator '{clause.op}' is not supported for dates.")
        target = self.parse_date(clause.values[0])
        ops = {
            ">": when > target,
            ">=": when >= target,
            "<": when < target,
            "<=": when <= target,
            "=": when == target,
            "!=": when != target,
        }
        return ops[clause.op]

    def parse_date(self, atom: Atom) -> datetime:
        if isinstance(atom, Function):
            if atom.name in {"now", "startofday"}:
                now = self.now
                return now if atom.name == "now" else now.replace(hour=0, minute=0, second=0)
            raise JqlError(f"Unable to find JQL function '{atom.name}()'.")
        text = str(atom or "").strip()
        relative = _RELATIVE.match(text)
        if relative:
            sign = -1 if relative.group(1) == "-" else 1
            amount = int(relative.group(2)) * sign
            return self.now + timedelta(**{_UNITS[relative.group(3)]: amount})
        for pattern in ("%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M", "%Y-%m-%d", "%Y/%m/%d"):
            try:
                return datetime.strptime(text, pattern).replace(tzinfo=UTC)
            except ValueError:
                continue
        raise JqlError(
            f"Date value '{text}' for field 'updated' is invalid. Valid formats include: "
            "'yyyy/MM/dd HH:mm', 'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd', or a period "
            "format e.g. '-5d', '4w 2d'."
        )

    def expand(self, name: str, atoms: list[Atom]) -> list[Any]:
        out: list[Any] = []
        for atom in atoms:
            if not isinstance(atom, Function):
                out.append(atom)
            elif atom.name == "currentuser":
                out.append(self.account_id)
            elif atom.name in {"opensprints", "closedsprints", "futuresprints"}:
                states = {
                    "opensprints": {"active", "future"},
                    "closedsprints": {"closed"},
                    "futuresprints": {"future"},
                }[atom.name]
                out.extend(s.id for s in self.site.sprints.values() if s.state in states)
            else:
                raise JqlError(f"Unable to find JQL function '{atom.name}()'.")
        return out

    def values(self, name: str, issue: Issue) -> list[Any]:
        site = self.site
        if name in {"key", "issuekey", "id", "issue"}:
            moved = [k for k, v in site.moved_keys.items() if v == issue.id]
            return [issue.key, str(issue.id), *moved]
        if name == "parent":  # parent = KEY, parent in (KEY, id, ...)
            parent = site.issues.get(issue.parent_id or 0)
            return self.values("key", parent) if parent is not None else []
        if name == "project":
            project = site.projects[issue.project_key]
            return [project.key, project.id, project.name]
        if name == "sprint":
            ids = [*([issue.sprint_id] if issue.sprint_id else []), *issue.closed_sprint_ids]
            return [*ids, *(site.sprints[i].name for i in ids if i in site.sprints)]
        if name == "status":
            return [issue.status_id, STATUSES[issue.status_id].name]
        if name == "statuscategory":
            return [STATUSES[issue.status_id].category]
        if name in {"issuetype", "type"}:
            return [issue.issuetype_id, ISSUE_TYPES[issue.issuetype_id].name]
        if name == "priority":
            priority = PRIORITIES.get(issue.priority_id or "")
            return [priority.id, priority.name] if priority else []
        if name in {"assignee", "reporter"}:
            return self.person(issue.assignee_id if name == "assignee" else issue.reporter_id)
        if name in {"summary", "text"}:
            return [issue.summary]
        if name == "labels":
            return list(issue.labels)
        field_id = self.custom_field_id(name)
        value = issue.custom.get(field_id)
        option = site.fields[field_id].option(value) if field_id in site.fields else None
        if option is not None:
            return [option.id, option.value]
        return [] if value is None else [value]

    def person(self, account_id: str | None) -> list[Any]:
        account = self.world.accounts.get(account_id or "")
        return [account.account_id, account.email, account.display_name] if account else []

    def custom_field_id(self, name: str) -> str:
        if name.startswith("cf[") and name.endswith("]"):
            return f"customfield_{name[3:-1]}"
        if name.startswith("customfield_") and name in self.site.fields:
            return name
        found = self.site.field_by_name(name)
        if found is None or not found.custom:
            raise JqlError(
                f"Field '{name}' does not exist or you do not have permission to view it."
            )
        return found.id


def sort_issues(issues: Iterable[Issue], order_by: list[tuple[str, str]]) -> list[Issue]:
    ordered = sorted(issues, key=lambda i: i.id)
    for name, direction in reversed(order_by):
        if name not in ORDERABLE:
            raise JqlError(f"Not able to sort using field '{name}'.")
        ordered.sort(key=lambda i, n=name: _sort_key(i, n), reverse=direction == "desc")
    return ordered


def _sort_key(issue: Issue, name: str) -> Any:
    if name in {"key", "id"}:
        return issue.id
    if name == "priority":
        return int(issue.priority_id or 99)
    if name == "status":
        return STATUSES[issue.status_id].name
    return getattr(issue, name)


def run_query(
    world: World,
    site: Site,
    query: Query,
    account_id: str | None,
    now: datetime,
    issues: Iterable[Issue] | None = None,
) -> list[Issue]:
    evaluator = Evaluator(world, site, account_id, now)
    pool = site.issues.values() if issues is None else issues
    matched = [i for i in pool if evaluator.matches(query.where, i)]
    return sort_issues(matched, query.order_by)
