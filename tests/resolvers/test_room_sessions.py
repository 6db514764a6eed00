"""Estimation sessions over real HTTP against a real uvicorn process: roles and FORBIDDEN,
spectators, decks with values, statistics, kept rounds, order and the CSV report."""

from __future__ import annotations

import csv
import io
from typing import Any

from tests.resolvers.room_helpers import (
    CAST,
    REVEAL,
    START,
    add_issue,
    create_room,
    join_room,
    unique_email,
    voting,
)
from tests.support import GraphQLClient

MEMBERS = "viewerRole memberships { role user { id email } }"
JOIN = f"""mutation($r: ID!, $s: Boolean) {{ joinRoom(roomId: $r, asSpectator: $s) {{
  room {{ {MEMBERS} }} errors {{ code field }} }} }}"""
ROOM = f"""query($r: ID!) {{ room(id: $r) {{ name deck cards {{ label value }} autoReveal
  defaultVotingSeconds reportCsv {MEMBERS} issues {{ id title position status round }} }} }}"""
CREATE = """mutation($n: String!, $c: [DeckCardInput!], $a: Boolean, $s: Int) {
  createRoom(input: {name: $n, cards: $c, autoReveal: $a, defaultVotingSeconds: $s}) {
  room { id deck cards { label value } autoReveal defaultVotingSeconds viewerRole }
  errors { code field } } }"""
UPDATE = """mutation($r: ID!, $n: String) { updateRoom(roomId: $r, input: {name: $n}) {
  room { name } errors { code field } } }"""
SET_ROLE = """mutation($r: ID!, $u: ID!, $role: RoomRole!) {
  setMemberRole(roomId: $r, userId: $u, role: $role) {
  membership { role user { email } } errors { code field } } }"""
REMOVE = """mutation($r: ID!, $u: ID!) { removeMember(roomId: $r, userId: $u) {
  membership { role user { email } } errors { code field } } }"""
STATS = "stats { voters numeric mean median min max mode agreement consensus suggestion }"
ISSUE = f"id status round votingEndsAt position {STATS}"
ROUNDS = f"rounds {{ round revealedAt votes {{ value user {{ email }} }} {STATS} }}"
START_TIMED = f"""mutation($i: ID!, $s: Int) {{ startVoting(issueId: $i, seconds: $s) {{
  issue {{ {ISSUE} }} errors {{ code field }} }} }}"""
REVOTE = f"""mutation($i: ID!) {{ revoteIssue(issueId: $i) {{
  issue {{ {ISSUE} {ROUNDS} }} errors {{ code field }} }} }}"""
REVEAL_STATS = f"""mutation($i: ID!) {{ revealVotes(issueId: $i) {{
  issue {{ {ISSUE} }} errors {{ code field }} }} }}"""
MOVE = """mutation($i: ID!, $p: Int!) { moveIssue(issueId: $i, position: $p) {
  issue { id position } errors { code field } } }"""


def assert_forbidden(body: dict[str, Any]) -> None:
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", body
    assert body["data"] is None or next(iter(body["data"].values())) is None, body


def roles(room: dict[str, Any]) -> dict[str, str]:
    return {m["user"]["email"]: m["role"] for m in room["memberships"]}


