"""The room report as CSV: one row per issue, under a fixed header (`room_report_csv`).

- RFC 4180: CRLF line ends; a field holding a comma, a quote, CR or LF is quoted, its quotes
  doubled.
- None is an empty cell. Numbers are rounded to at most 4 decimals and written without needless
  ones (5.0 as "5", 5.5 as "5.5").
- A text cell beginning with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'`,
  so that a spreadsheet shows it instead of running it as a formula (OWASP "CSV injection").
  Number cells are written by us and left as they are.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterable
from dataclasses import astuple, dataclass

from models.jira import JiraIssueLink
from models.rooms import Issue, Room
from services.rooms.cards import Card, card_for, cards_of
from services.rooms.stats import VoteStats

HEADER: tuple[str, ...] = (
    "title",
    "jira_key",
    "status",
    "final_estimate",
    "value",
    "rounds",
    "voters",
    "mean",
    "median",
    "agreement",
    "jira_url",
    "push_status",
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
DECIMALS = 4


@dataclass(frozen=True)
class ReportRow:
    title: str
    jira_key: str | None
    status: str
    final_estimate: str | None
    value: float | None
    rounds: int
    voters: int | None
    mean: float | None
    median: float | None
    agreement: float | None
    jira_url: str | None
    push_status: str | None


def report_csv(rows: Iterable[ReportRow]) -> str:
    """The report: the header, then one line per row, every line ending in CRLF."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows([_cell(value) for value in astuple(row)] for row in rows)
    return out.getvalue()


def _cell(value: str | float | None) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return _text(value)
    if isinstance(value, int):
        return str(value)
    return _number(value)


def _text(value: str) -> str:
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


def _number(value: float) -> str:
    text = f"{value:.{DECIMALS}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


async def room_report_csv(room_id: uuid.UUID) -> str:
    """The report of a room's issues in their order (three queries whatever the size)."""
    room = await Room.get(id=room_id)
    cards = cards_of(room.deck)
    issues = await Issue.filter(room_id=room_id).order_by("position")
    links = {
        link.issue_id: link  # type: ignore[attr-defined]
        for link in await JiraIssueLink.filter(issue_id__in=[issue.id for issue in issues])
    }
    return report_csv(_row(issue, links.get(issue.id), cards) for issue in issues)


def _row(issue: Issue, link: JiraIssueLink | None, cards: list[Card]) -> ReportRow:
    stats = VoteStats.from_json(issue.stats) if issue.stats else None
    card = card_for(cards, issue.final_estimate) if issue.final_estimate else None
    return ReportRow(
        title=issue.title,
        jira_key=link.key if link else None,
        status=issue.status.value,
        final_estimate=issue.final_estimate,
        value=card.value if card else None,
        rounds=issue.voting_round,
        voters=stats.voters if stats else None,
        mean=stats.mean if stats else None,
        median=stats.median if stats else None,
        agreement=stats.agreement if stats else None,
        jira_url=link.url if link else None,
        push_status=link.push_status.value if link else None,
    )
