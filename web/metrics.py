"""GET /metrics: the process's Prometheus metrics, for the addresses METRICS_ALLOW_IPS lists.

The peer is the address uvicorn hands the app: the socket's, or the forwarded client's when
uvicorn's FORWARDED_ALLOW_IPS trusts the proxy (nothing else here reads forwarded headers).
Others get 404, as if there were no such route. Gauges that live elsewhere (the job queue in
Redis, connections needing re-consent in the database) are read at scrape time.

`agilekit worker --metrics-port P` serves the same endpoint from the worker (`serve_metrics`).
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
from collections.abc import Generator, Iterable, Sequence

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from core.jobs import ArqJobQueue, InProcessJobQueue, JobQueue
from core.metrics import CONTENT_TYPE
from models.jira import JiraConnection, JiraConnectionStatus
from services.runtime import Runtime

log = logging.getLogger(__name__)

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
SCRAPE_READ_TIMEOUT_S = 2.0


def allowed_networks(entries: Iterable[str]) -> list[Network]:
    """METRICS_ALLOW_IPS entries (addresses or CIDR ranges) as networks; ValueError if bad."""
    return [ipaddress.ip_network(entry.strip(), strict=False) for entry in entries if entry]


def peer_allowed(host: str | None, networks: Sequence[Network]) -> bool:
    if not host:
        return False
    try:
        address = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:  # a unix socket path, "testclient", ...
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return any(address in network for network in networks)


async def metrics_endpoint(request: Request) -> Response:
    runtime: Runtime = request.app.state.runtime
    networks = allowed_networks(runtime.settings.metrics_allow_ips)
    if not peer_allowed(request.client.host if request.client else None, networks):
        return PlainTextResponse("Not Found", status_code=404)
    await read_scrape_gauges(runtime)
    return Response(runtime.metrics.render(), media_type=CONTENT_TYPE)


async def read_scrape_gauges(runtime: Runtime) -> None:
    """Queue depth and age, and connections needing re-consent; a failed read keeps the last."""
    metrics = runtime.metrics
    try:
        queued, oldest = await asyncio.wait_for(queue_stats(runtime.jobs), SCRAPE_READ_TIMEOUT_S)
        metrics.jobs_queued.set(queued)
        metrics.jobs_oldest_age.set(oldest)
    except Exception as exc:  # Redis down: the scrape still answers
        log.info("metrics: job queue not read: %s", type(exc).__name__)
    try:
        reauth = JiraConnection.filter(status=JiraConnectionStatus.NEEDS_REAUTH).count()
        metrics.connections_needing_reauth.set(
            await asyncio.wait_for(reauth, SCRAPE_READ_TIMEOUT_S)
        )
    except Exception as exc:
        log.info("metrics: connections not read: %s", type(exc).__name__)


async def queue_stats(jobs: JobQueue | None) -> tuple[int, float]:
    """(jobs queued, seconds the oldest due one has waited)."""
    if isinstance(jobs, ArqJobQueue | InProcessJobQueue):
        stats = await jobs.stats()
        return stats.queued, stats.oldest_due_age_s
    return 0, 0.0


class _MetricsServer(uvicorn.Server):
    """uvicorn inside the worker's event loop: the worker keeps its own signal handling."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield


async def serve_metrics(
    runtime: Runtime, host: str, port: int, stack: contextlib.AsyncExitStack
) -> None:
    """Serve GET /metrics on host:port until `stack` closes."""
    app = Starlette(routes=[Route("/metrics", metrics_endpoint)])
    app.state.runtime = runtime
    config = uvicorn.Config(
        app, host=host, port=port, lifespan="off", access_log=False, log_config=None
    )
    server = _MetricsServer(config)
    task = asyncio.create_task(server.serve(), name="metrics-server")
    while not server.started:
        if task.done():  # the port is taken, ...
            await task
            raise SystemExit(f"agilekit worker: cannot serve metrics on {host}:{port}")
        await asyncio.sleep(0.05)
    log.info("worker metrics at http://%s:%d/metrics", host, port)

    async def stop() -> None:
        server.should_exit = True
        await task

    stack.push_async_callback(stop)