async def test_roles_spectators_and_forbidden(gql: GraphQLClient) -> None:
    owner, voter, watcher = (unique_email(n) for n in ("owner", "voter", "watcher"))
    owner_t, voter_t, watcher_t = [await gql.sign_in(e) for e in (owner, voter, watcher)]
    room_id = await create_room(gql, owner_t)
    await join_room(gql, voter_t, room_id)
    joined = (await gql.data(JOIN, {"r": room_id, "s": True}, token=watcher_t))["joinRoom"]
    assert joined["errors"] == [] and joined["room"]["viewerRole"] == "SPECTATOR"
    assert roles(joined["room"]) == {owner: "FACILITATOR", voter: "VOTER", watcher: "SPECTATOR"}
    again = (await gql.data(JOIN, {"r": room_id, "s": False}, token=watcher_t))["joinRoom"]
    assert again["room"]["viewerRole"] == "SPECTATOR"  # joining again keeps the role
    room = (await gql.data(ROOM, {"r": room_id}, token=voter_t))["room"]
    assert room["viewerRole"] == "VOTER"
    ids = {m["user"]["email"]: m["user"]["id"] for m in room["memberships"]}

    open_ = await add_issue(gql, voter_t, room_id, "open")  # a voter may add issues
    pending = await add_issue(gql, owner_t, room_id, "pending")
    assert (await voting(gql, owner_t, START, {"i": open_}))["errors"] == []
    assert (await voting(gql, voter_t, CAST, {"i": open_, "v": "8"}))["errors"] == []
    refused = [
        (voter_t, START, {"i": pending}),
        (voter_t, REVEAL, {"i": open_}),
        (voter_t, UPDATE, {"r": room_id, "n": "Mine"}),
        (voter_t, REMOVE, {"r": room_id, "u": ids[watcher]}),
        (voter_t, SET_ROLE, {"r": room_id, "u": ids[voter], "role": "FACILITATOR"}),
        (watcher_t, CAST, {"i": open_, "v": "3"}),
        (watcher_t, START, {"i": pending}),
    ]
    for token, mutation, variables in refused:
        assert_forbidden(await gql.execute(mutation, variables, token=token))
    unchanged = (await gql.data(ROOM, {"r": room_id}, token=owner_t))["room"]
    assert unchanged["name"] == room["name"]
    assert [(i["title"], i["status"]) for i in unchanged["issues"]] == [
        ("open", "VOTING"),
        ("pending", "PENDING"),
    ]
    assert roles(unchanged) == {owner: "FACILITATOR", voter: "VOTER", watcher: "SPECTATOR"}

    demote_owner = await gql.data(
        SET_ROLE, {"r": room_id, "u": ids[owner], "role": "VOTER"}, token=owner_t
    )
    assert demote_owner["setMemberRole"] == {
        "membership": None,
        "errors": [{"code": "VALIDATION", "field": "userId"}],
    }
    promoted = await gql.data(
        SET_ROLE, {"r": room_id, "u": ids[voter], "role": "FACILITATOR"}, token=owner_t
    )
    assert promoted["setMemberRole"] == {
        "membership": {"role": "FACILITATOR", "user": {"email": voter}},
        "errors": [],
    }
    assert (await voting(gql, voter_t, REVEAL, {"i": open_}))["errors"] == []  # now allowed

    removed = await gql.data(REMOVE, {"r": room_id, "u": ids[watcher]}, token=voter_t)
    assert removed["removeMember"]["membership"] == {
        "role": "SPECTATOR",
        "user": {"email": watcher},
    }
    assert_forbidden(await gql.execute(ROOM, {"r": room_id}, token=watcher_t))


