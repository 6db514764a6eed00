"""Rooms and voting over real HTTP and websockets against a real uvicorn process (memory bus)."""

from __future__ import annotations

from tests.resolvers.room_helpers import (
    ADD_ISSUE,
    CAST,
    COMPLETE,
    CREATE_ROOM,
    JOIN_ROOM,
    REVEAL,
    START,
    RoomSubscriber,
    add_issue,
    create_room,
    join_room,
    unique_email,
    voting,
)
from tests.support import GraphQLClient, ServerProcess

# The room page lists issues; votes are read per issue (the whole room with every vote is
# over GRAPHQL_MAX_COST: 500 issues x 100 votes in the worst case).
ROOM_QUERY = """query($r: ID!) { room(id: $r) { id name deck owner { email } members { email }
  issues { id title position status finalEstimate } } }"""
ISSUE_QUERY = """query($i: ID!) { issue(id: $i) { id title status
  votes { hasVoted value user { email } } } }"""


async def test_create_room_defaults_and_validation(gql: GraphQLClient) -> None:
    token = await gql.sign_in(unique_email("owner"))
    data = await gql.data(CREATE_ROOM, {"n": "  Team A  "}, token=token)
    room = data["createRoom"]["room"]
    assert room["name"] == "Team A"
    assert room["deck"] == ["0", "1", "2", "3", "5", "8", "13", "21", "?", "☕"]

    custom = await gql.data(CREATE_ROOM, {"n": "T", "d": ["XS", "S", "M"]}, token=token)
    assert custom["createRoom"]["room"]["deck"] == ["XS", "S", "M"]
    for bad_deck in (["1"], ["1", "1"], ["1", ""], ["x" * 17, "1"]):
        bad = await gql.data(CREATE_ROOM, {"n": "T", "d": bad_deck}, token=token)
        assert bad["createRoom"]["room"] is None
        assert bad["createRoom"]["errors"][0]["field"].startswith("deck"), bad_deck
    empty = await gql.data(CREATE_ROOM, {"n": "   "}, token=token)
    assert empty["createRoom"]["errors"][0]["code"] == "VALIDATION"


async def test_join_my_rooms_and_issue_order(gql: GraphQLClient) -> None:
    owner, guest = unique_email("owner"), unique_email("guest")
    owner_token, guest_token = await gql.sign_in(owner), await gql.sign_in(guest)
    room_id = await create_room(gql, owner_token, "Ordered")
    await join_room(gql, guest_token, room_id)
    await join_room(gql, guest_token, room_id)  # idempotent
    titles = ["first", "second", "third"]
    for title in titles:
        await add_issue(gql, guest_token, room_id, title)

    room = (await gql.data(ROOM_QUERY, {"r": room_id}, token=owner_token))["room"]
    assert room["owner"]["email"] == owner
    assert [m["email"] for m in room["members"]] == [owner, guest]
    assert [i["title"] for i in room["issues"]] == titles
    assert [i["position"] for i in room["issues"]] == [1, 2, 3]
    assert {i["status"] for i in room["issues"]} == {"PENDING"}

    mine = await gql.data("{ myRooms { id } }", token=guest_token)
    assert room_id in [r["id"] for r in mine["myRooms"]]
    missing = await gql.data(
        JOIN_ROOM, {"r": "00000000-0000-0000-0000-000000000000"}, token=guest_token
    )
    assert missing["joinRoom"]["errors"][0]["code"] == "NOT_FOUND"
    assert (await gql.data(ROOM_QUERY, {"r": "not-a-room"}, token=owner_token))["room"] is None


async def test_add_issue_validates_title(gql: GraphQLClient) -> None:
    token = await gql.sign_in(unique_email("owner"))
    room_id = await create_room(gql, token)
    for title in ("", "   ", "x" * 256):
        data = await gql.data(ADD_ISSUE, {"r": room_id, "t": title}, token=token)
        assert data["addIssue"]["errors"][0]["field"] == "title"
    ok = await gql.data(ADD_ISSUE, {"r": room_id, "t": "x" * 255, "d": "why"}, token=token)
    assert ok["addIssue"]["errors"] == []


