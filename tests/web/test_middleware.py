"""Request ids, body size limit, CORS and structured logs, over real HTTP."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus
from websockets.typing import Origin

from tests.support import ServerProcess
from tests.web import tokens
from tests.web.conftest import APP_ORIGIN, SMALL_BODY_LIMIT
from web.middleware import DirectRoute

QUERY = "{ viewer { email } }"


@pytest.fixture
async def http(configured_server: ServerProcess) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=configured_server.url, timeout=10) as client:
        yield client


async def test_every_response_carries_a_request_id(http: httpx.AsyncClient) -> None:
    first = await http.get("/healthz")
    second = await http.get("/healthz")
    assert len(first.headers["x-request-id"]) == 32
    assert first.headers["x-request-id"] != second.headers["x-request-id"]
    echoed = await http.get("/healthz", headers={"x-request-id": "client-chosen-id-42"})
    assert echoed.headers["x-request-id"] == "client-chosen-id-42"


async def test_a_body_over_the_limit_is_refused_with_413(http: httpx.AsyncClient) -> None:
    padding = "x" * SMALL_BODY_LIMIT
    response = await http.post("/graphql", json={"query": QUERY, "variables": {"p": padding}})
    assert response.status_code == 413
    assert response.headers["x-request-id"]


async def test_a_streamed_body_over_the_limit_is_refused_with_413(
    http: httpx.AsyncClient,
) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"query": "{ viewer { email } }", "variables": {"p": "'
        for _ in range(SMALL_BODY_LIMIT // 1000 + 1):
            yield b"x" * 1000
        yield b'"}}'

    response = await http.post(
        "/graphql", content=chunks(), headers={"content-type": "application/json"}
    )
    assert "content-length" not in response.request.headers
    assert response.status_code == 413


async def test_a_body_under_the_limit_is_served(http: httpx.AsyncClient) -> None:
    padding = "x" * (SMALL_BODY_LIMIT // 2)
    response = await http.post("/graphql", json={"query": QUERY, "variables": {"p": padding}})
    assert response.status_code == 200
    assert response.json()["data"] == {"viewer": None}


def preflight_headers(origin: str) -> dict[str, str]:
    return {
        "origin": origin,
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization, content-type",
    }


async def test_cors_preflight_is_allowed_for_a_configured_origin(http: httpx.AsyncClient) -> None:
    response = await http.options("/graphql", headers=preflight_headers(APP_ORIGIN))
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == APP_ORIGIN
    allowed_headers = response.headers["access-control-allow-headers"].lower()
    assert "authorization" in allowed_headers and "content-type" in allowed_headers


async def test_cors_preflight_is_refused_for_other_origins(http: httpx.AsyncClient) -> None:
    response = await http.options("/graphql", headers=preflight_headers("https://evil.example.com"))
    assert response.status_code == 400
    assert "access-control-allow-origin" not in response.headers


async def test_cors_headers_only_for_configured_origins(http: httpx.AsyncClient) -> None:
    allowed = await http.post("/graphql", json={"query": QUERY}, headers={"origin": APP_ORIGIN})
    assert allowed.headers["access-control-allow-origin"] == APP_ORIGIN
    other = await http.post(
        "/graphql", json={"query": QUERY}, headers={"origin": "https://evil.example.com"}
    )
    assert "access-control-allow-origin" not in other.headers


async def test_log_lines_are_json_with_the_request_id_and_no_bearer_token(
    http: httpx.AsyncClient, configured_server: ServerProcess
) -> None:
    token = tokens.valid()
    request_id = f"log-test-{uuid.uuid4().hex[:12]}"
    await http.post("/graphql", json={"query": QUERY}, headers={"authorization": f"Bearer {token}"})
    # A refused cross-origin websocket is logged as a warning inside the request.
    with pytest.raises(InvalidStatus):
        async with connect(
            configured_server.ws_url,
            origin=Origin("https://evil.example.com"),
            additional_headers={"x-request-id": request_id, "authorization": f"Bearer {token}"},
            open_timeout=5,
        ):
            pass

    logs = configured_server.logs()
    lines = [json.loads(line) for line in logs.splitlines() if line.strip()]
    assert lines and all({"ts", "level", "logger", "request_id", "msg"} <= set(x) for x in lines)
    assert any(line["request_id"] == request_id for line in lines), lines[-5:]
    assert token not in logs


async def test_webhooks_take_the_direct_route_and_keep_their_request_id(
    http: httpx.AsyncClient,
) -> None:
    """POST /webhooks/jira skips the body limit (it caps its own body, at 256 KB) but not the
    request id."""
    assert SMALL_BODY_LIMIT < 200_000
    big = b'{"pad": "' + b"x" * 200_000 + b'"}'
    posted = await http.post(
        "/webhooks/jira", content=big, headers={"x-request-id": "webhook-request-1"}
    )
    assert posted.status_code == 401  # its own check, not the body limit's 413
    assert posted.headers["x-request-id"] == "webhook-request-1"
    assert posted.json() == {"error": "unauthorized"}


async def direct_route_calls(method: str, path: str, root_path: str = "") -> list[str]:
    called: list[str] = []

    def app(name: str) -> Any:
        async def asgi(scope: dict, receive: object, send: object) -> None:
            called.append(name)

        return asgi

    route = DirectRoute(app("router"), method="POST", path="/hook", endpoint=app("endpoint"))
    scope = {"type": "http", "method": method, "path": path, "root_path": root_path}
    await route(scope, None, None)  # type: ignore[arg-type]
    return called


@pytest.mark.parametrize(
    ("method", "path", "root_path", "reaches"),
    [
        ("POST", "/hook", "", "endpoint"),
        ("GET", "/hook", "", "router"),
        ("OPTIONS", "/hook", "", "router"),
        ("POST", "/hook/", "", "router"),
        ("POST", "/hooks", "", "router"),
        ("POST", "/api/hook", "/api", "endpoint"),
        ("POST", "/api/hook", "", "router"),
    ],
)
async def test_direct_route_takes_only_its_method_and_path(
    method: str, path: str, root_path: str, reaches: str
) -> None:
    assert await direct_route_calls(method, path, root_path) == [reaches]
