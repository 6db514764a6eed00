"""The embedded default that `make run` starts: `agilekit migrate` then `agilekit serve` on a
fresh SQLite file, with no Redis (in-process bus and jobs), no Atlassian URLs (the sandbox
mounted at /sandbox, delivering its webhooks back to this same process) and the demo data."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

from tests.support import ROOT, ServerProcess, unique_name, wait_http_ok

# Inherited settings that would turn the embedded default into something else.
_NOT_EMBEDDED = ("DATABASE_URL", "REDIS_URL", "ATLASSIAN_AUTH_URL", "ATLASSIAN_API_URL")
_PRINTED_TOKEN = re.compile(r'\{"Authorization": "Bearer ([\w.-]+)"\}')


def embedded_environ() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k.upper() not in _NOT_EMBEDDED}


class ServeCommand(ServerProcess):
    """`agilekit serve` itself (the printed access, then uvicorn) rather than bare uvicorn."""

    def start(self, timeout: float = 20) -> ServeCommand:
        env = {**embedded_environ(), "PUBLIC_URL": self.url, **self.env}
        self.log_path = Path(f"/tmp/{unique_name('serve')}.log")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "cli", "serve", "--host", "127.0.0.1", "--port", str(self.port)],
            cwd=ROOT,
            env=env,
            stdout=self.log_path.open("wb"),
            stderr=subprocess.STDOUT,
        )
        wait_http_ok(f"{self.url}/healthz", timeout, self)
        deadline = time.monotonic() + timeout
        while not _PRINTED_TOKEN.search(self.logs()):  # printed once start-up succeeded
            assert time.monotonic() < deadline, self.logs()[-2000:]
            time.sleep(0.05)
        return self

    def printed_token(self) -> str:
        found = _PRINTED_TOKEN.search(self.logs())
        assert found, self.logs()[-2000:]
        return found[1]


def serve_embedded(database_file: Path, **env: str) -> ServeCommand:
    """Migrate a new SQLite file and serve it in development with the demo data, as `make run`."""
    env = {
        "AGILEKIT_ENV": "development",
        "DATABASE_URL": f"sqlite://{database_file}",
        "SEED_DEMO_DATA": "true",
        "LOG_LEVEL": os.environ.get("TEST_SERVER_LOG_LEVEL", "WARNING"),
        **env,
    }
    migrate = subprocess.run(
        [sys.executable, "-m", "cli", "migrate"],
        cwd=ROOT,
        env={**embedded_environ(), **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert migrate.returncode == 0, migrate.stderr
    assert "sqlite schema created" in migrate.stdout
    return ServeCommand(env=env).start()
