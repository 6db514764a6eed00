"""The web app in a real browser: Playwright runs frontend/e2e against `make run`'s shape.

`agilekit serve` on a fresh SQLite file in development (in-process jobs and bus, the sandbox
mounted at /sandbox and delivering its webhooks back, the demo data), the built app at `/`.
frontend/e2e/flow.spec.ts drives two Chromium contexts (a facilitator and a voter) through
sign-in, Jira consent, mapping, import, live voting, the push and a Jira-side edit; every page
and dialog is screenshotted to /tmp/agilekit-web-screenshots and checked with axe-core. Needs
the build (`make setup`) and Debian's Chromium (`make test` installs it).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.settings import WEB_APP_DIR
from tests.embedded import ServeCommand, serve_embedded
from tests.support import ROOT

FRONTEND = ROOT / "frontend"
PLAYWRIGHT = FRONTEND / "node_modules" / ".bin" / "playwright"
CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
SCREENSHOTS = Path("/tmp/agilekit-web-screenshots")


@pytest.fixture(scope="module")
def app_server() -> Iterator[ServeCommand]:
    assert (WEB_APP_DIR / "index.html").is_file(), "the web app is not built: run `make setup`"
    assert PLAYWRIGHT.exists(), "Playwright is not installed: run `make setup`"
    assert CHROMIUM.exists(), f"no Chromium at {CHROMIUM}: run `make browser`"
    directory = Path(tempfile.mkdtemp(prefix="agilekit_web_"))
    server = serve_embedded(directory / "agilekit.sqlite3")
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(directory, ignore_errors=True)


def playwright(server: ServeCommand, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "AGILEKIT_URL": server.url,
        "AGILEKIT_SCREENSHOTS": str(SCREENSHOTS),
        "CHROMIUM": str(CHROMIUM),
        "CI": "true",  # forbids test.only
    }
    return subprocess.run(
        [str(PLAYWRIGHT), "test", *args],
        cwd=FRONTEND,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.timeout(360)
def test_the_whole_flow_in_two_browsers(app_server: ServeCommand) -> None:
    run = playwright(app_server, "flow.spec.ts")
    assert run.returncode == 0, (
        f"{run.stdout[-6000:]}\n{run.stderr[-3000:]}\n{app_server.logs()[-3000:]}"
    )
    assert "1 passed" in run.stdout, run.stdout
    shots = {path.stem for path in SCREENSHOTS.glob("*.png")}
    assert {"signin", "rooms", "room-revealed", "integrations-connected", "import-dialog"} <= shots
