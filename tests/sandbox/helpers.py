"""Helpers for sandbox tests: real uvicorn servers in threads and the OAuth dance over HTTP."""

from __future__ import annotations

import asyncio
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp

from tests.support import free_port

CLIENT_ID = "agilekit-dev-client"
CLIENT_SECRET = "dev-only-agilekit-jira-client-secret"
ACME = "8f3c2a10-5d1e-4c7b-9a42-3e1f0b6d7c01"
GLOBEX = "2b7e9d44-8a1f-4e3c-b5d2-9c0a7f6e1d02"
DEMO_ACCOUNT = "557058:0f7e3b1a-5c2d-4e8f-9a01-000000000001"
REDIRECT_URI = "http://127.0.0.1:8000/integrations/jira/callback"
ALL_SCOPES = (
    "read:jira-work write:jira-work read:jira-user manage:jira-webhook offline_access "
    "read:board-scope:jira-software read:project:jira read:sprint:jira-software "
    "read:issue-details:jira read:jql:jira read:board-scope.admin:jira-software "
    "read:issue:jira-software write:issue:jira-software"
)


class ThreadedServer:
    """A real uvicorn server on a loopback port, running in a daemon thread."""

    def __init__(self, make_app: Callable[[str], ASGIApp]) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.app = make_app(self.url)
        config = uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def start(self) -> ThreadedServer:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)


@dataclass
class Receiver:
    """A webhook receiver: records deliveries, answers with scripted statuses."""

    received: list[dict[str, Any]] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    delay_seconds: float = 0.0

    def app(self) -> Starlette:
        async def hook(request: Request) -> Response:
            self.received.append(
                {
                    "path": request.url.path,
                    "headers": dict(request.headers),
                    "body": json.loads(await request.body()),
                }
            )
            if self.delay_seconds:
                await asyncio.sleep(self.delay_seconds)
            status = self.statuses.pop(0) if self.statuses else 200
            return JSONResponse({}, status_code=status)

        return Starlette(routes=[Route("/hooks/{name}", hook, methods=["POST"])])

    def reset(self) -> None:
        self.received.clear()
        self.statuses.clear()
        self.delay_seconds = 0.0


async def authorize(
    http: httpx.AsyncClient,
    *,
    scope: str = ALL_SCOPES,
    site: str | None = ACME,
    account: str | None = None,
    decision: str = "accept",
    state: str = "st-123",
) -> httpx.Response:
    """GET the consent page, then submit its form; returns the redirect response."""
    params = {
        "audience": "api.atlassian.com",
        "client_id": CLIENT_ID,
        "scope": scope,
        "redirect_uri": REDIRECT_URI,
        "state": state,
        "response_type": "code",
        "prompt": "consent",
    }
    if account:
        params["sandbox_account"] = account
    page = await http.get("/auth/authorize", params=params)
    assert page.status_code == 200, page.text
    form = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page.text))
    form = {k: v.replace("&amp;", "&").replace("&#x27;", "'") for k, v in form.items()}
    form["decision"] = decision
    if site:
        form["site"] = site
    action = re.search(r'<form method="post" action="([^"]+)">', page.text)
    assert action is not None
    return await http.post(action.group(1), data=form)


def callback_params(response: httpx.Response) -> dict[str, str]:
    assert response.status_code == 302, response.text
    location = response.headers["location"]
    assert location.startswith(REDIRECT_URI), location
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


async def exchange(http: httpx.AsyncClient, code: str) -> httpx.Response:
    return await http.post(
        "/auth/oauth/token",
        json={
            "grant_type": "authorization_code",
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "code": code,
            "redirect_uri": REDIRECT_URI,
        },
    )


async def refresh(
    http: httpx.AsyncClient, token: str, secret: str = CLIENT_SECRET
) -> httpx.Response:
    return await http.post(
        "/auth/oauth/token",
        json={
            "grant_type": "refresh_token",
            "client_id": CLIENT_ID,
            "client_secret": secret,
            "refresh_token": token,
        },
    )


async def connect(http: httpx.AsyncClient, **kwargs: Any) -> dict[str, Any]:
    """The whole consent + code exchange; returns the token response body."""
    code = callback_params(await authorize(http, **kwargs))["code"]
    response = await exchange(http, code)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def bearer(tokens: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


def jira(cloud_id: str = ACME) -> str:
    return f"/api/ex/jira/{cloud_id}"
