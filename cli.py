"""The `agilekit` command: serve, worker, migrate, sandbox, users, keys."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from core.settings import InsecureSettingsError, Settings, get_settings


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    settings = get_settings()
    settings.check_production()
    problem = _prepare_database(settings)
    if problem:
        print(f"agilekit serve: {problem}", file=sys.stderr)
        return 2
    announce = _dev_access(settings, args.host, args.port) if settings.is_development else None
    config = uvicorn.Config(
        "app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        log_config=None,
        proxy_headers=True,
        ws="websockets-sansio",
        ws_max_size=settings.max_body_bytes,
        ws_per_message_deflate=False,  # compression costs more latency than it saves here
    )
    _run_server(config, announce)
    return 0


def _prepare_database(settings: Settings) -> str | None:
    """None when the server can start on the database. SQLite (the embedded default)
    creates its schema itself; PostgreSQL must have been migrated."""
    from models.database import migrate, schema_problem

    try:
        if settings.uses_sqlite:
            asyncio.run(migrate(settings.database_url))
            return None
        problem = asyncio.run(schema_problem(settings.database_url))
    except Exception as exc:  # unreachable database, bad URL: say so, no traceback
        return f"cannot use the database ({type(exc).__name__}: {exc})"
    return f"{problem}: run `agilekit migrate` first." if problem else None


def _run_server(config: Any, announce: str | None) -> None:
    """uvicorn's Server, printing `announce` only once it is serving (not before a failed
    start-up)."""
    import uvicorn

    class AnnouncingServer(uvicorn.Server):
        async def startup(self, sockets: Any = None) -> None:
            await super().startup(sockets=sockets)
            if self.started and announce:
                print(announce, flush=True)

    AnnouncingServer(config).run()


def _dev_access(settings: Settings, host: str, port: int) -> str:
    """GraphiQL's URL and a bearer token for the demo user (upserted on its first request)."""
    from services.users.accounts import DEMO_EMAIL, demo_token

    email, token = DEMO_EMAIL, demo_token(settings.auth_jwt_secret)
    shown_host = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    return (
        f"\nAgileKit API (development): GraphiQL at http://{shown_host}:{port}/graphql\n"
        f"Development bearer token for {email} (valid 7 days); in GraphiQL's Headers tab:\n"
        f'  {{"Authorization": "Bearer {token}"}}\n'
    )


def _worker(args: argparse.Namespace) -> int:
    settings = get_settings()
    settings.check_production()
    if not settings.redis_url:
        print(
            "agilekit worker needs REDIS_URL (the arq queue lives in Redis). Without it the "
            "server runs jobs in-process and no worker is needed.",
            file=sys.stderr,
        )
        return 2
    from core.logging import configure_logging
    from jobs.resilient_worker import ResilientWorker
    from wiring import worker_options

    configure_logging(settings.log_level, settings.log_json)
    asyncio.set_event_loop(_new_event_loop())  # arq's Worker takes the current loop
    metrics = (args.metrics_host, args.metrics_port) if args.metrics_port else None
    worker = ResilientWorker(**worker_options(settings, metrics), burst=args.burst)
    worker.run()
    return 1 if args.burst and worker.jobs_failed else 0


def _new_event_loop() -> asyncio.AbstractEventLoop:
    """uvloop's, as uvicorn gives the server: the worker's time is mostly database and Redis
    round trips, and asyncio's own socket transport cost it a seventh of its CPU in a webhook
    burst. asyncio's where uvloop is not installed (it is not on Windows)."""
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


def _sandbox(args: argparse.Namespace) -> int:
    import uvicorn

    from sandbox import create_sandbox_app

    app = create_sandbox_app(root_url=f"http://{args.host}:{args.port}")
    uvicorn.run(app, host=args.host, port=args.port, log_level="info")
    return 0


def _migrate(args: argparse.Namespace) -> int:
    from models.database import migrate

    print(asyncio.run(migrate(get_settings().database_url)))
    return 0


def _set_plan(args: argparse.Namespace) -> int:
    from core.errors import ServiceError
    from models.database import close_db, init_db
    from models.users import Plan
    from services.users.accounts import set_plan

    async def run() -> int:
        await init_db(get_settings().database_url)
        try:
            count = await set_plan(args.email, Plan(args.plan.upper()))
        except ServiceError as exc:
            print(exc.message, file=sys.stderr)
            return 1
        finally:
            await close_db()
        print(f"{args.email}: plan {args.plan.upper()} ({count} user(s))")
        return 0

    return asyncio.run(run())