async def test_voting_flow_hides_values_until_revealed(gql: GraphQLClient) -> None:
    alice, bob = unique_email("alice"), unique_email("bob")
    alice_token, bob_token = await gql.sign_in(alice), await gql.sign_in(bob)
    room_id = await create_room(gql, alice_token)
    await join_room(gql, bob_token, room_id)
    issue = await add_issue(gql, alice_token, room_id, "Login page")

    early = await voting(gql, alice_token, CAST, {"i": issue, "v": "5"})
    assert early["errors"][0]["code"] == "INVALID_STATE" and early["issue"] is None
    started = await voting(gql, alice_token, START, {"i": issue})
    assert started["issue"]["status"] == "VOTING"
    again = await voting(gql, alice_token, START, {"i": issue})
    assert again["errors"][0]["code"] == "INVALID_STATE"

    assert (await voting(gql, alice_token, CAST, {"i": issue, "v": "4"}))["errors"][0][
        "field"
    ] == "value"
    await voting(gql, alice_token, CAST, {"i": issue, "v": "3"})
    await voting(gql, alice_token, CAST, {"i": issue, "v": "5"})  # a revote replaces
    seen_by_bob = await voting(gql, bob_token, CAST, {"i": issue, "v": "8"})
    votes = {v["user"]["email"]: v for v in seen_by_bob["issue"]["votes"]}
    assert votes[alice] == {"hasVoted": True, "value": None, "user": {"email": alice}}
    assert votes[bob]["value"] == "8"
    assert len(seen_by_bob["issue"]["votes"]) == 2

    premature = await voting(gql, alice_token, COMPLETE, {"i": issue, "e": "5"})
    assert premature["errors"][0]["code"] == "INVALID_STATE"
    revealed = await voting(gql, alice_token, REVEAL, {"i": issue})
    assert {v["value"] for v in revealed["issue"]["votes"]} == {"5", "8"}
    assert (await voting(gql, bob_token, CAST, {"i": issue, "v": "1"}))["errors"]

    bad = await voting(gql, alice_token, COMPLETE, {"i": issue, "e": "6"})
    assert bad["errors"][0]["field"] == "finalEstimate"
    done = await voting(gql, alice_token, COMPLETE, {"i": issue, "e": "8"})
    assert done["issue"]["status"] == "ESTIMATED" and done["issue"]["finalEstimate"] == "8"

    restarted = await voting(gql, alice_token, START, {"i": issue})  # re-estimation
    assert restarted["issue"]["status"] == "VOTING"
    assert restarted["issue"]["finalEstimate"] is None and restarted["issue"]["votes"] == []

    unknown = await voting(gql, alice_token, START, {"i": "999999999"})
    assert unknown["errors"][0]["code"] == "NOT_FOUND"


