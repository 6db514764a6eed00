"""Abuse and bad input over real HTTP against real server processes (one test per finding).

Each test here failed on the code before the hardening: a fragment bomb stopped the process,
bodies that are not objects were 500s, bad text was an INTERNAL_SERVER_ERROR, large unique
queries pinned memory, production served GraphiQL, refusals were logged at ERROR.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import time
import uuid

import httpx
import pytest

from tests.support import GraphQLClient, ServerProcess
from tests.web import tokens

CREATE_ROOM = """mutation($n: String!) { createRoom(input: {name: $n}) {
  room { id } errors { code field message } } }"""
ADD_ISSUE = """mutation($r: ID!, $t: String!, $d: String) {
  addIssue(input: {roomId: $r, title: $t, description: $d}) {
  issue { id } errors { code field message } } }"""
SIGN_IN = """mutation($e: String!, $n: String) { devSignIn(email: $e, name: $n) {
  token errors { code field message } } }"""


def fragment_bomb(levels: int, salt: str = "") -> str:
    spreads = [f"fragment F{i} on Query{{...F{i + 1} ...F{i + 1}}}" for i in range(levels)]
    return " ".join(
        [f"query{{...F0}}{salt}", *spreads, f"fragment F{levels} on Query{{__typename}}"]
    )


def rss_mb(server: ServerProcess) -> float:
    assert server.process is not None
    with open(f"/proc/{server.process.pid}/status") as status:
        line = next(line for line in status if line.startswith("VmRSS"))
    return int(line.split()[1]) / 1024


def error_codes(body: dict) -> list[str]:
    return [(error.get("extensions") or {}).get("code") for error in body.get("errors") or []]


async def test_a_fragment_bomb_is_refused_fast_over_post_and_get(server: ServerProcess) -> None:
    """Finding 1: 22 levels cost 12 s of CPU; 30 never finished."""
    timings = []
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
        for n in range(20):
            salt = " " * n  # whitespace defeated the validation cache
            started = time.perf_counter()
            post = await http.post("/graphql", json={"query": fragment_bomb(30, salt)})
            timings.append(time.perf_counter() - started)
            assert post.status_code == 200 and error_codes(post.json()) == ["QUERY_TOO_COMPLEX"]
        get = await http.get("/graphql", params={"query": fragment_bomb(30, "  ")})
        assert error_codes(get.json()) == ["QUERY_TOO_COMPLEX"]
    assert statistics.median(timings) < 0.05, timings


async def test_the_server_stays_live_while_bombs_arrive(server: ServerProcess) -> None:
    samples: list[float] = []
    done = asyncio.Event()

    async def attack(http: httpx.AsyncClient, worker: int) -> None:
        for n in range(40):
            salt = " " * (worker * 100 + n)
            response = await http.post("/graphql", json={"query": fragment_bomb(30, salt)})
            assert response.status_code == 200

    async def probe(http: httpx.AsyncClient) -> None:
        while not done.is_set():
            started = time.perf_counter()
            assert (await http.get("/healthz")).status_code == 200
            samples.append(time.perf_counter() - started)
            await asyncio.sleep(0.01)

    limits = httpx.Limits(max_connections=8)
    async with (
        httpx.AsyncClient(base_url=server.url, timeout=30, limits=limits) as attackers,
        httpx.AsyncClient(base_url=server.url, timeout=30) as prober,
    ):
        watcher = asyncio.create_task(probe(prober))
        await asyncio.gather(*(attack(attackers, worker) for worker in range(8)))
        done.set()
        await watcher
        assert (await prober.post("/graphql", json={"query": "{ __typename }"})).json() == {
            "data": {"__typename": "Query"}
        }
    # Blocked by the bombs, /healthz waits seconds; a busy shared machine can stall one probe.
    ordered = sorted(samples)
    p95 = ordered[int(len(ordered) * 0.95)] if ordered else None
    assert p95 is not None and p95 < 0.1 and ordered[-1] < 1.0, (len(ordered), p95, ordered[-1])


@pytest.mark.parametrize("body", [b"null", b"1", b'"x"', b"[]", b"\xff\xfe{}", b"[" * 5000])
async def test_a_body_that_is_not_a_graphql_request_is_a_400(
    server: ServerProcess, body: bytes
) -> None:
    """Finding 3: these were plain HTTP 500s."""
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
        response = await http.post(
            "/graphql", content=body, headers={"content-type": "application/json"}
        )
    assert response.status_code == 400, response.text
    assert error_codes(response.json()) == ["BAD_REQUEST"]


@pytest.mark.parametrize(
    ("name", "problem"),
    [("\ud800 room", "lone surrogate"), ("a\x00b", "NUL"), ("tab\troom", "control")],
)
async def test_bad_text_is_a_validation_error_naming_the_field_and_stores_nothing(
    gql: GraphQLClient, name: str, problem: str
) -> None:
    """Finding 2: lone surrogates and NULs ended as INTERNAL_SERVER_ERROR with a traceback."""
    token = await gql.sign_in(f"text-{uuid.uuid4().hex[:8]}@example.com")
    payload = (await gql.data(CREATE_ROOM, {"n": name}, token=token))["createRoom"]
    assert payload["room"] is None
    (error,) = payload["errors"]
    assert error["code"] == "VALIDATION" and error["field"] == "name", error
    assert problem.split()[-1].lower() in error["message"].lower()
    assert (await gql.data("{ myRooms { id } }", token=token))["myRooms"] == []

    room = (await gql.data(CREATE_ROOM, {"n": "fine"}, token=token))["createRoom"]["room"]["id"]
    for title, description, field in (
        ("t\ud800", None, "title"),
        ("title", "text\x00more", "description"),
    ):
        added = await gql.data(ADD_ISSUE, {"r": room, "t": title, "d": description}, token=token)
        assert added["addIssue"]["errors"][0]["field"] == field
    issues = await gql.data("query($r: ID!) { room(id: $r) { issues { id } } }", {"r": room}, token)
    assert issues["room"]["issues"] == []


async def test_dev_sign_in_refuses_what_the_users_table_cannot_hold(gql: GraphQLClient) -> None:
    for variables, field in (
        ({"e": "a" * 246 + "@x.com", "n": "ok"}, "email"),  # 252 > 251 with the "dev|" prefix
        ({"e": "ok@example.com", "n": "n" * 256}, "name"),
        ({"e": "ok@example.com", "n": "\ud800"}, "name"),
    ):
        payload = (await gql.data(SIGN_IN, variables))["devSignIn"]
        assert payload["token"] is None and payload["errors"][0]["field"] == field, payload
    longest = "a" * 245 + "@x.com"  # 251 characters: stored
    assert (await gql.data(SIGN_IN, {"e": longest}))["devSignIn"]["token"]


@pytest.mark.parametrize("claims", [{"name": "n" * 300}, {"sub": "a\x00b"}, {"email": "é" * 400}])
async def test_a_signed_token_with_unstorable_claims_is_unauthenticated(
    gql: GraphQLClient, claims: dict
) -> None:
    body = await gql.execute("{ viewer { email } }", token=tokens.valid(**claims))
    assert error_codes(body) == ["UNAUTHENTICATED"]


async def test_amplification_through_aliases_is_refused_before_running(gql: GraphQLClient) -> None:
    """Finding 7: 30 aliases of a room's issues returned 126 MB for 1.3 KB."""
    token = await gql.sign_in(f"amp-{uuid.uuid4().hex[:8]}@example.com")
    room = (await gql.data(CREATE_ROOM, {"n": "amp"}, token=token))["createRoom"]["room"]["id"]
    aliases = " ".join(
        f'a{i}: room(id: "{room}") {{ issues {{ id description }} }}' for i in range(30)
    )
    body = await gql.execute(f"{{ {aliases} }}", token=token)
    assert body["data"] is None and error_codes(body) == ["QUERY_TOO_COMPLEX"]
    assert "GRAPHQL_MAX_COST" in body["errors"][0]["message"]


