"""Unit tests of the JQL parser and the webhook JQL subset check."""

from __future__ import annotations

import pytest

from sandbox.jql import Bool, Clause, Function, JqlError, parse, webhook_filter_errors


def test_parses_clauses_booleans_and_order() -> None:
    query = parse('project = PLAT AND (status in ("To Do", Done) OR sprint = 3) order by rank desc')
    assert isinstance(query.where, Bool) and query.where.op == "and"
    first, second = query.where.parts
    assert first == Clause("project", "=", ["PLAT"])
    assert isinstance(second, Bool) and second.op == "or"
    assert second.parts[0] == Clause("status", "in", ["To Do", "Done"])
    assert query.order_by == [("rank", "desc")]


def test_functions_empty_and_negations() -> None:
    query = parse("assignee = currentUser() AND sprint is not EMPTY AND key not in (A-1)")
    clauses = query.clauses()
    assert clauses[0].values == [Function("currentuser")]
    assert clauses[1] == Clause("sprint", "is not", [None])
    assert clauses[2].op == "not in"


def test_bounded() -> None:
    assert parse("project = X").is_bounded
    assert not parse("order by updated desc").is_bounded
    assert not parse("").is_bounded


@pytest.mark.parametrize("text", ["project =", "project = (", "= X", "project = X order", "a ! b"])
def test_syntax_errors(text: str) -> None:
    with pytest.raises(JqlError):
        parse(text)


def test_webhook_subset() -> None:
    assert webhook_filter_errors("project = PLAT AND issuetype in (Story, Bug)") == []
    assert webhook_filter_errors("status != Done") == []
    assert webhook_filter_errors("summary ~ x") == [
        "The clause summary is unsupported",
        "Operator ~ is unsupported",
    ]
    assert webhook_filter_errors("assignee = currentUser()") == [
        "Function currentuser is unsupported"
    ]
    assert webhook_filter_errors(None) == ["The JQL filter is required."]


def test_in_takes_a_list_function_without_parentheses() -> None:
    query = parse("project = PLAT AND sprint in openSprints()")
    clause = query.clauses()[1]
    assert (clause.op, clause.values) == ("in", [Function("opensprints")])
    assert parse("sprint in (openSprints())").clauses()[0].values == [Function("opensprints")]
