"""The state file: a round trip of the whole store, restarts, shutdown, reset, broken files."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from sandbox import SandboxConfig, create_sandbox_app, state_file_beside
from sandbox.persistence import restore, snapshot
from sandbox.state import SandboxState
from tests.sandbox.helpers import ACME, ThreadedServer, bearer, connect, jira, refresh

ROOT = "http://sandbox.test"
API = f"{jira()}/rest/api/3"
ISSUE = {"projectKey": "PLAT", "summary": "Made before the restart"}
HOOK_ITEM = {"events": ["jira:issue_updated"], "jqlFilter": "project = PLAT"}
HOOK = {"url": "http://127.0.0.1:9/hooks/agilekit", "webhooks": [HOOK_ITEM]}


def make(path: Path, delay: float = 0.0) -> Starlette:
    config = SandboxConfig(state_save_delay_seconds=delay)
    return create_sandbox_app(root_url=ROOT, config=config, state_file=path)


def client(app: Starlette) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=ROOT)


async def busy_world(http: httpx.AsyncClient) -> dict[str, Any]:
    """Tokens, a webhook, a new, an edited, a commented and a moved issue, an app, an account."""
    tokens = await connect(http)
    auth = bearer(tokens)
    assert (await http.post(f"{API}/webhook", headers=auth, json=HOOK)).status_code == 200
    created = (await http.post(f"/_sandbox/sites/{ACME}/issues", json=ISSUE)).json()
    await http.put(f"{API}/issue/PLAT-1", headers=auth, json={"fields": {"customfield_10026": 8}})
    comment = {"body": {"type": "doc", "version": 1, "content": []}}
    await http.post(f"{API}/issue/PLAT-1/comment", headers=auth, json=comment)
    await http.post(f"/_sandbox/sites/{ACME}/issues/PLAT-2/move", json={"projectKey": "APP"})
    app = {"clientId": "other", "clientSecret": "s" * 40, "redirectUris": ["https://o.example/cb"]}
    await http.post("/_sandbox/apps", json=app)
    await http.post("/_sandbox/accounts", json={"email": "new@acme.example", "cloudIds": [ACME]})
    return {"tokens": tokens, "created": created["key"]}


async def test_a_round_trip_keeps_the_whole_store(tmp_path: Path) -> None:
    app = make(tmp_path / "state.json")
    async with client(app) as http:
        await busy_world(http)
    first: SandboxState = app.state.sandbox
    again = SandboxState(SandboxConfig(seed_demo=False), ROOT)
    restore(again, json.loads(json.dumps(snapshot(first))))
    assert again.world == first.world  # dataclass equality, webhook matchers re-parsed
    assert again.tokens.grants == first.tokens.grants
    assert again.tokens.refresh_tokens == first.tokens.refresh_tokens
    assert again.apps == first.apps
    assert snapshot(again) == snapshot(first)
    assert json.loads((tmp_path / "state.json").read_text()) == snapshot(first)


async def test_a_restart_keeps_tokens_consents_webhooks_and_the_next_issue_key(
    tmp_path: Path,
) -> None:
    path = tmp_path / "state.json"
    async with client(make(path)) as http:
        made = await busy_world(http)
        hooks = (await http.get(f"{API}/webhook", headers=bearer(made["tokens"]))).json()
    assert made["created"] == "PLAT-29"  # after the seeded sub-tasks PLAT-26..28
    async with client(make(path)) as http:  # a new process on the same file
        auth = bearer(made["tokens"])
        assert (await http.get(f"{API}/myself", headers=auth)).status_code == 200
        assert (await http.get(f"{API}/webhook", headers=auth)).json() == hooks
        assert (await http.get(f"{API}/issue/{made['created']}", headers=auth)).status_code == 200
        assert (await http.get(f"{API}/issue/PLAT-2", headers=auth)).json()["key"] == "APP-21"
        rotated = await refresh(http, made["tokens"]["refresh_token"])
        assert rotated.status_code == 200, rotated.text
        after = (await http.post(f"/_sandbox/sites/{ACME}/issues", json=ISSUE)).json()
        assert after["key"] == "PLAT-30"  # keys are not handed out again
        state = (await http.get("/_sandbox/state")).json()
        assert "new@acme.example" in {a["email"] for a in state["accounts"]}
        assert "other" in {a["clientId"] for a in state["apps"]}


async def test_shutdown_writes_the_last_change_and_a_new_server_reads_it(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    server = ThreadedServer(lambda url: make(path, delay=60)).start()
    try:
        async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
            key = (await http.post(f"/_sandbox/sites/{ACME}/issues", json=ISSUE)).json()["key"]
        assert not path.exists()  # still inside the debounce window
    finally:
        server.stop()
    assert key in path.read_text()
    again = ThreadedServer(lambda url: make(path, delay=60)).start()
    try:
        async with httpx.AsyncClient(base_url=again.url, timeout=10) as http:
            state = (await http.get("/_sandbox/state")).json()
            acme = next(s for s in state["sites"] if s["cloudId"] == ACME)
            assert acme["issueCount"] == 49  # the seeded 45, 3 sub-tasks and the new one
    finally:
        again.stop()


async def test_the_debounce_saves_without_a_shutdown(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    server = ThreadedServer(lambda url: make(path, delay=0.05)).start()
    try:
        async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
            key = (await http.post(f"/_sandbox/sites/{ACME}/issues", json=ISSUE)).json()["key"]
            for _ in range(100):
                if path.exists() and key in path.read_text():
                    break
                await http.get("/_sandbox/state")
            assert key in path.read_text()
    finally:
        server.stop()


async def test_reset_is_saved_too(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    async with client(make(path)) as http:
        made = await busy_world(http)
        assert (await http.post("/_sandbox/reset", json={})).status_code == 200
    async with client(make(path)) as http:
        assert (await http.get(f"{API}/myself", headers=bearer(made["tokens"]))).status_code == 401
        key = (await http.post(f"/_sandbox/sites/{ACME}/issues", json=ISSUE)).json()["key"]
        assert key == "PLAT-29"
        assert (await http.get("/_sandbox/webhooks")).json() == {"webhooks": []}


async def test_a_broken_file_is_moved_aside_and_the_seed_is_used(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    path.write_text("{not json")
    async with client(make(path)) as http:
        state = (await http.get("/_sandbox/state")).json()
    assert len(state["sites"]) == 2
    assert (tmp_path / "state.json.broken").read_text() == "{not json"
    assert not path.exists()  # nothing changed yet


async def test_writes_are_atomic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "state.json"
    app = make(path)
    async with client(app) as http:
        await http.post(f"/_sandbox/sites/{ACME}/issues", json=ISSUE)
        before = path.read_text()
        assert os.listdir(tmp_path) == ["state.json"]

        def failing_replace(src: str, dst: str) -> None:
            raise OSError("disk full")

        monkeypatch.setattr(os, "replace", failing_replace)
        with pytest.raises(OSError):
            await http.post(f"/_sandbox/sites/{ACME}/issues", json=ISSUE)
    assert path.read_text() == before  # the old file is whole, the temp file is gone
    assert os.listdir(tmp_path) == ["state.json"]


def test_the_state_file_sits_beside_the_sqlite_database() -> None:
    assert state_file_beside("sqlite://agilekit.sqlite3") == Path("agilekit.sandbox.json")
    assert state_file_beside("sqlite:///var/db/x.sqlite3?journal_mode=WAL") == Path(
        "/var/db/x.sandbox.json"
    )
    assert state_file_beside("sqlite://:memory:") is None
    assert state_file_beside("postgres://u:p@localhost/agilekit") is None
