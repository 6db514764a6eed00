"""Injected faults: 5xx, 429, latency and dropped connections, switchable at run time."""

from __future__ import annotations

import time

import httpx
import pytest

from tests.sandbox.helpers import jira


async def add_fault(http: httpx.AsyncClient, **rule: object) -> None:
    response = await http.post("/_sandbox/faults", json=rule)
    assert response.status_code == 200, response.text


async def test_error_fault_counts_down(http: httpx.AsyncClient, auth: dict[str, str]) -> None:
    await add_fault(http, kind="error", status=503, path_contains="/myself", remaining=2)
    url = f"{jira()}/rest/api/3/myself"
    statuses = [(await http.get(url, headers=auth)).status_code for _ in range(3)]
    assert statuses == [503, 503, 200]


async def test_rate_limit_fault_has_retry_after(
    http: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    await add_fault(http, kind="rate_limit", retry_after=7, remaining=1)
    limited = await http.get(f"{jira()}/rest/api/3/field", headers=auth)
    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == "7"
    assert limited.headers["RateLimit-Reason"] == "jira-burst-based"


async def test_token_endpoint_can_fail_too(http: httpx.AsyncClient) -> None:
    await add_fault(http, kind="error", status=500, path_contains="/oauth/token", method="POST")
    response = await http.post("/auth/oauth/token", json={})
    assert response.status_code == 500
    await http.delete("/_sandbox/faults")
    assert (await http.post("/auth/oauth/token", json={})).status_code == 401


async def test_latency_fault(http: httpx.AsyncClient, auth: dict[str, str]) -> None:
    await add_fault(http, kind="latency", delay_ms=300, remaining=1)
    started = time.monotonic()
    assert (await http.get(f"{jira()}/rest/api/3/field", headers=auth)).status_code == 200
    assert time.monotonic() - started >= 0.3


async def test_dropped_connection(http: httpx.AsyncClient, auth: dict[str, str]) -> None:
    await add_fault(http, kind="drop", path_contains="/field", remaining=1)
    with pytest.raises(httpx.RemoteProtocolError):
        await http.get(f"{jira()}/rest/api/3/field", headers=auth)
    assert (await http.get(f"{jira()}/rest/api/3/field", headers=auth)).status_code == 200


async def test_dropped_request_is_logged_with_status_zero(
    http: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    await add_fault(http, kind="drop", path_contains="/myself", remaining=1)
    with pytest.raises(httpx.RemoteProtocolError):
        await http.get(f"{jira()}/rest/api/3/myself", headers=auth)
    log = (await http.get("/_sandbox/requests", params={"path": "/myself"})).json()["requests"]
    assert [entry["status"] for entry in log] == [0]
