"""Fuzz a real server's /graphql with generated GraphQL documents and with garbage.

hypothesis-graphql generates documents from the schema (valid ones, and with Mode.NEGATIVE
ones breaking one rule); each is sent several ways (anonymous, as a PREMIUM or FREE user, by
POST and by GET) from a thread pool over keep-alive connections. Raw bodies that are not
GraphQL requests (random bytes, random JSON, random query strings, other content types,
bodies over the size limit) must be refused with 400, 415 or 413.

Every response must be below 500 and carry no INTERNAL_SERVER_ERROR; the campaigns collect
failures instead of stopping at the first, and each test reports the first few. The last test
checks that enough requests were sent and that the server logged nothing at ERROR.

FUZZ_SCALE (default 1) multiplies the number of examples; FUZZ_SEED picks a random seed
instead of the default derandomized run.
"""

from __future__ import annotations

import json
import os
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import graphql
import httpx
import hypothesis_graphql as hg
import pytest
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

from schema.composition import sdl
from tests.fuzz.conftest import FuzzTarget

SCALE = float(os.environ.get("FUZZ_SCALE", "1"))
SEED = os.environ.get("FUZZ_SEED")
WORKERS = 6
MIN_REQUESTS = 5000
MAX_BODY_BYTES = 1_000_000  # the server's default MAX_BODY_BYTES
SHOWN_FAILURES = 5
SHOWN_CHARACTERS = 500

SCHEMA = graphql.build_schema(sdl())
JSON_ACCEPT = {"accept": "application/json"}
OK_OR_REFUSED = frozenset({200, 400})
BAD_REQUEST = frozenset({400})
CAMPAIGNS = (
    "queries",
    "invalid_queries",
    "mutations",
    "invalid_mutations",
    "envelopes",
    "random_bytes",
    "random_json",
    "random_query_strings",
    "oversized_bodies",
)

SENT: Counter[str] = Counter()  # responses received, per campaign (read by the last test)


@dataclass(frozen=True)
class Probe:
    """One HTTP request to /graphql and the statuses it may get (None: any below 500)."""

    method: str
    params: Any = None
    content: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    expected: frozenset[int] | None = None
    who: str = "anonymous"

    def describe(self) -> str:
        shown_headers = {k: v for k, v in self.headers.items() if k != "authorization"}
        parts = [f"{self.method} /graphql as {self.who}"]
        if shown_headers:
            parts.append(f"headers={shown_headers}")
        if self.params is not None:
            parts.append(f"params={_clip(repr(self.params))}")
        if self.content is not None:
            try:
                parts.append(f"body={_clip(self.content.decode('utf-8'))}")
            except UnicodeDecodeError:
                parts.append(f"body={_clip(repr(self.content))}")
        return "\n    ".join(parts)


@dataclass(frozen=True)
class Failure:
    probe: Probe
    problem: str
    request_id: str


def _clip(text: str, limit: int = SHOWN_CHARACTERS) -> str:
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text)} characters)"


def internal_errors(value: object) -> Iterator[dict[str, Any]]:
    """Every error object in a JSON value whose extensions.code is INTERNAL_SERVER_ERROR."""
    if isinstance(value, dict):
        extensions = value.get("extensions")
        if isinstance(extensions, dict) and extensions.get("code") == "INTERNAL_SERVER_ERROR":
            yield value
        for item in value.values():
            yield from internal_errors(item)
    elif isinstance(value, list):
        for item in value:
            yield from internal_errors(item)


def problem_with(response: httpx.Response, expected: frozenset[int] | None) -> str | None:
    status = response.status_code
    if status >= 500:
        return f"HTTP {status}: {_clip(response.text)}"
    if expected is not None and status not in expected:
        return f"HTTP {status}, expected {sorted(expected)}: {_clip(response.text)}"
    if "json" not in response.headers.get("content-type", ""):
        return None
    try:
        body = response.json()
    except ValueError:
        return f"HTTP {status} says JSON but is not: {_clip(response.text)}"
    internal = next(internal_errors(body), None)
    if internal is not None:
        return f"HTTP {status} with INTERNAL_SERVER_ERROR: {_clip(json.dumps(internal))}"
    return None