def _rotate_keys(args: argparse.Namespace) -> int:
    from core.crypto import KeyConfigError
    from models.database import close_db, init_db
    from services.jira.token_store import keyring_for, rotate_keys

    async def run() -> int:
        settings = get_settings()
        try:
            keyring = keyring_for(settings)
        except KeyConfigError as exc:
            print(f"agilekit: {exc}", file=sys.stderr)
            return 2
        await init_db(settings.database_url)
        try:
            report = await rotate_keys(keyring)
        finally:
            await close_db()
        print(
            f"keys rotate (key {keyring.primary_key_id}): {report.rotated} rotated, "
            f"{report.already_current} already current, {report.failed} undecryptable, "
            f"{report.skipped_concurrent} busy (re-run)"
        )
        return 1 if report.failed or report.skipped_concurrent else 0

    return asyncio.run(run())


def _webhooks(args: argparse.Namespace) -> int:
    """List the webhook deliveries the sweeper gave up on, or make them pending again."""
    from models.database import close_db, init_db
    from models.jira import JiraWebhookDelivery
    from services.jira.webhooks.retries import dead_delivery_ids, replay_dead_deliveries

    async def run() -> int:
        await init_db(get_settings().database_url)
        try:
            if args.webhooks_command == "replay":
                count = await replay_dead_deliveries(args.ids or None)
                print(f"{count} dead deliveries made pending again; the next sweep runs them")
                return 0
            ids = await dead_delivery_ids()
            rows = await JiraWebhookDelivery.filter(id__in=ids).order_by("id")
            for row in rows:
                print(f"{row.id}\t{row.event}\t{row.attempts} attempts\t{row.last_error or ''}")
            dead = JiraWebhookDelivery.filter(dead_at__isnull=False, processed_at=None)
            total = await dead.count()
            shown = f" ({len(rows)} listed)" if total > len(rows) else ""
            print(f"{total} dead deliveries{shown}")
            return 0
        finally:
            await close_db()

    return asyncio.run(run())


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="agilekit", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the API server (uvicorn)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.set_defaults(handler=_serve)

    worker = commands.add_parser("worker", help="run the arq worker (needs REDIS_URL)")
    worker.add_argument("--burst", action="store_true", help="run the queued jobs, then exit")
    worker.add_argument(
        "--metrics-port", type=int, help="serve GET /metrics (Prometheus) on this port"
    )
    worker.add_argument("--metrics-host", default="127.0.0.1", help="(default: 127.0.0.1)")
    worker.set_defaults(handler=_worker)

    commands.add_parser("migrate", help="apply migrations / create the SQLite schema").set_defaults(
        handler=_migrate
    )

    sandbox = commands.add_parser("sandbox", help="run the Jira Cloud sandbox alone")
    sandbox.add_argument("--host", default="127.0.0.1")
    sandbox.add_argument("--port", type=int, default=9000)
    sandbox.set_defaults(handler=_sandbox)

    users = commands.add_parser("users", help="manage users").add_subparsers(
        dest="users_command", required=True
    )
    set_plan = users.add_parser("set-plan", help="set a user's plan")
    set_plan.add_argument("email")
    set_plan.add_argument("plan", choices=["premium", "free", "PREMIUM", "FREE"])
    set_plan.set_defaults(handler=_set_plan)

    keys = commands.add_parser("keys", help="token encryption keys").add_subparsers(
        dest="keys_command", required=True
    )
    keys.add_parser(
        "rotate", help="re-encrypt stored tokens under the first TOKEN_ENCRYPTION_KEYS key"
    ).set_defaults(handler=_rotate_keys)

    webhooks = commands.add_parser(
        "webhooks", help="Jira webhook deliveries the sweeper gave up on"
    ).add_subparsers(dest="webhooks_command", required=True)
    webhooks.add_parser("dead", help="list them with their last error").set_defaults(
        handler=_webhooks
    )
    replay = webhooks.add_parser("replay", help="make them pending again (all, or these ids)")
    replay.add_argument("ids", nargs="*", type=int)
    replay.set_defaults(handler=_webhooks)
    return parser


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    try:
        sys.exit(args.handler(args))
    except InsecureSettingsError as exc:
        print(f"agilekit: {exc}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
