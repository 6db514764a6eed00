"""services/rooms/report.py: RFC 4180 output, number cells, CSV-injection neutralising."""

from __future__ import annotations

import csv
import dataclasses
import io

import pytest

from services.rooms.report import HEADER, ReportRow, report_csv

HEADER_LINE = (
    "title,jira_key,status,final_estimate,value,rounds,voters,mean,median,agreement,"
    "jira_url,push_status\r\n"
)


def row(**changes: object) -> ReportRow:
    base = ReportRow(
        title="Login page",
        jira_key="AK-1",
        status="ESTIMATED",
        final_estimate="5",
        value=5.0,
        rounds=2,
        voters=3,
        mean=5.5,
        median=5.0,
        agreement=0.5,
        jira_url="https://example.atlassian.net/browse/AK-1",
        push_status="PUSHED",
    )
    return dataclasses.replace(base, **changes)


def parsed(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def test_empty_report_is_the_header() -> None:
    assert report_csv([]) == HEADER_LINE
    assert tuple(field.name for field in dataclasses.fields(ReportRow)) == HEADER


def test_a_row() -> None:
    assert report_csv([row()]) == HEADER_LINE + (
        "Login page,AK-1,ESTIMATED,5,5,2,3,5.5,5,0.5,"
        "https://example.atlassian.net/browse/AK-1,PUSHED\r\n"
    )


def test_none_is_an_empty_cell() -> None:
    blank = row(
        jira_key=None,
        final_estimate=None,
        value=None,
        voters=None,
        mean=None,
        median=None,
        agreement=None,
        jira_url=None,
        push_status=None,
    )
    assert report_csv([blank]).endswith("\r\nLogin page,,ESTIMATED,,,2,,,,,,\r\n")


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        (5.0, "5"),
        (5.5, "5.5"),
        (0.0, "0"),
        (-0.0, "0"),
        (-0.00001, "0"),
        (1 / 3, "0.3333"),
        (2 / 3, "0.6667"),
        (0.12345, "0.1235"),
        (100.0, "100"),
        (-2.5, "-2.5"),
        (1e20, "100000000000000000000"),
    ],
)
def test_number_cells(value: float, cell: str) -> None:
    assert parsed(report_csv([row(mean=value)]))[1][7] == cell


def test_quoting() -> None:
    title = 'Say "hi", then\nleave\r\nnow'
    text = report_csv([row(title=title)])
    assert text.startswith(HEADER_LINE + '"Say ""hi"", then\nleave\r\nnow",AK-1,')
    assert text.endswith("\r\n")
    assert parsed(text)[1][0] == title


@pytest.mark.parametrize(
    "text",
    ['=HYPERLINK("http://evil.example","x")', "+1", "-2+3", "@SUM(A1)", "\tTab", "\rCR"],
)
def test_formula_cells_are_neutralised(text: str) -> None:
    cells = parsed(report_csv([row(title=text, jira_key=text, final_estimate=text)]))[1]
    assert cells[0] == cells[1] == cells[3] == f"'{text}"


def test_every_text_cell_is_neutralised() -> None:
    evil = "=1+1"
    cells = parsed(
        report_csv(
            [
                row(
                    title=evil,
                    jira_key=evil,
                    status=evil,
                    final_estimate=evil,
                    jira_url=evil,
                    push_status=evil,
                )
            ]
        )
    )[1]
    assert [cells[i] for i in (0, 1, 2, 3, 10, 11)] == ["'=1+1"] * 6


def test_harmless_text_and_negative_numbers_are_untouched() -> None:
    cells = parsed(report_csv([row(title="a=b", final_estimate="?", value=-1.0, mean=-2.5)]))[1]
    assert (cells[0], cells[3], cells[4], cells[7]) == ("a=b", "?", "-1", "-2.5")


def test_parsing_back_gives_the_values() -> None:
    rows = [
        row(),
        row(title="Pay, then ship", jira_key=None, final_estimate="☕", value=None, rounds=1),
        row(title='-"quoted"\nmulti-line', agreement=1 / 3, push_status="=cmd"),
    ]
    table = parsed(report_csv(rows))
    assert table[0] == list(HEADER)
    assert len(table) == 4
    assert table[2][:6] == ["Pay, then ship", "", "ESTIMATED", "☕", "", "1"]
    assert table[3][0] == '\'-"quoted"\nmulti-line'
    assert (table[3][9], table[3][11]) == ("0.3333", "'=cmd")