class Fuzzer:
    """Sends probes from a thread pool over one keep-alive client and checks every response."""

    def __init__(self, target: FuzzTarget) -> None:
        self.target = target
        self.bearer = {
            "anonymous": {},
            "premium": {"authorization": f"Bearer {target.premium_token}"},
            "free": {"authorization": f"Bearer {target.free_token}"},
        }
        self.http = httpx.Client(
            base_url=target.server.url,
            timeout=30,
            limits=httpx.Limits(max_connections=WORKERS, max_keepalive_connections=WORKERS),
        )
        self.pool = ThreadPoolExecutor(WORKERS, thread_name_prefix="fuzz")
        self.lock = threading.Lock()
        self.pending: list[Future[None]] = []
        self.campaign = ""
        self.failures: list[Failure] = []

    def close(self) -> None:
        self.pool.shutdown(wait=True)
        self.http.close()

    def run(
        self,
        campaign: str,
        examples: int,
        strategy: st.SearchStrategy[Any],
        send: Callable[[Any], None],
    ) -> list[Failure]:
        """Draw `examples` values (times FUZZ_SCALE), `send` probes for each; the failures."""
        self.campaign = campaign
        self.failures = []

        @settings(
            max_examples=max(1, int(examples * SCALE)),
            deadline=None,
            database=None,
            derandomize=SEED is None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=[
                HealthCheck.too_slow,
                HealthCheck.data_too_large,
                HealthCheck.large_base_example,
                HealthCheck.filter_too_much,
            ],
        )
        @given(strategy)
        def draw(value: Any) -> None:
            send(value)

        if SEED is not None:
            draw = seed(int(SEED))(draw)
        try:
            draw()
        finally:
            self.drain()
        return self.failures

    def probe(self, probe: Probe) -> None:
        self.pending.append(self.pool.submit(self._send, self.campaign, probe))
        if len(self.pending) > 20 * WORKERS:  # keep generation at most a little ahead
            self.pending.pop(0).result()

    def as_users(self, method: str, who: tuple[str, ...], **kwargs: Any) -> None:
        headers = kwargs.pop("headers", {})
        for name in who:
            self.probe(Probe(method, headers={**headers, **self.bearer[name]}, who=name, **kwargs))

    def drain(self) -> None:
        while self.pending:
            self.pending.pop(0).result()

    def _send(self, campaign: str, probe: Probe) -> None:
        try:
            response = self.http.request(
                probe.method,
                "/graphql",
                params=probe.params,
                content=probe.content,
                headers=probe.headers,
            )
        except httpx.HTTPError as exc:
            self._fail(Failure(probe, f"transport error: {exc!r}", "-"))
            return
        with self.lock:
            SENT[campaign] += 1
        problem = problem_with(response, probe.expected)
        if problem:
            self._fail(Failure(probe, problem, response.headers.get("x-request-id", "-")))

    def _fail(self, failure: Failure) -> None:
        with self.lock:
            self.failures.append(failure)


def report(target: FuzzTarget, campaign: str, failures: list[Failure]) -> str:
    """The first few failures with what the server logged for their requests."""
    logs = target.server.logs().splitlines()
    lines = [f"{len(failures)} of {SENT[campaign]} {campaign} requests failed; the first ones:"]
    for failure in failures[:SHOWN_FAILURES]:
        lines.append(f"- {failure.probe.describe()}\n    -> {failure.problem}")
        for entry in _log_entries(logs):
            if entry.get("request_id") == failure.request_id and entry.get("level") == "ERROR":
                lines.append(f"    server log: {_clip(json.dumps(entry), 3000)}")
    return "\n".join(lines)


