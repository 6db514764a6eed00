"""A JQL parser for the subset the sandbox understands (evaluation lives in search.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

KEYWORDS = {"and", "or", "not", "in", "is", "empty", "null", "order", "by", "asc", "desc"}
WEBHOOK_FIELDS = {
    "issuekey",
    "key",
    "project",
    "issuetype",
    "type",
    "status",
    "assignee",
    "reporter",
}
WEBHOOK_OPERATORS = {"=", "!=", "in", "not in"}
_TOKEN = re.compile(
    r"""\s*(?:
        (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
      | (?P<op>!=|>=|<=|!~|=|>|<|~)
      | (?P<punct>[(),])
      | (?P<word>[^\s"'(),=!<>~]+)
    )""",
    re.VERBOSE,
)


class JqlError(ValueError):
    """The query cannot be parsed; the message is Jira-like."""


@dataclass(frozen=True)
class Function:
    name: str
    args: tuple[str, ...] = ()


Atom = str | Function | None  # None: EMPTY / NULL


@dataclass
class Clause:
    field: str  # lower-cased as written
    op: str  # = != > >= < <= ~ !~ in "not in" is "is not"
    values: list[Atom]


@dataclass
class Bool:
    op: str  # and | or | not
    parts: list[Node]


Node = Clause | Bool


@dataclass
class Query:
    where: Node | None
    order_by: list[tuple[str, str]] = field(default_factory=list)

    @property
    def is_bounded(self) -> bool:
        return self.where is not None

    def clauses(self) -> list[Clause]:
        found: list[Clause] = []

        def walk(node: Node | None) -> None:
            if isinstance(node, Clause):
                found.append(node)
            elif isinstance(node, Bool):
                for part in node.parts:
                    walk(part)

        walk(self.where)
        return found


def _tokenize(text: str) -> list[tuple[str, str]]:
    tokens, position = [], 0
    text = text.rstrip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if not match or match.end() == position:
            raise JqlError(f"Error in the JQL Query: unexpected character at position {position}.")
        kind = match.lastgroup or "word"
        value = match.group(kind)
        if kind == "string":
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        tokens.append((kind, value))
        position = match.end()
    return tokens


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _tokenize(text)
        self.at = 0

    def peek(self, offset: int = 0) -> tuple[str, str] | None:
        index = self.at + offset
        return self.tokens[index] if index < len(self.tokens) else None

    def keyword(self, word: str, offset: int = 0) -> bool:
        token = self.peek(offset)
        return bool(token and token[0] == "word" and token[1].lower() == word)

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise JqlError("Error in the JQL Query: the query ended unexpectedly.")
        self.at += 1
        return token

    def expect(self, value: str) -> None:
        got = self.take()[1]
        if got.lower() != value:
            raise JqlError(f"Error in the JQL Query: expecting '{value}' but got '{got}'.")

    def parse(self) -> Query:
        where = None if self.peek() is None or self.keyword("order") else self.or_expr()
        order: list[tuple[str, str]] = []
        if self.keyword("order"):
            self.take()
            self.expect("by")
            while True:
                name = self.take()[1].lower()
                direction = "asc"
                if self.keyword("asc") or self.keyword("desc"):
                    direction = self.take()[1].lower()
                order.append((name, direction))
                if self.peek() and self.peek()[1] == ",":  # type: ignore[index]
                    self.take()
                    continue
                break
        if self.peek() is not None:
            raise JqlError(f"Error in the JQL Query: unexpected '{self.peek()[1]}'.")  # type: ignore[index]
        return Query(where, order)

    def or_expr(self) -> Node:
        parts = [self.and_expr()]
        while self.keyword("or"):
            self.take()
            parts.append(self.and_expr())
        return parts[0] if len(parts) == 1 else Bool("or", parts)

    def and_expr(self) -> Node:
        parts = [self.not_expr()]
        while self.keyword("and"):
            self.take()
            parts.append(self.not_expr())
        return parts[0] if len(parts) == 1 else Bool("and", parts)

    def not_expr(self) -> Node:
        if self.keyword("not"):
            self.take()
            return Bool("not", [self.not_expr()])
        token = self.peek()
        if token and token[1] == "(":
            self.take()
            inner = self.or_expr()
            self.expect(")")
            return inner
        return self.clause()

    def clause(self) -> Clause:
        kind, name = self.take()
        if kind not in {"word", "string"} or name.lower() in KEYWORDS:
            raise JqlError(f"Error in the JQL Query: expecting a field name but got '{name}'.")
        op = self.operator()
        word, then = self.peek(), self.peek(1)
        if op in {"in", "not in"} and word and word[0] == "word" and then and then[1] == "(":
            values = [self.atom()]  # a list function: sprint in openSprints()
        elif op in {"in", "not in"}:
            self.expect("(")
            values = [self.atom()]
            while self.peek() and self.peek()[1] == ",":  # type: ignore[index]
                self.take()
                values.append(self.atom())
            self.expect(")")
        else:
            values = [self.atom()]
        return Clause(name.lower(), op, values)

    def operator(self) -> str:
        kind, value = self.take()
        if kind == "op":
            return value
        word = value.lower()
        if word == "in":
            return "in"
        if word == "not" and self.keyword("in"):
            self.take()
            return "not in"
        if word == "is":
            if self.keyword("not"):
                self.take()
                return "is not"
            return "is"
        raise JqlError(f"Error in the JQL Query: expecting an operator but got '{value}'.")

    def atom(self) -> Atom:
        kind, value = self.take()
        if kind == "string":
            return value
        if kind != "word":
            raise JqlError(f"Error in the JQL Query: expecting a value but got '{value}'.")
        if value.lower() in {"empty", "null"}:
            return None
        token = self.peek()
        if token and token[1] == "(":
            self.take()
            args: list[str] = []
            while self.peek() and self.peek()[1] != ")":  # type: ignore[index]
                arg = self.take()[1]
                if arg != ",":
                    args.append(arg)
            self.expect(")")
            return Function(value.lower(), tuple(args))
        return value


def parse(text: str) -> Query:
    return _Parser(text or "").parse()


def webhook_filter_errors(text: str | None) -> list[str]:
    """Errors for a dynamic-webhook `jqlFilter`, which accepts only a small subset of JQL."""
    if not text or not text.strip():
        return ["The JQL filter is required."]
    try:
        query = parse(text)
    except JqlError as exc:
        return [str(exc)]
    errors: list[str] = []
    if query.order_by:
        errors.append("The clause order by is unsupported")
    for clause in query.clauses():
        base = clause.field.split("[", 1)[0]
        if clause.field not in WEBHOOK_FIELDS and base not in {"issue.property", "cf"}:
            errors.append(f"The clause {clause.field} is unsupported")
        if clause.op not in WEBHOOK_OPERATORS:
            errors.append(f"Operator {clause.op} is unsupported")
        errors.extend(
            f"Function {value.name} is unsupported"
            for value in clause.values
            if isinstance(value, Function)
        )
    return errors
