"""The read-path baselines: bare Starlette JSON endpoints reading a room's issues and votes with
the same ORM and the same batch queries the GraphQL loaders use.

- `/rooms/{id}/issues` reads the same rows as the GraphQL request: the bearer token is checked
  and the user, the room (for members only), its issues and their votes are read through the
  same service functions.
- `/rooms/{id}/issues-noauth` skips authentication and membership: the ORM reads alone.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from core.auth import InvalidToken, decode_token, parse_authorization
from core.settings import get_settings
from models.database import close_db, init_db
from models.rooms import Room
from services.rooms.queries import issues_by_room, votes_by_issue
from services.rooms.rooms import RoomAccessDenied, room_for_member
from services.users.accounts import upsert_user


async def healthz(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


async def room_issues(request: Request) -> JSONResponse:
    try:
        token = parse_authorization(request.headers.get("authorization"))
        principal = decode_token(token or "", get_settings().auth_jwt_secret)
    except InvalidToken:
        return JSONResponse({"error": "unauthenticated"}, status_code=401)
    user = await upsert_user(principal)
    try:
        room = await room_for_member(user.id, request.path_params["room_id"])
    except RoomAccessDenied:
        return JSONResponse({"error": "forbidden"}, status_code=403)
    if room is None:
        return JSONResponse({"error": "not found"}, status_code=404)
    return await _issues_json(room)


async def room_issues_noauth(request: Request) -> JSONResponse:
    room = await Room.get_or_none(id=uuid.UUID(request.path_params["room_id"]))
    if room is None:
        return JSONResponse({"error": "not found"}, status_code=404)
    return await _issues_json(room)


async def _issues_json(room: Room) -> JSONResponse:
    (issues,) = await issues_by_room([room.id])
    votes = await votes_by_issue([issue["id"] for issue in issues])
    return JSONResponse(
        {
            "issues": [
                {
                    "title": issue["title"],
                    "status": str(issue["status"]),
                    "finalEstimate": issue["final_estimate"],
                    "votes": [{"value": vote["value"]} for vote in issue_votes],
                }
                for issue, issue_votes in zip(issues, votes, strict=True)
            ]
        }
    )


def create_app() -> Starlette:
    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await init_db(os.environ["DATABASE_URL"])
        try:
            yield
        finally:
            await close_db()

    return Starlette(
        routes=[
            Route("/healthz", healthz),
            Route("/rooms/{room_id}/issues", room_issues),
            Route("/rooms/{room_id}/issues-noauth", room_issues_noauth),
        ],
        lifespan=lifespan,
    )