def _log_entries(lines: list[str]) -> Iterator[dict[str, Any]]:
    """The JSON log entries, also those that stray stderr output got written in front of."""
    for line in lines:
        try:
            entry = json.loads(line[line.index("{") :])
        except ValueError:
            continue
        if isinstance(entry, dict):
            yield entry


# graphql-core 3.3.2: when a non-null field's error cancels its sibling fields, the resolver
# coroutines of list items it had created but not started are never awaited; CPython reports
# each one on stderr when it is collected ("coroutine ... was never awaited", or "Exception
# ignored in: <coroutine ...>" with a traceback when the collection runs in a frame without
# builtins). Nothing ran and nothing failed: this noise is reported, not counted as an error.
UNAWAITED_RESOLVER = "GraphQLCoreConverter.from_resolver.<locals>._async_resolver"
# The same warning when the garbage collector finalises the coroutine while a namedtuple's
# generated `__new__` (a lambda compiled with empty builtins) runs: warnings' import then fails
# with this traceback and no "Exception ignored" line of its own.
WARNING_IN_NAMEDTUPLE = ('File "<string>", line 1, in <lambda>', "KeyError: '__import__'")


def stray_tracebacks(lines: list[str]) -> tuple[list[str], int]:
    """Tracebacks written outside the JSON log (each with the lines before it), and how many
    were the known unawaited-resolver noise."""
    found, known = [], 0
    for index, line in enumerate(lines):
        if "Traceback (most recent call last)" not in line or line.startswith("{"):
            continue
        context = lines[max(0, index - 3) : index + 4]
        # stderr's traceback lines can come between the server's JSON log lines
        after = [line.strip() for line in lines[index + 1 : index + 8] if not line.startswith("{")]
        after = after[:2]
        if any(UNAWAITED_RESOLVER in before for before in lines[max(0, index - 3) : index]):
            known += 1
        elif tuple(after) == WARNING_IN_NAMEDTUPLE:
            known += 1
        else:
            found.append("\n".join(context))
    return found, known


@pytest.fixture(scope="module")
def fuzzer(fuzz_target: FuzzTarget) -> Iterator[Fuzzer]:
    fuzzer = Fuzzer(fuzz_target)
    yield fuzzer
    fuzzer.close()


def id_values(target: FuzzTarget) -> st.SearchStrategy[graphql.ValueNode]:
    """IDs: mostly ones that exist (rooms, issues), else junk of the ID scalar's two forms."""
    known = st.sampled_from(target.room_ids + target.issue_ids)
    junk = st.one_of(st.text(max_size=40), st.integers().map(str), st.uuids().map(str))
    strings = st.one_of(known, known, junk).map(lambda v: graphql.StringValueNode(value=v))
    integers = st.integers(-(2**40), 2**40).map(lambda v: graphql.IntValueNode(value=str(v)))
    return st.one_of(strings, integers)


def documents(target: FuzzTarget, kind: str, mode: hg.Mode) -> st.SearchStrategy[str]:
    strategy = hg.queries if kind == "query" else hg.mutations
    return strategy(SCHEMA, custom_scalars={"ID": id_values(target)}, mode=mode)


def json_body(document: str, **extra: Any) -> bytes:
    return json.dumps({"query": document, **extra}).encode()


JSON_CONTENT = {"content-type": "application/json"}
EVERYONE = ("anonymous", "premium", "free")


def test_queries(fuzzer: Fuzzer, fuzz_target: FuzzTarget) -> None:
    def send(document: str) -> None:
        fuzzer.as_users(
            "POST", ("anonymous", "premium"), content=json_body(document), headers=JSON_CONTENT
        )
        fuzzer.as_users(
            "GET", ("anonymous", "premium"), params={"query": document}, headers=JSON_ACCEPT
        )

    failures = fuzzer.run("queries", 600, documents(fuzz_target, "query", hg.Mode.POSITIVE), send)
    assert not failures, report(fuzz_target, "queries", failures)


