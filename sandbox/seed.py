"""The deterministic demo world: two sites, three projects, boards, sprints, 65 issues and
five sub-tasks (seeded last, so the 65 keep their keys and ids)."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sandbox.seed_fields import new_site
from sandbox.selectfield import TSHIRT_SIZES, select_field
from sandbox.store import (
    SUBTASK_TYPE_ID,
    Account,
    Board,
    Filter,
    Issue,
    Project,
    Site,
    Sprint,
    World,
)

DEMO_ACCOUNT_ID = "557058:0f7e3b1a-5c2d-4e8f-9a01-000000000001"
ACME_CLOUD_ID = "8f3c2a10-5d1e-4c7b-9a42-3e1f0b6d7c01"
GLOBEX_CLOUD_ID = "2b7e9d44-8a1f-4e3c-b5d2-9c0a7f6e1d02"
DEMO_EMAIL = "demo@agilekit.dev"  # the AgileKit demo user's email: one person in both worlds

EDITABLE_SYSTEM = {"summary", "description", "assignee", "reporter", "priority", "labels"}
POINTS = [1, 2, 3, 5, 8, 13, None]
WORDS = (
    "login checkout search export import billing profile onboarding cache webhook report "
    "dashboard invoice audit sync retry timeout upload avatar settings"
).split()
# Whole phrases: a multi-word verb ("Speed up") must stay one item. Nine verbs, as before the
# fix, so the seeded random sequence (and every other seeded value) stays the same.
VERBS = (
    "Fix",
    "Add",
    "Refactor",
    "Speed up",
    "Harden",
    "Document",
    "Polish",
    "Validate",
    "Migrate",
)


def _project(
    site: Site,
    key: str,
    name: str,
    simplified: bool,
    sp_field: str,
    sp_types: set[str],
    time_types: frozenset[str] | set[str] = frozenset(),
) -> Project:
    screens = {
        type_id: EDITABLE_SYSTEM
        | ({sp_field} if type_id in sp_types else set())
        | ({"timetracking"} if type_id in time_types else set())
        for type_id in ("10001", "10002", "10004")
    }
    project = Project(str(10000 + len(site.projects)), key, name, simplified, sp_field, screens)
    site.projects[key] = project
    return project


def _board(site: Site, name: str, kind: str, project: Project) -> Board:
    estimation = project.estimation_field_id if kind == "scrum" else None
    board = Board(next(site.board_ids), name, kind, project.key, estimation)
    site.boards[board.id] = board
    return board


def _sprints(site: Site, board: Board, prefix: str, first: int, now: datetime) -> list[Sprint]:
    made = []
    for offset, state in enumerate(("closed", "active", "future")):
        number = first + offset
        start = now + timedelta(days=14 * (offset - 1) - 3) if state != "future" else None
        sprint = Sprint(
            id=next(site.sprint_ids),
            name=f"{prefix} Sprint {number}",
            state=state,
            origin_board_id=board.id,
            goal=f"Ship {prefix} increment {number}",
            created=now - timedelta(days=40 - 14 * offset),
            start=start,
            end=start + timedelta(days=14) if start else None,
            complete=start + timedelta(days=14) if state == "closed" and start else None,
        )
        site.sprints[sprint.id] = sprint
        made.append(sprint)
    return made


def add_issue(
    site: Site,
    project: Project,
    *,
    summary: str,
    now: datetime,
    issuetype_id: str = "10001",
    status_id: str = "10000",
    points: float | None = None,
    sprint_id: int | None = None,
    assignee_id: str | None = None,
    reporter_id: str | None = None,
    priority_id: str | None = "3",
    description: str | None = None,
) -> Issue:
    issue = Issue(
        id=next(site.ids),
        key=site.next_key(project.key),
        project_key=project.key,
        summary=summary,
        description=adf(description) if description else None,
        status_id=status_id,
        issuetype_id=issuetype_id,
        priority_id=priority_id,
        assignee_id=assignee_id,
        reporter_id=reporter_id,
        rank=site.next_rank(),
        created=now,
        updated=now,
        sprint_id=sprint_id,
    )
    if points is not None:
        issue.custom[project.estimation_field_id] = points
    site.issues[issue.id] = issue
    return issue


def adf(text: str) -> dict[str, object]:
    paragraphs = [p for p in text.split("\n\n") if p]
    return {
        "type": "doc",
        "version": 1,
        "content": [
            {"type": "paragraph", "content": [{"type": "text", "text": p}]} for p in paragraphs
        ],
    }


def _fill(
    site: Site,
    project: Project,
    plan: list[tuple[Sprint | None, int, bool]],
    people: list[str],
    rng: random.Random,
    now: datetime,
) -> None:
    """plan: (sprint or backlog, how many, sprint closed?)."""
    for sprint, count, closed in plan:
        for _ in range(count):
            word, verb = rng.choice(WORDS), rng.choice(VERBS)
            issuetype = rng.choice(["10001", "10001", "10002", "10004"])
            status = "10001" if closed else rng.choice(["10000", "10000", "3", "10001"])
            if sprint is None:
                status = "10000"
            created = now - timedelta(days=rng.randint(2, 60), minutes=rng.randint(0, 600))
            issue = add_issue(
                site,
                project,
                summary=f"{verb} {word} flow",
                now=created,
                issuetype_id=issuetype,
                status_id=status,
                points=rng.choice(POINTS),
                sprint_id=None if closed or sprint is None else sprint.id,
                assignee_id=rng.choice([*people, None]),
                reporter_id=people[0],
                priority_id=rng.choice(["1", "2", "3", "3", "4", "5"]),
                description=f"As a user I want the {word} flow to work.\n\nAcceptance: {verb}.",
            )
            issue.updated = created + timedelta(days=rng.randint(0, 1))
            if closed and sprint is not None:
                issue.closed_sprint_ids.append(sprint.id)


def _tshirt(
    site: Site, project: Project, field_id: str, first_option: int, types: set[str]
) -> None:
    """A single-select "T-shirt size" field on the project's screens; every third issue sized."""
    definition = select_field(field_id, "T-shirt size", TSHIRT_SIZES, first_option)
    site.fields[field_id] = definition
    for type_id in types:
        project.edit_screens[type_id].add(field_id)
    mine = [i for i in site.issues.values() if i.project_key == project.key]
    for n, issue in enumerate(mine):
        if n % 3 == 0:
            issue.custom[field_id] = definition.options[n // 3 % len(definition.options)].id


def _filters(site: Site, owner_ids: list[str], saved: list[tuple[str, str]]) -> None:
    for n, (name, jql_text) in enumerate(saved):
        made = Filter(next(site.filter_ids), name, jql_text, owner_ids[n % len(owner_ids)])
        site.filters[made.id] = made


def _subtasks(site: Site, project: Project, now: datetime, plan: list[tuple[str, str]]) -> None:
    """Sub-tasks (type 10003) in their parent's sprint; the type's screen has no story points."""
    project.edit_screens.setdefault(SUBTASK_TYPE_ID, set(EDITABLE_SYSTEM))
    for n, (parent_key, summary) in enumerate(plan):
        parent = site.issue(parent_key)
        assert parent is not None, parent_key
        child = add_issue(site, project, summary=summary, now=now - timedelta(days=1),
                          issuetype_id=SUBTASK_TYPE_ID, status_id=("10000", "3")[n % 2],
                          sprint_id=parent.sprint_id, assignee_id=parent.assignee_id,
                          reporter_id=parent.reporter_id)  # fmt: skip
        child.parent_id = parent.id


def seed_demo(world: World, now: datetime) -> None:
    rng = random.Random(4)
    people = [
        Account(DEMO_ACCOUNT_ID, DEMO_EMAIL, "Dana Demo", "Europe/Berlin"),
        Account("557058:1b2c3d4e-0000-4000-8000-000000000002", "alex@acme.example", "Alex Acme"),
        Account("557058:2c3d4e5f-0000-4000-8000-000000000003", "sam@globex.example", "Sam Globex"),
        Account("557058:3d4e5f60-0000-4000-8000-000000000004", "priya@agilekit.example", "Priya"),
    ]
    people[0].cloud_ids = [ACME_CLOUD_ID, GLOBEX_CLOUD_ID]
    people[1].cloud_ids = [ACME_CLOUD_ID]
    people[2].cloud_ids = [GLOBEX_CLOUD_ID]
    people[3].cloud_ids = [ACME_CLOUD_ID, GLOBEX_CLOUD_ID]
    for person in people:
        world.accounts[person.account_id] = person
    world.current_account_id = DEMO_ACCOUNT_ID

    acme = new_site(
        ACME_CLOUD_ID,
        "acme-demo",
        "https://acme-demo.atlassian.net",
        ("customfield_10016", "customfield_10026", "customfield_10020", "customfield_10019"),
    )
    every_type = {"10001", "10002", "10004"}
    plat = _project(acme, "PLAT", "Platform", False, "customfield_10026", {"10001", "10002"},
                    time_types=every_type)  # fmt: skip
    app = _project(acme, "APP", "Mobile App", True, "customfield_10016", every_type,
                   time_types={"10001", "10002"})  # fmt: skip
    plat_board = _board(acme, "PLAT board", "scrum", plat)
    _board(acme, "PLAT kanban", "kanban", plat)
    app_board = _board(acme, "APP board", "scrum", app)
    p1, p2, p3 = _sprints(acme, plat_board, "PLAT", 1, now)
    a1, a2, a3 = _sprints(acme, app_board, "APP", 7, now)
    acme_people = [people[0].account_id, people[1].account_id, people[3].account_id]
    _fill(acme, plat, [(p1, 5, True), (p2, 8, False), (p3, 5, False), (None, 7, False)],
          acme_people, rng, now)  # fmt: skip
    # One APP issue sits in a PLAT sprint, so the APP board lists that sprint too.
    _fill(acme, app, [(a1, 4, True), (a2, 7, False), (p2, 1, False), (a3, 4, False),
                      (None, 4, False)], acme_people, rng, now)  # fmt: skip

    globex = new_site(
        GLOBEX_CLOUD_ID,
        "globex-demo",
        "https://globex-demo.atlassian.net",
        ("customfield_10035", "customfield_10028", "customfield_10021", "customfield_10022"),
    )
    ops = _project(globex, "OPS", "Operations", False, "customfield_10028", {"10001"},
                   time_types={"10002"})  # fmt: skip
    ops_board = _board(globex, "OPS board", "scrum", ops)
    _board(globex, "OPS kanban", "kanban", ops)
    o1, o2, o3 = _sprints(globex, ops_board, "OPS", 1, now)
    globex_people = [people[0].account_id, people[2].account_id, people[3].account_id]
    _fill(globex, ops, [(o1, 4, True), (o2, 7, False), (o3, 4, False), (None, 5, False)],
          globex_people, rng, now)  # fmt: skip
    _tshirt(acme, plat, "customfield_10040", 10100, {"10001", "10002", "10004"})
    _tshirt(globex, ops, "customfield_10041", 10200, {"10001", "10002"})
    _filters(acme, acme_people, [
        ("PLAT open bugs", "project = PLAT AND issuetype = Bug AND statusCategory != done"),
        ("My open issues", "assignee = currentUser() AND statusCategory != done ORDER BY rank"),
        ("APP backlog", "project = APP AND sprint is EMPTY ORDER BY rank"),
        ("PLAT active sprint", "project = PLAT AND sprint in openSprints() ORDER BY rank"),
    ])  # fmt: skip
    _filters(globex, globex_people, [
        ("OPS in progress", 'project = OPS AND status = "In Progress"'),
        ("OPS urgent", "project = OPS AND priority in (Highest, High) ORDER BY priority"),
    ])  # fmt: skip
    # Sub-tasks come last, so every issue seeded above keeps its key and id.
    _subtasks(acme, plat, now, [("PLAT-7", "Migrate the schema"), ("PLAT-7", "Validate the API"),
                                ("PLAT-9", "Add a smoke test")])  # fmt: skip
    _subtasks(globex, ops, now, [("OPS-6", "Document the runbook"), ("OPS-6", "Harden the paging")])
    world.sites = {acme.cloud_id: acme, globex.cloud_id: globex}
