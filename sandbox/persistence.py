"""The optional state file: the world, OAuth state and apps survive a restart.

Loaded at start-up when present; saved (temp file + rename) shortly after every request that
may change something, and at shutdown. Faults, rate limits, webhook switches, held
deliveries and the request log are test knobs: they are not saved.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from starlette.types import ASGIApp, Receive, Scope, Send

from sandbox import jql
from sandbox.codec import decode, encode
from sandbox.config import OAuthApp
from sandbox.store import World
from sandbox.tokens import AccessToken, AuthCode, Family, Grant, RefreshToken

if TYPE_CHECKING:
    from sandbox.state import SandboxState

FORMAT = "agilekit-jira-sandbox-state"
VERSION = 1
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
log = logging.getLogger(__name__)


@dataclass
class TokenSnapshot:
    signing_key: str
    grants: dict[tuple[str, str], Grant] = field(default_factory=dict)
    codes: dict[str, AuthCode] = field(default_factory=dict)
    families: dict[str, Family] = field(default_factory=dict)
    refresh_tokens: dict[str, RefreshToken] = field(default_factory=dict)
    access_tokens: dict[str, AccessToken] = field(default_factory=dict)
    calls: Counter[str] = field(default_factory=Counter)


@dataclass
class Snapshot:
    world: World
    tokens: TokenSnapshot
    apps: dict[str, OAuthApp]
    clock_offset_seconds: float = 0.0
    search_lag_seconds: float = 0.0


def snapshot(state: SandboxState) -> dict[str, Any]:
    tokens = state.tokens
    body = Snapshot(
        world=state.world,
        tokens=TokenSnapshot(
            tokens.signing_key, tokens.grants, tokens.codes, tokens.families,
            tokens.refresh_tokens, tokens.access_tokens, tokens.calls,
        ),
        apps=state.apps,
        clock_offset_seconds=state.clock.offset.total_seconds(),
        search_lag_seconds=state.search_lag_seconds,
    )  # fmt: skip
    return {"format": FORMAT, "version": VERSION, **encode(body, Snapshot)}


def restore(state: SandboxState, data: dict[str, Any]) -> None:
    if data.get("format") != FORMAT or data.get("version") != VERSION:
        raise ValueError(f"not a version-{VERSION} sandbox state file")
    body: Snapshot = decode({k: v for k, v in data.items() if k not in {"format", "version"}},
                            Snapshot)  # fmt: skip
    for site in body.world.sites.values():
        for webhook in site.webhooks.values():
            webhook.matcher = jql.parse(webhook.jql_filter)
    state.world = body.world
    tokens = state.tokens
    tokens.signing_key = body.tokens.signing_key
    tokens.grants, tokens.codes = body.tokens.grants, body.tokens.codes
    tokens.families, tokens.refresh_tokens = body.tokens.families, body.tokens.refresh_tokens
    tokens.access_tokens, tokens.calls = body.tokens.access_tokens, body.tokens.calls
    # The configuration wins for the apps it names (e.g. a changed secret); apps added through
    # the admin API come back as they were.
    state.apps = {**body.apps, **state.configured_apps()}
    state.clock.offset = timedelta(seconds=body.clock_offset_seconds)
    state.search_lag_seconds = body.search_lag_seconds


class Persistence:
    def __init__(self, state: SandboxState, path: Path, delay_seconds: float) -> None:
        self.state, self.path, self.delay = state, path, delay_seconds
        self.last_written: str | None = None
        self.pending: asyncio.TimerHandle | None = None
        self.saves = 0

    def load(self) -> bool:
        """Restore the state file if there is one; a broken file is moved aside."""
        if not self.path.exists():
            return False
        try:
            text = self.path.read_text(encoding="utf-8")
            restore(self.state, json.loads(text))
        except (ValueError, KeyError, TypeError) as exc:
            aside = self.path.with_name(self.path.name + ".broken")
            log.warning("sandbox state file %s unreadable (%s); moved to %s", self.path, exc, aside)
            os.replace(self.path, aside)
            return False
        self.last_written = text
        return True

    def save(self) -> bool:
        """Write now if anything changed; returns whether the file was written."""
        self.cancel()
        text = json.dumps(snapshot(self.state), separators=(",", ":"))
        if text == self.last_written:
            return False
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=f".{self.path.name}.", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temp)
            raise
        self.last_written = text
        self.saves += 1
        return True

    def changed(self) -> None:
        """Something may have changed: save after the debounce delay (now when it is 0)."""
        if self.delay <= 0:
            self.save()
            return
        if self.pending is None:
            loop = asyncio.get_running_loop()
            self.pending = loop.call_later(self.delay, self._save_logged)

    def _save_logged(self) -> None:
        self.pending = None
        try:
            self.save()
        except OSError:
            log.exception("could not save the sandbox state to %s", self.path)

    def cancel(self) -> None:
        if self.pending is not None:
            self.pending.cancel()
            self.pending = None


class PersistMiddleware:
    """After every request that is not a read, schedule a save."""

    def __init__(self, app: ASGIApp, persistence: Persistence) -> None:
        self.app, self.persistence = app, persistence

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await self.app(scope, receive, send)
        finally:
            if scope["type"] == "http" and scope["method"] not in SAFE_METHODS:
                self.persistence.changed()


def state_file_beside(database_url: str) -> Path | None:
    """`sqlite://agilekit.sqlite3` → `agilekit.sandbox.json` (same folder); None for in-memory
    SQLite and any other database (the sandbox then lives in memory)."""
    if not database_url.startswith("sqlite://"):
        return None
    location = database_url[len("sqlite://") :].split("?", 1)[0]
    if not location or location == ":memory:":
        return None
    database = Path(location)
    return database.with_name(f"{database.stem}.sandbox.json")