def test_invalid_queries(fuzzer: Fuzzer, fuzz_target: FuzzTarget) -> None:
    def send(document: str) -> None:
        fuzzer.as_users("POST", ("premium",), content=json_body(document), headers=JSON_CONTENT)
        fuzzer.as_users("GET", ("anonymous",), params={"query": document}, headers=JSON_ACCEPT)

    strategy = documents(fuzz_target, "query", hg.Mode.NEGATIVE)
    failures = fuzzer.run("invalid_queries", 200, strategy, send)
    assert not failures, report(fuzz_target, "invalid_queries", failures)


def test_mutations(fuzzer: Fuzzer, fuzz_target: FuzzTarget) -> None:
    def send(document: str) -> None:
        fuzzer.as_users("POST", EVERYONE, content=json_body(document), headers=JSON_CONTENT)
        # Mutations over GET are refused (405), never run.
        fuzzer.as_users("GET", ("premium",), params={"query": document}, headers=JSON_ACCEPT)

    strategy = documents(fuzz_target, "mutation", hg.Mode.POSITIVE)
    failures = fuzzer.run("mutations", 400, strategy, send)
    assert not failures, report(fuzz_target, "mutations", failures)


def test_invalid_mutations(fuzzer: Fuzzer, fuzz_target: FuzzTarget) -> None:
    def send(document: str) -> None:
        fuzzer.as_users(
            "POST", ("anonymous", "premium"), content=json_body(document), headers=JSON_CONTENT
        )

    strategy = documents(fuzz_target, "mutation", hg.Mode.NEGATIVE)
    failures = fuzzer.run("invalid_mutations", 150, strategy, send)
    assert not failures, report(fuzz_target, "invalid_mutations", failures)


# JSON values: what the envelope's fields and raw bodies are made of.
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children, max_size=5)
    ),
    max_leaves=20,
)
# Header values: printable ASCII without surrounding blanks (what an HTTP client can send).
HEADER_TEXT = st.text(st.characters(codec="ascii", exclude_categories=["Cc"]), max_size=60).map(
    str.strip
)
AUTHORIZATIONS = st.one_of(
    st.sampled_from(["premium", "free", "anonymous"]),
    HEADER_TEXT.map(lambda v: f"raw:{v}"),
    HEADER_TEXT.map(lambda v: f"raw:{f'Bearer {v}'.strip()}"),
    st.sampled_from(["Bearer", "Bearer x.y.z", "Basic Zm9vOmJhcg==", "bearer", "Bearer eyJ"]).map(
        lambda v: f"raw:{v}"
    ),
)


@st.composite
def envelopes(draw: st.DrawFn, target: FuzzTarget) -> tuple[dict[str, Any], str]:
    """A generated document in a request whose other fields are random (often of the wrong
    type), and who sends it (a user, or a raw Authorization header)."""
    kind = draw(st.sampled_from(["query", "mutation"]))
    mode = draw(st.sampled_from([hg.Mode.POSITIVE, hg.Mode.POSITIVE, hg.Mode.NEGATIVE]))
    document = draw(documents(target, kind, mode))
    envelope: dict[str, Any] = {"query": document}
    if draw(st.booleans()):
        envelope["variables"] = draw(
            st.dictionaries(st.text(max_size=10), JSON_VALUES, max_size=5) | JSON_VALUES
        )
    if draw(st.booleans()):
        envelope["operationName"] = draw(st.text(max_size=20) | JSON_VALUES)
    if draw(st.booleans()):
        envelope["extensions"] = draw(
            st.dictionaries(st.text(max_size=10), JSON_VALUES, max_size=3) | JSON_VALUES
        )
    if draw(st.integers(0, 9)) == 0:
        envelope["documentId"] = draw(st.text(max_size=70) | st.just("sha256:" + "0" * 64))
    return envelope, draw(AUTHORIZATIONS)


