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
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt
import pytest

from core.settings import WEB_APP_DIR
from tests.embedded import ServeCommand, serve_embedded
from tests.support import ROOT, ServerProcess, free_port, wait_http_ok
from tests.web.conftest import PRODUCTION_SECRETS
from tests.web.tokens import claims

FRONTEND = ROOT / "frontend"
PLAYWRIGHT = FRONTEND / "node_modules" / ".bin" / "playwright"
CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
SCREENSHOTS = Path("/tmp/agilekit-web-screenshots")
E2E_RESULTS = Path("/tmp/agilekit-e2e-results")
VITE = (str(FRONTEND / "node_modules" / ".bin" / "vite"),)


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


def playwright(url: str, spec: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`playwright test <spec>` against the app at `url`; `env` reaches the spec. Each spec
    keeps its failure's trace and screenshots in a directory of its own (Playwright empties
    its output directory when it starts, so the next spec's run would delete them), and the
    run's output ends with the page's accessibility snapshot at the failure."""
    output = E2E_RESULTS / Path(spec).stem.removesuffix(".spec")
    env = {
        **os.environ,
        **env,
        "AGILEKIT_E2E_OUTPUT": str(output),
        "AGILEKIT_URL": url,
        "AGILEKIT_SCREENSHOTS": str(SCREENSHOTS),
        "CHROMIUM": str(CHROMIUM),
        "CI": "true",  # forbids test.only
    }
    run = subprocess.run(
        [str(PLAYWRIGHT), "test", spec],
        cwd=FRONTEND,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    for context in sorted(output.glob("*/error-context.md")):
        run.stdout += f"\n{context}:\n{context.read_text()[-4000:]}"
    return run


@pytest.mark.timeout(360)
def test_the_whole_flow_in_two_browsers(app_server: ServeCommand) -> None:
    run = playwright(app_server.url, "flow.spec.ts")
    assert run.returncode == 0, (
        f"{run.stdout[-10000:]}\n{run.stderr[-3000:]}\n{app_server.logs()[-3000:]}"
    )
    assert "1 passed" in run.stdout, run.stdout
    shots = {path.stem for path in SCREENSHOTS.glob("*.png")}
    assert {"signin", "rooms", "room-revealed", "integrations-connected", "import-dialog"} <= shots


# ---- production, with the app on an origin of its own ----


@pytest.fixture(scope="module")
def app_elsewhere() -> Iterator[tuple[str, int]]:
    """The app built for an API on another port (VITE_AGILEKIT_API_URL), served by `vite
    preview` on its own port: (the build's directory, the API port it was built for)."""
    api_port = free_port()
    out = Path(tempfile.mkdtemp(prefix="agilekit_app_elsewhere_"))
    build = subprocess.run(
        [*VITE, "build", "--outDir", str(out), "--emptyOutDir"],
        cwd=FRONTEND,
        env={**os.environ, "VITE_AGILEKIT_API_URL": f"http://127.0.0.1:{api_port}"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    try:
        yield str(out), api_port
    finally:
        shutil.rmtree(out, ignore_errors=True)


@pytest.mark.timeout(300)
def test_production_app_on_another_origin(
    app_elsewhere: tuple[str, int], server_env: dict[str, str]
) -> None:
    out, api_port = app_elsewhere
    app_port = free_port()
    app_url = f"http://127.0.0.1:{app_port}"
    preview = subprocess.Popen(
        [*VITE, "preview", "--outDir", out, "--port", str(app_port), "--strictPort"],
        cwd=FRONTEND,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_http_ok(app_url, timeout=30)
        env = {**server_env, **PRODUCTION_SECRETS, "APP_URL": app_url, "CORS_ORIGINS": app_url}
        api = ServerProcess(env=env, port=api_port).start()
        try:
            secret = PRODUCTION_SECRETS["AUTH_JWT_SECRET"]
            run = playwright(
                app_url,
                "another-origin.spec.ts",
                AGILEKIT_API=api.url,
                AGILEKIT_TOKEN=jwt.encode(claims(), secret, algorithm="HS256"),
                AGILEKIT_EXPIRED_TOKEN=jwt.encode(
                    claims(exp=datetime.now(UTC) - timedelta(minutes=5)), secret, "HS256"
                ),
            )
            output = f"{run.stdout[-6000:]}\n{run.stderr[-3000:]}"
            assert run.returncode == 0, f"{output}\nAPI log:\n{api.logs()[-3000:]}"
            assert "3 passed" in run.stdout, run.stdout
        finally:
            api.stop()
    finally:
        preview.terminate()
        preview.wait(10)