async def test_non_member_can_neither_read_change_nor_subscribe(
    gql: GraphQLClient, server: ServerProcess
) -> None:
    owner_token = await gql.sign_in(unique_email("owner"))
    outsider_token = await gql.sign_in(unique_email("outsider"))
    room_id = await create_room(gql, owner_token)
    issue = await add_issue(gql, owner_token, room_id, "secret")

    read = await gql.execute(ROOM_QUERY, {"r": room_id}, token=outsider_token)
    assert read["data"] is None or read["data"]["room"] is None
    assert read["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    mine = await gql.data("{ myRooms { id } }", token=outsider_token)
    assert room_id not in [r["id"] for r in mine["myRooms"]]
    peek = await gql.execute(ISSUE_QUERY, {"i": issue}, token=outsider_token)
    assert peek["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert peek["data"] is None or peek["data"]["issue"] is None

    changes = [
        (ADD_ISSUE, {"r": room_id, "t": "intrusion"}),
        (START, {"i": issue}),
        (CAST, {"i": issue, "v": "1"}),
        (REVEAL, {"i": issue}),
        (COMPLETE, {"i": issue, "e": "1"}),
    ]
    for mutation, variables in changes:
        body = await gql.execute(mutation, variables, token=outsider_token)
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", body

    anonymous = await gql.execute(ROOM_QUERY, {"r": room_id})
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"

    subscriber = await RoomSubscriber(server.ws_url, outsider_token).connect()
    try:
        await subscriber.subscribe(room_id)
        refused = await subscriber.receive(10)
        assert refused["type"] == "error", refused
        assert refused["payload"][0]["extensions"]["code"] == "FORBIDDEN"
    finally:
        await subscriber.close()

    room = (await gql.data(ROOM_QUERY, {"r": room_id}, token=owner_token))["room"]
    assert [i["title"] for i in room["issues"]] == ["secret"]
    assert room["issues"][0]["status"] == "PENDING"


async def test_subscriber_sees_every_change_in_order(
    gql: GraphQLClient, server: ServerProcess
) -> None:
    alice, bob = unique_email("alice"), unique_email("bob")
    alice_token, bob_token = await gql.sign_in(alice), await gql.sign_in(bob)
    room_id = await create_room(gql, alice_token)
    await join_room(gql, bob_token, room_id)
    subscriber = await RoomSubscriber(server.ws_url, bob_token).connect()
    try:
        await subscriber.subscribe(room_id)
        await subscriber.wait_ready(gql, alice_token, room_id)

        # Events are hints read fresh from the database: wait for each before the next change.
        issue = await add_issue(gql, alice_token, room_id, "Checkout")
        events = [await subscriber.next_event()]
        steps = [
            (alice_token, START, {"i": issue}),
            (alice_token, CAST, {"i": issue, "v": "5"}),
            (bob_token, CAST, {"i": issue, "v": "3"}),
            (alice_token, REVEAL, {"i": issue}),
            (alice_token, COMPLETE, {"i": issue, "e": "5"}),
        ]
        for token, mutation, variables in steps:
            assert (await voting(gql, token, mutation, variables))["errors"] == []
            events.append(await subscriber.next_event())

        kinds = [(e["__typename"], e["issue"]["status"]) for e in events]
        assert kinds == [
            ("IssueAdded", "PENDING"),
            ("VotingUpdated", "VOTING"),
            ("VotingUpdated", "VOTING"),
            ("VotingUpdated", "VOTING"),
            ("VotingUpdated", "REVEALED"),
            ("VotingUpdated", "ESTIMATED"),
        ]
        assert all(e["issue"]["id"] == issue for e in events)
        # Bob sees that Alice voted but not what, until the reveal.
        after_alice = {v["user"]["email"]: v["value"] for v in events[2]["issue"]["votes"]}
        assert after_alice == {alice: None}
        after_bob = {v["user"]["email"]: v["value"] for v in events[3]["issue"]["votes"]}
        assert after_bob == {alice: None, bob: "3"}
        revealed = {v["user"]["email"]: v["value"] for v in events[4]["issue"]["votes"]}
        assert revealed == {alice: "5", bob: "3"}
        assert events[5]["issue"]["finalEstimate"] == "5"
    finally:
        await subscriber.close()


async def test_burst_of_changes_arrives_in_order(gql: GraphQLClient, server: ServerProcess) -> None:
    token = await gql.sign_in(unique_email("owner"))
    room_id = await create_room(gql, token)
    subscriber = await RoomSubscriber(server.ws_url, token).connect()
    try:
        await subscriber.subscribe(room_id)
        await subscriber.wait_ready(gql, token, room_id)
        added = [await add_issue(gql, token, room_id, f"burst {n}") for n in range(25)]
        received = [(await subscriber.next_event())["issue"]["id"] for _ in added]
        assert received == added
    finally:
        await subscriber.close()


async def test_removed_issue_reaches_subscribers(gql: GraphQLClient, server: ServerProcess) -> None:
    token = await gql.sign_in(unique_email("owner"))
    room_id = await create_room(gql, token)
    issue = await add_issue(gql, token, room_id, "obsolete")
    subscriber = await RoomSubscriber(server.ws_url, token).connect()
    try:
        await subscriber.subscribe(room_id)
        await subscriber.wait_ready(gql, token, room_id)
        removed = await gql.data(
            "mutation($i: ID!) { removeIssue(issueId: $i) { issueId errors { code } } }",
            {"i": issue},
            token=token,
        )
        assert removed["removeIssue"] == {"issueId": issue, "errors": []}
        event = await subscriber.next_event()
        assert event["__typename"] == "IssueRemoved" and event["issueId"] == issue
        room = (await gql.data(ROOM_QUERY, {"r": room_id}, token=token))["room"]
        assert issue not in [i["id"] for i in room["issues"]]
    finally:
        await subscriber.close()


async def test_issue_query_shows_votes_as_the_viewer_may_see_them(gql: GraphQLClient) -> None:
    alice, bob = unique_email("alice"), unique_email("bob")
    alice_token, bob_token = await gql.sign_in(alice), await gql.sign_in(bob)
    room_id = await create_room(gql, alice_token)
    await join_room(gql, bob_token, room_id)
    issue = await add_issue(gql, alice_token, room_id, "one")
    await voting(gql, alice_token, START, {"i": issue})
    await voting(gql, alice_token, CAST, {"i": issue, "v": "5"})

    seen_by_bob = (await gql.data(ISSUE_QUERY, {"i": issue}, token=bob_token))["issue"]
    assert seen_by_bob["votes"] == [{"hasVoted": True, "value": None, "user": {"email": alice}}]
    seen_by_alice = (await gql.data(ISSUE_QUERY, {"i": issue}, token=alice_token))["issue"]
    assert seen_by_alice["votes"][0]["value"] == "5"
    for unknown in ("999999999", "not-an-id"):
        assert (await gql.data(ISSUE_QUERY, {"i": unknown}, token=bob_token))["issue"] is None
