"""web/web_app.py: the built web app at `/`, its client-side routes and its cache headers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from app import create_app
from core.settings import Settings

INDEX = "<!doctype html><title>AgileKit</title><script src=/assets/index-3f9a1c.js></script>"
SCRIPT = "console.log('agilekit');\n" * 200  # big enough to be compressed


def built_app(directory: Path) -> Path:
    (directory / "assets").mkdir(parents=True)
    (directory / "index.html").write_text(INDEX)
    (directory / "assets" / "index-3f9a1c.js").write_text(SCRIPT)
    (directory / "robots.txt").write_text("User-agent: *\n")
    return directory


async def client_for(web_app_dir: Path) -> httpx.AsyncClient:
    settings = Settings(agilekit_env="development", web_app_dir=web_app_dir, log_json=False)
    transport = httpx.ASGITransport(app=create_app(settings))
    return httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000")


@pytest.fixture
async def http(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    async with await client_for(built_app(tmp_path / "dist")) as client:
        yield client


@pytest.mark.parametrize("path", ["/", "/rooms/2f1c", "/settings/integrations?code=x&state=y"])
async def test_client_routes_get_index_html_never_cached(
    http: httpx.AsyncClient, path: str
) -> None:
    response = await http.get(path)
    assert response.status_code == 200 and response.text == INDEX
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["cache-control"] == "no-cache"


async def test_hashed_assets_are_immutable_and_a_missing_one_is_404(
    http: httpx.AsyncClient,
) -> None:
    asset = await http.get("/assets/index-3f9a1c.js")
    assert asset.status_code == 200 and asset.text == SCRIPT
    assert asset.headers["cache-control"] == "public, max-age=31536000, immutable"
    missing = await http.get("/assets/index-000000.js")
    assert missing.status_code == 404 and INDEX not in missing.text
    compressed = await http.get("/assets/index-3f9a1c.js", headers={"accept-encoding": "gzip"})
    assert compressed.headers["content-encoding"] == "gzip" and compressed.text == SCRIPT
    assert int(compressed.headers["content-length"]) < len(SCRIPT) // 10
    other = await http.get("/robots.txt")
    assert other.status_code == 200 and other.headers["cache-control"] == "no-cache"


async def test_the_api_comes_first_and_only_reads_reach_the_app(
    http: httpx.AsyncClient,
) -> None:
    assert (await http.get("/healthz")).json() == {"status": "ok"}
    graphql = await http.post("/graphql", json={"query": "{ __typename }"})
    assert graphql.json() == {"data": {"__typename": "Query"}}
    assert (await http.post("/rooms/2f1c", content=b"x")).status_code == 405
    assert (await http.get("/../../etc/passwd")).text == INDEX  # resolved inside the build


@pytest.mark.parametrize("method", ["GET", "HEAD", "PUT"])
async def test_the_webhook_path_answers_other_methods_itself(
    http: httpx.AsyncClient, method: str
) -> None:
    response = await http.request(method, "/webhooks/jira")
    assert response.status_code == 405 and response.headers["allow"] == "POST"
    assert INDEX not in response.text


async def test_without_a_build_there_is_no_app(tmp_path: Path) -> None:
    async with await client_for(tmp_path / "not-built") as http:
        assert (await http.get("/")).status_code == 404
        assert (await http.get("/healthz")).status_code == 200
