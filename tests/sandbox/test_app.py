"""The app factory: mounted under /sandbox in another Starlette app, and `agilekit sandbox`."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Mount

from sandbox import create_sandbox_app
from tests.sandbox.helpers import ACME, ThreadedServer, bearer, connect, jira
from tests.support import ROOT, free_port, wait_http_ok


@pytest.fixture(scope="module")
def mounted() -> Iterator[ThreadedServer]:
    def make(url: str) -> Starlette:
        return Starlette(routes=[Mount("/sandbox", create_sandbox_app(root_url=f"{url}/sandbox"))])

    server = ThreadedServer(make).start()
    yield server
    server.stop()


async def test_mounted_sandbox_runs_the_whole_flow(mounted: ThreadedServer) -> None:
    async with httpx.AsyncClient(base_url=f"{mounted.url}/sandbox", timeout=10) as http:
        index = (await http.get("/")).json()
        assert index["authBaseUrl"] == f"{mounted.url}/sandbox/auth"
        headers = bearer(await connect(http))  # the consent form posts to the mounted path
        me = await http.get(f"{jira(ACME)}/rest/api/3/myself", headers=headers)
        assert me.status_code == 200
        log = (await http.get("/_sandbox/requests", params={"path": "/myself"})).json()
        assert log["requests"][0]["path"] == f"{jira(ACME)}/rest/api/3/myself"


def test_cli_runs_the_sandbox_alone() -> None:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "cli", "sandbox", "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_http_ok(f"http://127.0.0.1:{port}/", 20)
        index = httpx.get(f"http://127.0.0.1:{port}/", timeout=5).json()
        assert index["apiBaseUrl"] == f"http://127.0.0.1:{port}/api"
    finally:
        process.terminate()
        process.wait(10)


def test_sandbox_imports_nothing_from_the_product() -> None:
    product = {"core", "models", "services", "resolvers", "schema", "jobs", "web", "jira_cloud",
               "app", "cli"}  # fmt: skip
    for path in (ROOT / "sandbox").glob("*.py"):
        for line in path.read_text().splitlines():
            words = line.split()
            if words[:1] in (["import"], ["from"]) and len(words) > 1:
                assert words[1].split(".")[0] not in product, f"{path.name}: {line}"
