"""The `agilekit` command: serve, worker, migrate, sandbox, users, keys."""

from __future__ import annotations

import argparse
import asyncio
import sys

from core.settings import InsecureSettingsError, get_settings


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    settings = get_settings()
    settings.check_production()
    uvicorn.run(
        "app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        log_config=None,
        proxy_headers=True,
        ws="websockets-sansio",
    )
    return 0


def _migrate(args: argparse.Namespace) -> int:
    from core.db import migrate

    print(asyncio.run(migrate(get_settings().database_url)))
    return 0


def _set_plan(args: argparse.Namespace) -> int:
    from core.db import close_db, init_db
    from core.errors import ServiceError
    from models.users import Plan
    from services.users import set_plan

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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="agilekit", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the API server (uvicorn)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.set_defaults(handler=_serve)

    commands.add_parser("migrate", help="apply migrations / create the SQLite schema").set_defaults(
        handler=_migrate
    )

    users = commands.add_parser("users", help="manage users").add_subparsers(
        dest="users_command", required=True
    )
    set_plan = users.add_parser("set-plan", help="set a user's plan")
    set_plan.add_argument("email")
    set_plan.add_argument("plan", choices=["premium", "free", "PREMIUM", "FREE"])
    set_plan.set_defaults(handler=_set_plan)
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
