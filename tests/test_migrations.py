"""The committed aerich migrations create exactly the tables the models describe."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.support import BASE_DATABASE_URL, ROOT


def test_models_match_the_committed_migrations(tmp_path: Path) -> None:
    migrations = tmp_path / "migrations"
    shutil.copytree(ROOT / "migrations", migrations)
    before = sorted(p.name for p in (migrations / "models").iterdir())
    result = subprocess.run(
        [sys.executable, "-m", "scripts.make_migration", "check"],
        cwd=ROOT,
        env={
            **os.environ,
            "MIGRATIONS_DIR": str(migrations),
            "MIGRATION_DATABASE_URL": BASE_DATABASE_URL,
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    after = sorted(p.name for p in (migrations / "models").iterdir())
    assert after == before, (
        f"models changed without a migration: run `make migration NAME=...`\n{result.stdout}"
    )
    assert "nothing to generate" in result.stdout
