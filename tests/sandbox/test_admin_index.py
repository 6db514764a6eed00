"""GET /_sandbox: the HTML index, standalone and mounted under /sandbox."""

from __future__ import annotations

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Mount

from sandbox import create_sandbox_app
from tests.sandbox.helpers import ACME


def client(app: Starlette, base: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base)


@pytest.mark.parametrize("path", ["/_sandbox", "/_sandbox/"])
async def test_index_lists_the_world_and_the_admin_api(path: str) -> None:
    app = create_sandbox_app(root_url="http://sandbox.test")
    async with client(app, "http://sandbox.test") as http:
        response = await http.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    for text in ("acme-demo", "globex-demo", ACME, "PLAT", "APP", "OPS", "PLAT board",
                 "PLAT kanban", "PLAT Sprint 2", "Dana Demo", "demo@agilekit.dev",
                 "/_sandbox/reset", "/_sandbox/webhooks/drain", "/_sandbox/sites/{cloud_id}/issues",
                 'href="http://sandbox.test/_sandbox/state"'):  # fmt: skip
        assert text in page, text
    states = page.count('<span class="state">')
    assert states == 9  # three sprints on each of the three scrum boards
    for state in ("closed", "active", "future"):
        assert f'<span class="state">{state}</span>' in page


async def test_index_follows_the_world() -> None:
    app = create_sandbox_app(root_url="http://sandbox.test")
    async with client(app, "http://sandbox.test") as http:
        sprint = {"boardId": 1, "name": "Brand new sprint", "state": "future"}
        assert (await http.post(f"/_sandbox/sites/{ACME}/sprints", json=sprint)).status_code == 201
        assert "Brand new sprint" in (await http.get("/_sandbox")).text


@pytest.mark.parametrize("path", ["/sandbox/_sandbox", "/sandbox/_sandbox/"])
async def test_index_answers_when_mounted(path: str) -> None:
    sandbox = create_sandbox_app(root_url="http://app.test/sandbox")
    parent = Starlette(routes=[Mount("/sandbox", sandbox)])
    async with client(parent, "http://app.test") as http:
        response = await http.get(path)
    assert response.status_code == 200, response.headers.get("location")
    assert 'href="http://app.test/sandbox/_sandbox/state"' in response.text
    assert "/_sandbox/tokens/{action:str}" in response.text