async def test_a_session_over_graphql(gql: GraphQLClient) -> None:
    owner, voter = unique_email("owner"), unique_email("voter")
    owner_t, voter_t = await gql.sign_in(owner), await gql.sign_in(voter)

    tshirt = [{"label": "S", "value": 1}, {"label": "M", "value": 2.5}, {"label": "?"}]
    sized = await gql.data(CREATE, {"n": "Sizes", "c": tshirt, "a": True, "s": 60}, token=owner_t)
    assert sized["createRoom"]["errors"] == []
    assert sized["createRoom"]["room"] == {
        "id": sized["createRoom"]["room"]["id"],
        "deck": ["S", "M", "?"],
        "cards": [
            {"label": "S", "value": 1.0},
            {"label": "M", "value": 2.5},
            {"label": "?", "value": None},
        ],
        "autoReveal": True,
        "defaultVotingSeconds": 60,
        "viewerRole": "FACILITATOR",
    }
    bad = await gql.data(CREATE, {"n": "Bad", "c": tshirt[:1] * 2}, token=owner_t)
    assert bad["createRoom"]["room"] is None
    assert bad["createRoom"]["errors"][0]["field"] == "cards[1].label"

    room_id = await create_room(gql, owner_t)
    await join_room(gql, voter_t, room_id)
    room = (await gql.data(ROOM, {"r": room_id}, token=owner_t))["room"]
    assert room["deck"] == ["0", "1", "2", "3", "5", "8", "13", "21", "?", "☕"]
    assert room["cards"][3] == {"label": "3", "value": 3.0}
    assert room["cards"][-1] == {"label": "☕", "value": None}
    assert (room["autoReveal"], room["defaultVotingSeconds"]) == (False, None)

    issue = await add_issue(gql, owner_t, room_id, "Login page")
    too_short = await gql.data(START_TIMED, {"i": issue, "s": 9}, token=owner_t)
    assert too_short["startVoting"]["errors"] == [{"code": "VALIDATION", "field": "seconds"}]
    started = (await gql.data(START_TIMED, {"i": issue, "s": 600}, token=owner_t))["startVoting"]
    assert started["issue"]["round"] == 1 and started["issue"]["votingEndsAt"] is not None
    await voting(gql, owner_t, CAST, {"i": issue, "v": "3"})
    await voting(gql, voter_t, CAST, {"i": issue, "v": "8"})
    revealed = (await gql.data(REVEAL_STATS, {"i": issue}, token=owner_t))["revealVotes"]
    expected = {
        "voters": 2,
        "numeric": 2,
        "mean": 5.5,
        "median": 5.5,
        "min": "3",
        "max": "8",
        "mode": ["3", "8"],
        "agreement": 0.5,
        "consensus": False,
        "suggestion": "5",
    }
    assert revealed["issue"]["stats"] == expected
    assert revealed["issue"]["votingEndsAt"] is None

    revote = (await gql.data(REVOTE, {"i": issue}, token=owner_t))["revoteIssue"]["issue"]
    assert (revote["status"], revote["round"], revote["stats"]) == ("VOTING", 2, None)
    assert [r["round"] for r in revote["rounds"]] == [1]
    kept = revote["rounds"][0]
    assert kept["stats"] == expected and kept["revealedAt"]
    assert sorted((v["user"]["email"], v["value"]) for v in kept["votes"]) == sorted(
        [(owner, "3"), (voter, "8")]
    )
    await voting(gql, voter_t, CAST, {"i": issue, "v": "5"})
    await voting(gql, owner_t, REVEAL, {"i": issue})

    second = await add_issue(gql, voter_t, room_id, "Checkout")
    third = await add_issue(gql, voter_t, room_id, "=cmd|calc")
    moved = (await gql.data(MOVE, {"i": third, "p": 1}, token=owner_t))["moveIssue"]
    assert moved == {"issue": {"id": third, "position": 1}, "errors": []}
    zero = (await gql.data(MOVE, {"i": second, "p": 0}, token=owner_t))["moveIssue"]
    assert zero["errors"] == [{"code": "VALIDATION", "field": "position"}]
    assert_forbidden(await gql.execute(MOVE, {"i": second, "p": 1}, token=voter_t))

    room = (await gql.data(ROOM, {"r": room_id}, token=voter_t))["room"]
    assert [(i["id"], i["position"]) for i in room["issues"]] == [
        (third, 1),
        (issue, 2),
        (second, 3),
    ]
    rows = list(csv.reader(io.StringIO(room["reportCsv"], newline="")))
    assert rows[0][:5] == ["title", "jira_key", "status", "final_estimate", "value"]
    assert [row[0] for row in rows[1:]] == ["'=cmd|calc", "Login page", "Checkout"]
    assert rows[2][2:10] == ["REVEALED", "", "", "2", "1", "5", "5", "1"]