def test_envelopes(fuzzer: Fuzzer, fuzz_target: FuzzTarget) -> None:
    def send(drawn: tuple[dict[str, Any], str]) -> None:
        envelope, who = drawn
        if who.startswith("raw:"):
            headers, who = {"authorization": who[4:]}, "a raw Authorization header"
        else:
            headers = dict(fuzzer.bearer[who])
        body = json.dumps(envelope).encode()
        fuzzer.probe(Probe("POST", content=body, headers={**headers, **JSON_CONTENT}, who=who))
        params = {
            key: value if isinstance(value, str) else json.dumps(value)
            for key, value in envelope.items()
        }
        fuzzer.probe(Probe("GET", params=params, headers={**headers, **JSON_ACCEPT}, who=who))

    failures = fuzzer.run("envelopes", 300, envelopes(fuzz_target), send)
    assert not failures, report(fuzz_target, "envelopes", failures)


OTHER_CONTENT_TYPES = st.one_of(
    st.sampled_from(
        [
            "text/plain",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
            "application/graphql",
            "application/xml",
            "",
        ]
    ),
    HEADER_TEXT,
)


def test_random_bytes(fuzzer: Fuzzer, fuzz_target: FuzzTarget) -> None:
    def send(drawn: tuple[bytes, str]) -> None:
        body, content_type = drawn
        # Random bytes are never a JSON object with a `query`: 400, whoever sends them.
        fuzzer.as_users(
            "POST",
            ("anonymous", "premium"),
            content=body,
            headers=JSON_CONTENT,
            expected=BAD_REQUEST,
        )
        refused = BAD_REQUEST if "application/json" in content_type else frozenset({415})
        fuzzer.probe(
            Probe("POST", content=body, headers={"content-type": content_type}, expected=refused)
        )

    strategy = st.tuples(st.binary(max_size=2000), OTHER_CONTENT_TYPES)
    failures = fuzzer.run("random_bytes", 400, strategy, send)
    assert not failures, report(fuzz_target, "random_bytes", failures)


def may_run(value: object) -> bool:
    """Whether a decoded body could be a GraphQL request (and so be answered 200)."""
    return isinstance(value, dict) and (
        isinstance(value.get("query"), str) or isinstance(value.get("documentId"), str)
    )


def test_random_json(fuzzer: Fuzzer, fuzz_target: FuzzTarget) -> None:
    def send(value: object) -> None:
        body = json.dumps(value).encode()
        expected = OK_OR_REFUSED if may_run(value) else BAD_REQUEST
        fuzzer.as_users(
            "POST", ("anonymous", "premium"), content=body, headers=JSON_CONTENT, expected=expected
        )
        # The same value as the `variables` of a GET: only an object (or null) is accepted.
        variables_ok = value is None or isinstance(value, dict)
        params = {
            "query": "query($a: ID) { __typename room(id: $a) { id } }",
            "variables": body.decode(),
        }
        fuzzer.probe(
            Probe(
                "GET",
                params=params,
                headers=JSON_ACCEPT,
                expected=OK_OR_REFUSED if variables_ok else BAD_REQUEST,
            )
        )

    failures = fuzzer.run("random_json", 400, JSON_VALUES, send)
    assert not failures, report(fuzz_target, "random_json", failures)


REQUEST_KEYS = ("query", "variables", "operationName", "extensions", "documentId")


@st.composite
def query_strings(draw: st.DrawFn) -> tuple[list[tuple[str, str]], bool]:
    """Random parameters, half the time under the names of a GraphQL request's fields."""
    names = st.text(max_size=15)
    keys = (names | st.sampled_from(REQUEST_KEYS)) if draw(st.booleans()) else names
    params = draw(st.lists(st.tuples(keys, st.text(max_size=60)), max_size=6))
    return params, any(key in ("query", "documentId") for key, _ in params)


