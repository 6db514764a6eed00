from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _orm(database_url: str) -> None:
    """Job tests use the ORM of the test process (connected to the run's database)."""
