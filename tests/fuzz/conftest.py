"""A dedicated development server for the fuzz suite, a PREMIUM user and a few real ids."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import httpx
import pytest

from tests.support import ServerProcess

SIGN_IN = "mutation($e:String!,$p:Plan){devSignIn(email:$e,plan:$p){token errors{code message}}}"
CREATE_ROOM = "mutation($n:String!){createRoom(input:{name:$n}){room{id} errors{code}}}"
ADD_ISSUE = (
    "mutation($r:ID!,$t:String!){addIssue(input:{roomId:$r,title:$t}){issue{id} errors{code}}}"
)
START_VOTING = "mutation($i:ID!){startVoting(issueId:$i){issue{id} errors{code}}}"


@dataclass(frozen=True)
class FuzzTarget:
    server: ServerProcess
    premium_token: str
    free_token: str
    room_ids: tuple[str, ...]
    issue_ids: tuple[str, ...]


def _data(http: httpx.Client, query: str, variables: dict[str, object], token: str = "") -> dict:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    response = http.post("/graphql", json={"query": query, "variables": variables}, headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert not body.get("errors"), body
    return body["data"]


def _token(http: httpx.Client, email: str, plan: str) -> str:
    payload = _data(http, SIGN_IN, {"e": email, "p": plan})["devSignIn"]
    assert not payload["errors"] and payload["token"], payload
    return payload["token"]


@pytest.fixture(scope="session")
def fuzz_target(start_server: Callable[..., ServerProcess]) -> FuzzTarget:
    """Its own server (INFO logs, read back at the end) with a room holding a few issues, so
    that generated ids sometimes name something that exists."""
    server = start_server(LOG_LEVEL="INFO")
    with httpx.Client(base_url=server.url, timeout=10) as http:
        premium = _token(http, "fuzz-premium@agilekit.test", "PREMIUM")
        free = _token(http, "fuzz-free@agilekit.test", "FREE")
        room = _data(http, CREATE_ROOM, {"n": "fuzz room"}, premium)["createRoom"]["room"]["id"]
        issues = []
        for title in ("first", "second", "third"):
            added = _data(http, ADD_ISSUE, {"r": room, "t": title}, premium)["addIssue"]
            issues.append(added["issue"]["id"])
        _data(http, START_VOTING, {"i": issues[0]}, premium)
    return FuzzTarget(server, premium, free, (room,), tuple(issues))