def test_random_query_strings(fuzzer: Fuzzer, fuzz_target: FuzzTarget) -> None:
    def send(drawn: tuple[list[tuple[str, str]], bool]) -> None:
        params, may_be_request = drawn
        # Without `query` (or `documentId`) nothing can run: 400.
        expected = None if may_be_request else BAD_REQUEST
        fuzzer.as_users(
            "GET", ("anonymous", "premium"), params=params, headers=JSON_ACCEPT, expected=expected
        )

    failures = fuzzer.run("random_query_strings", 400, query_strings(), send)
    assert not failures, report(fuzz_target, "random_query_strings", failures)


def test_oversized_bodies(fuzzer: Fuzzer, fuzz_target: FuzzTarget) -> None:
    fuzzer.campaign = "oversized_bodies"
    fuzzer.failures = []
    too_large = frozenset({413})
    padding = "x" * (MAX_BODY_BYTES + 1)
    for body in (
        json_body("{ viewer { id } }", variables={"p": padding}),
        b"\x00" * (MAX_BODY_BYTES + 1),
        json.dumps([padding]).encode(),
    ):
        for who in ("anonymous", "premium"):
            fuzzer.as_users("POST", (who,), content=body, headers=JSON_CONTENT, expected=too_large)
    fuzzer.drain()

    def chunks() -> Iterator[bytes]:  # streamed: no content-length to refuse it by
        yield b'{"query": "{ viewer { id } }", "variables": {"p": "'
        for _ in range(MAX_BODY_BYTES // 10_000 + 1):
            yield b"x" * 10_000
        yield b'"}}'

    for _ in range(2):
        response = fuzzer.http.post("/graphql", content=chunks(), headers=JSON_CONTENT)
        SENT["oversized_bodies"] += 1
        problem = problem_with(response, too_large)
        if problem:
            probe = Probe("POST", headers=JSON_CONTENT, who="anonymous (streamed, chunked body)")
            fuzzer.failures.append(
                Failure(probe, problem, response.headers.get("x-request-id", "-"))
            )
    assert SENT["oversized_bodies"] == 8
    assert not fuzzer.failures, report(fuzz_target, "oversized_bodies", fuzzer.failures)


def test_volume_and_server_log(fuzz_target: FuzzTarget) -> None:
    """Runs last: every campaign sent its requests, enough of them, and nothing was logged at
    ERROR (unexpected errors are; expected refusals are INFO)."""
    missing = [campaign for campaign in CAMPAIGNS if not SENT[campaign]]
    assert not missing, f"campaigns that sent nothing (did they run?): {missing}"
    total = sum(SENT.values())
    expected = int(MIN_REQUESTS * min(SCALE, 1.0))
    assert total >= expected, f"only {total} requests were sent ({dict(SENT)})"

    logs = fuzz_target.server.logs()
    lines = logs.splitlines()
    entries = list(_log_entries(lines))
    never_awaited = logs.count(f"{UNAWAITED_RESOLVER}' was never awaited")
    tracebacks, known = stray_tracebacks(lines)
    print(
        f"\nfuzz: {total} requests {dict(SENT)}; {len(entries)} JSON log entries; "
        f"graphql-core unawaited resolvers reported: {never_awaited + known}"
    )
    assert entries, "the server logged nothing at INFO: is LOG_LEVEL=INFO applied?"
    errors = [entry for entry in entries if entry.get("level") in ("ERROR", "CRITICAL")]
    shown = "\n".join(_clip(json.dumps(entry), 3000) for entry in errors[:SHOWN_FAILURES])
    assert not errors, f"{len(errors)} ERROR lines in the server log; the first ones:\n{shown}"
    shown = "\n---\n".join(tracebacks[:SHOWN_FAILURES])
    assert not tracebacks, f"{len(tracebacks)} tracebacks outside the JSON log:\n{shown}"
