"""Time tracking: durations, PUT timetracking, editmeta by screen, the per-site switch."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from sandbox.timetracking import DurationError, format_duration, parse_duration
from tests.sandbox.helpers import ACME, jira

API = f"{jira()}/rest/api/3"
SWITCHES = f"/_sandbox/sites/{ACME}/switches"
NOT_ON_SCREEN = (
    "Field 'timetracking' cannot be set. It is not on the appropriate screen, or unknown."
)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("3h", 10800), ("1d 2h", 36000), ("90m", 5400), ("1w", 144000), ("90", 5400),
     ("1.5h", 5400), ("2d4h", 72000), (30, 1800)],
)  # fmt: skip
def test_durations_use_eight_hour_days_and_five_day_weeks(text: Any, seconds: int) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "3x", "-1h", "h", "1h and more", True])
def test_bad_durations(text: Any) -> None:
    with pytest.raises(DurationError):
        parse_duration(text)


def test_durations_print_the_jira_way() -> None:
    assert [format_duration(s) for s in (36000, 5400, 144000, 0, 60)] == [
        "1d 2h", "1h 30m", "1w", "0m", "1m"
    ]  # fmt: skip


async def put(http: httpx.AsyncClient, auth: dict[str, str], key: str, body: Any) -> httpx.Response:
    return await http.put(f"{API}/issue/{key}", headers=auth, json=body)


async def issue_of_type(http: httpx.AsyncClient, auth: dict[str, str], jql: str) -> str:
    found = await http.get(f"{API}/search/jql", headers=auth, params={"jql": jql, "fields": "key"})
    return str(found.json()["issues"][0]["key"])


async def test_put_original_estimate_and_read_it_back(
    http: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    before = (await http.get(f"{API}/issue/PLAT-1", headers=auth)).json()["fields"]
    assert before["timetracking"] == {} and before["timeoriginalestimate"] is None
    body = {"fields": {"timetracking": {"originalEstimate": "1d 2h"}}}
    assert (await put(http, auth, "PLAT-1", body)).status_code == 204
    issue = (await http.get(f"{API}/issue/PLAT-1", headers=auth,
                            params={"expand": "changelog"})).json()  # fmt: skip
    assert issue["fields"]["timetracking"] == {
        "originalEstimate": "1d 2h", "originalEstimateSeconds": 36000,
        "remainingEstimate": "1d 2h", "remainingEstimateSeconds": 36000,
    }  # fmt: skip
    assert (issue["fields"]["timeoriginalestimate"], issue["fields"]["timeestimate"]) == (
        36000, 36000)  # fmt: skip
    items = issue["changelog"]["histories"][-1]["items"]
    assert {(i["fieldId"], i["to"]) for i in items} == {
        ("timeoriginalestimate", "36000"), ("timeestimate", "36000")}  # fmt: skip
    update = {"update": {"timetracking": [{"set": {"originalEstimate": "90m",
                                                   "remainingEstimate": "1h"}}]}}  # fmt: skip
    assert (await put(http, auth, "PLAT-1", update)).status_code == 204
    after = (await http.get(f"{API}/issue/PLAT-1", headers=auth)).json()["fields"]
    assert after["timetracking"]["originalEstimate"] == "1h 30m"
    assert after["timetracking"]["remainingEstimateSeconds"] == 3600


async def test_an_invalid_estimate_is_a_400(http: httpx.AsyncClient, auth: dict[str, str]) -> None:
    response = await put(
        http, auth, "PLAT-1", {"fields": {"timetracking": {"originalEstimate": "3x"}}}
    )
    assert response.status_code == 400
    assert response.json() == {
        "errorMessages": [],
        "errors": {"timetracking": "The original estimate specified is not valid."},
    }


async def test_only_where_it_is_on_the_screen(
    http: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    bug = await issue_of_type(http, auth, "project = APP AND issuetype = Bug")
    story = await issue_of_type(http, auth, "project = APP AND issuetype = Story")
    bug_meta = (await http.get(f"{API}/issue/{bug}/editmeta", headers=auth)).json()["fields"]
    story_meta = (await http.get(f"{API}/issue/{story}/editmeta", headers=auth)).json()["fields"]
    assert "timetracking" not in bug_meta
    assert story_meta["timetracking"]["schema"] == {
        "type": "timetracking",
        "system": "timetracking",
    }
    assert story_meta["timetracking"]["operations"] == ["set", "edit"]
    body = {"fields": {"timetracking": {"originalEstimate": "3h"}}}
    refused = await put(http, auth, bug, body)
    assert refused.status_code == 400
    assert refused.json()["errors"] == {"timetracking": NOT_ON_SCREEN}
    assert (await put(http, auth, story, body)).status_code == 204


async def test_the_site_switch(http: httpx.AsyncClient, auth: dict[str, str]) -> None:
    assert (await http.get(SWITCHES)).json()["timeTracking"] is True
    off = await http.post(SWITCHES, json={"timeTracking": False})
    assert off.status_code == 200 and off.json()["timeTracking"] is False
    body = {"fields": {"timetracking": {"originalEstimate": "3h"}}}
    refused = await put(http, auth, "PLAT-1", body)
    assert refused.status_code == 400
    assert refused.json() == {"errorMessages": [], "errors": {"timetracking": NOT_ON_SCREEN}}
    meta = (await http.get(f"{API}/issue/PLAT-1/editmeta", headers=auth)).json()["fields"]
    assert "timetracking" not in meta
    fields = (await http.get(f"{API}/issue/PLAT-1", headers=auth)).json()["fields"]
    assert "timetracking" not in fields and "timeoriginalestimate" not in fields
    await http.post(SWITCHES, json={"timeTracking": True})
    assert (await put(http, auth, "PLAT-1", body)).status_code == 204
    assert (await http.post(SWITCHES, json={"nope": True})).status_code == 400
