"""/healthz (liveness) and /readyz (database and, when configured, Redis reachable)."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from tests.support import ServerProcess, create_database, drop_database, unique_name


async def get(server: ServerProcess, path: str) -> httpx.Response:
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
        return await http.get(path)


async def test_healthz_is_ok(server: ServerProcess) -> None:
    response = await get(server, "/healthz")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


async def test_readyz_without_redis_checks_the_database(server: ServerProcess) -> None:
    response = await get(server, "/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "checks": {"database": "ok"}}


async def test_readyz_with_redis_checks_both(redis_server: ServerProcess) -> None:
    response = await get(redis_server, "/readyz")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "redis": "ok"}


async def test_readyz_is_503_when_redis_is_unreachable(redis_down_server: ServerProcess) -> None:
    response = await get(redis_down_server, "/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "not ready"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["redis"].startswith("unavailable")
    assert (await get(redis_down_server, "/healthz")).status_code == 200  # alive, not ready


async def test_readyz_is_503_when_the_database_is_gone(
    start_server: Callable[..., ServerProcess],
) -> None:
    name = unique_name("gone")
    server = start_server(DATABASE_URL=await create_database(name))
    try:
        assert (await get(server, "/readyz")).status_code == 200
        await drop_database(name)
        response = await get(server, "/readyz")
        assert response.status_code == 503
        assert response.json()["checks"]["database"].startswith("unavailable")
        assert (await get(server, "/healthz")).status_code == 200
    finally:
        server.stop()
        await drop_database(name)