def unique_documents(count: int, size: int) -> list[str]:
    """Unique documents of about `size` characters: padded comments and long unknown fields."""
    documents = []
    for i in range(count):
        if i % 2:
            documents.append("#" + "x" * size + f"\n{{ __typename }} # {i}")
        else:
            fields = " ".join(f"f{i}_{j}{'q' * 1000}" for j in range(size // 1010))
            documents.append(f"{{ {fields} }}")
    return documents


async def test_unique_large_queries_do_not_pin_memory(server: ServerProcess) -> None:
    """Finding 6: 600 unique ~900 KB queries grew a process from 417 MB to 1.36 GB."""
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
        await http.post("/graphql", json={"query": unique_documents(1, 90_000)[0]})  # warm-up
        before = rss_mb(server)
        for document in unique_documents(200, 900_000):  # over GRAPHQL_MAX_DOCUMENT_BYTES
            response = await http.post("/graphql", json={"query": document})
            assert response.status_code == 413, response.text[:200]
            assert error_codes(response.json()) == ["DOCUMENT_TOO_LARGE"]
        for document in unique_documents(200, 90_000):  # under it: parsed, not cached
            assert (await http.post("/graphql", json={"query": document})).status_code == 200
    grown = rss_mb(server) - before
    assert grown < 30, f"{grown:.0f} MB"


async def test_refusals_are_logged_briefly_at_info_and_never_echo_a_whole_document(
    info_server: ServerProcess,
) -> None:
    """Finding 9: one 900 KB query naming 10 unknown fields wrote 5.3 MB of ERROR lines."""
    marker = uuid.uuid4().hex
    unknown = " ".join(f"u{marker}{n}{'z' * 9_000}" for n in range(10))
    async with httpx.AsyncClient(base_url=info_server.url, timeout=30) as http:
        written = len(info_server.logs())
        response = await http.post("/graphql", json={"query": f"{{ {unknown} }}"})
        assert response.status_code == 200 and len(response.json()["errors"]) == 10
        forbidden = await http.post(
            "/graphql",
            json={"query": '{ room(id: "00000000-0000-4000-8000-000000000000") { id } }'},
            headers={"authorization": f"Bearer {tokens.valid()}"},
        )
        assert forbidden.status_code == 200
    await asyncio.sleep(0.2)
    added = info_server.logs()[written:]
    lines = [json.loads(line) for line in added.splitlines() if line.startswith("{")]
    assert len(added) < 20_000, len(added)
    assert not [line for line in lines if line["level"] == "ERROR"], added[:2000]
    refused = [line for line in lines if marker in line["msg"]]
    assert refused and all(line["level"] == "INFO" and "exc" not in line for line in refused)


async def test_production_serves_no_graphiql_and_no_introspection(
    production_server: ServerProcess,
) -> None:
    """Finding 8: production served GraphiQL; introspection is configurable."""
    async with httpx.AsyncClient(base_url=production_server.url, timeout=10) as http:
        page = await http.get("/graphql", headers={"accept": "text/html"})
        assert page.status_code == 404 and "graphiql" not in page.text.lower()
        introspection = await http.post(
            "/graphql", json={"query": "{ __schema { types { name } } }"}
        )
        body = introspection.json()
        assert body.get("data") is None and "introspection" in body["errors"][0]["message"]
        plain = await http.post("/graphql", json={"query": "{ __typename }"})
        assert plain.json() == {"data": {"__typename": "Query"}}


async def test_introspection_is_depth_limited_where_it_is_allowed(server: ServerProcess) -> None:
    nested = "ofType { " * 50 + "name" + " }" * 50
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
        response = await http.post(
            "/graphql", json={"query": f'{{ __type(name: "Query") {{ {nested} }} }}'}
        )
    assert error_codes(response.json()) == ["QUERY_TOO_DEEP"]
