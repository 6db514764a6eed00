"""A single-select custom field ("T-shirt size"): field list, editmeta, PUT by value or id."""

from __future__ import annotations

from typing import Any

import httpx

from tests.sandbox.helpers import jira

API = f"{jira()}/rest/api/3"
TSHIRT = "customfield_10040"


async def put(
    http: httpx.AsyncClient, auth: dict[str, str], key: str, value: Any
) -> httpx.Response:
    return await http.put(f"{API}/issue/{key}", headers=auth, json={"fields": {TSHIRT: value}})


async def size_of(http: httpx.AsyncClient, auth: dict[str, str], key: str) -> Any:
    issue = await http.get(f"{API}/issue/{key}", headers=auth, params={"fields": TSHIRT})
    return issue.json()["fields"][TSHIRT]


async def test_the_field_list_and_editmeta_describe_it(
    http: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    fields = {f["id"]: f for f in (await http.get(f"{API}/field", headers=auth)).json()}
    tshirt = fields[TSHIRT]
    assert tshirt["name"] == "T-shirt size" and tshirt["custom"] is True
    select = "com.atlassian.jira.plugin.system.customfieldtypes:select"
    assert tshirt["schema"] == {"type": "option", "customId": 10040, "custom": select}
    meta = (await http.get(f"{API}/issue/PLAT-1/editmeta", headers=auth)).json()["fields"][TSHIRT]
    assert [(o["id"], o["value"]) for o in meta["allowedValues"]] == [
        ("10100", "XS"), ("10101", "S"), ("10102", "M"), ("10103", "L"), ("10104", "XL"),
    ]  # fmt: skip
    app = (await http.get(f"{API}/issue/APP-1/editmeta", headers=auth)).json()["fields"]
    assert TSHIRT not in app  # only PLAT has it on its screens


async def test_put_by_value_or_id_and_read_back(
    http: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    assert (await put(http, auth, "PLAT-2", {"value": "M"})).status_code == 204
    assert await size_of(http, auth, "PLAT-2") == {
        "self": "https://acme-demo.atlassian.net/rest/api/3/customFieldOption/10102",
        "value": "M",
        "id": "10102",
    }
    assert (await put(http, auth, "PLAT-2", {"id": "10104"})).status_code == 204
    assert (await size_of(http, auth, "PLAT-2"))["value"] == "XL"
    changelog = (await http.get(f"{API}/issue/PLAT-2", headers=auth,
                                params={"expand": "changelog"})).json()["changelog"]  # fmt: skip
    last = changelog["histories"][-1]["items"][0]
    assert (last["fieldId"], last["fromString"], last["toString"], last["to"]) == (
        TSHIRT, "M", "XL", "10104")  # fmt: skip
    assert (await put(http, auth, "PLAT-2", None)).status_code == 204
    assert await size_of(http, auth, "PLAT-2") is None
    found = await http.get(f"{API}/search/jql", headers=auth,
                           params={"jql": '"T-shirt size" = S', "fields": TSHIRT})  # fmt: skip
    issues = found.json()["issues"]
    assert issues and {i["fields"][TSHIRT]["value"] for i in issues} == {"S"}


async def test_an_unknown_option_is_a_400(http: httpx.AsyncClient, auth: dict[str, str]) -> None:
    by_value = await put(http, auth, "PLAT-2", {"value": "XXL"})
    assert by_value.status_code == 400
    assert by_value.json() == {"errorMessages": [],
                               "errors": {TSHIRT: "Option value 'XXL' is not valid"}}  # fmt: skip
    by_id = await put(http, auth, "PLAT-2", {"id": "999"})
    assert by_id.json()["errors"] == {TSHIRT: "Option id '999' is not valid"}
    assert (await put(http, auth, "PLAT-2", "M")).status_code == 400
    not_on_screen = await put(http, auth, "APP-1", {"value": "M"})
    assert "not on the appropriate screen" in not_on_screen.json()["errors"][TSHIRT]
