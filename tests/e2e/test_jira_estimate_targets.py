"""Estimate targets in the production shape (tests/e2e/stack.py: uvicorn with Redis, a real
`agilekit worker`, the sandbox process): a T-shirt deck mapped to Acme's "T-shirt size" select
field and an hours deck mapped to time tracking's original estimate, both voted to consensus,
pushed by the worker and read back from Jira."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from models.jira import JiraConnection
from services.jira.token_store import ACCESS_FIELD, keyring_for, unseal
from tests.e2e.stack import ROOM_ISSUES, Stack, gql, stack
from tests.jira_support import ACME_CLOUD_ID, IMPORT, connect_via_graphql
from tests.resolvers.room_helpers import CAST, COMPLETE, REVEAL, START, unique_email, voting
from tests.support import GraphQLClient

__all__ = ["gql", "stack"]
pytestmark = pytest.mark.usefixtures("database_url")
TSHIRT = "customfield_10040"
CREATE_ROOM = """mutation($n: String!, $d: [String!]) { createRoom(input: {name: $n, deck: $d}) {
  room { id } errors { code field message } } }"""
SET_MAPPING = """mutation($r: ID!, $i: RoomJiraMappingInput!) { setRoomJiraMapping(roomId: $r,
  input: $i) { mapping { estimateTarget storyPointsFieldId } errors { code field message } } }"""
CANDIDATES = """query { jiraEstimationField(projectKey: "PLAT") { fieldId
  candidates { fieldId name estimateTarget options issueTypes } } }"""


async def jira_issue(stack: Stack, connection_id: int, key: str) -> dict[str, Any]:
    row = await JiraConnection.get(id=connection_id)
    token = unseal(keyring_for(stack.settings), row, ACCESS_FIELD)
    async with httpx.AsyncClient(timeout=10) as http:
        answer = await http.get(
            f"{stack.sandbox.url}/api/ex/jira/{ACME_CLOUD_ID}/rest/api/3/issue/{key}",
            params={"fields": f"timetracking,{TSHIRT}"},
            headers={"authorization": f"Bearer {token}"},
        )
    assert answer.status_code == 200, answer.text
    return dict(answer.json()["fields"])


async def mapped_room(
    gql: GraphQLClient, token: str, deck: list[str], mapping: dict[str, Any]
) -> str:
    created = await gql.data(CREATE_ROOM, {"n": "targets", "d": deck}, token=token)
    assert created["createRoom"]["errors"] == [], created
    room_id = str(created["createRoom"]["room"]["id"])
    given = {"cloudId": ACME_CLOUD_ID, "projectKey": "PLAT", "autoPushEstimates": True,
             "commentOnPush": True, **mapping}  # fmt: skip
    payload = (await gql.data(SET_MAPPING, {"r": room_id, "i": given}, token))["setRoomJiraMapping"]
    assert payload["errors"] == [], payload
    assert payload["mapping"]["estimateTarget"] == mapping["estimateTarget"]
    return room_id


async def estimate(
    gql: GraphQLClient, stack: Stack, token: str, room_id: str, card: str
) -> tuple[str, dict[str, Any]]:
    """A new PLAT story imported into the room and voted `card`; the room issue's Jira link
    once the worker's push ended."""
    body = {"projectKey": "PLAT", "summary": f"sized {card}"}
    created = await stack.sandbox.admin("POST", f"/sites/{ACME_CLOUD_ID}/issues", json=body)
    imported = await gql.data(IMPORT, {"r": room_id, "k": [created["key"]]}, token)
    assert imported["importJiraIssues"]["errors"] == [], imported
    issue_id = str(imported["importJiraIssues"]["issues"][0]["id"])
    await voting(gql, token, START, {"i": issue_id})
    await voting(gql, token, CAST, {"i": issue_id, "v": card})
    await voting(gql, token, REVEAL, {"i": issue_id})
    await voting(gql, token, COMPLETE, {"i": issue_id, "e": card})
    for _ in range(200):
        issues = (await gql.data(ROOM_ISSUES, {"r": room_id}, token))["room"]["issues"]
        link = next(i["jiraLink"] for i in issues if i["id"] == issue_id)
        if link["pushStatus"] in ("PUSHED", "FAILED"):
            return created["key"], link
        await asyncio.sleep(0.1)
    raise AssertionError("the worker never finished the push")


async def test_tshirt_and_hours_decks_push_to_their_targets(
    gql: GraphQLClient, stack: Stack
) -> None:
    token = await gql.sign_in(unique_email("targets"), "PREMIUM")
    account = await connect_via_graphql(gql, stack.server, stack.sandbox, token, [ACME_CLOUD_ID])
    connection = await JiraConnection.get(account_id=account)

    found = (await gql.data(CANDIDATES, token=token))["jiraEstimationField"]["candidates"]
    by_id = {c["fieldId"]: c for c in found}
    assert by_id[TSHIRT]["estimateTarget"] == "SELECT_FIELD"
    assert by_id[TSHIRT]["options"] == ["XS", "S", "M", "L", "XL"]
    assert by_id["timetracking"]["estimateTarget"] == "ORIGINAL_ESTIMATE"
    assert {"Story", "Bug"} <= set(by_id["timetracking"]["issueTypes"])

    sizes = await mapped_room(
        gql, token, ["XS", "S", "M", "L", "XL"],
        {"estimateTarget": "SELECT_FIELD", "storyPointsFieldId": TSHIRT},
    )  # fmt: skip
    hours = await mapped_room(
        gql, token, ["0.5", "1", "2", "4", "8"], {"estimateTarget": "ORIGINAL_ESTIMATE"}
    )
    sized_key, sized = await estimate(gql, stack, token, sizes, "L")
    timed_key, timed = await estimate(gql, stack, token, hours, "0.5")
    assert (sized["pushStatus"], sized["pushedEstimate"], sized["pushError"]) == (
        "PUSHED",
        "L",
        None,
    )
    assert (timed["pushStatus"], timed["pushedEstimate"], timed["pushError"]) == (
        "PUSHED", "0.5", None,
    )  # fmt: skip

    option = (await jira_issue(stack, connection.id, sized_key))[TSHIRT]
    assert (option["id"], option["value"]) == ("10103", "L")
    tracking = (await jira_issue(stack, connection.id, timed_key))["timetracking"]
    assert (tracking["originalEstimate"], tracking["originalEstimateSeconds"]) == ("30m", 1800)
