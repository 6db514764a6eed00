"""Shared fixtures of this package: the Jira Cloud sandbox in its own process, and a Runtime
pointed at it (one per test module; tests/services/test_jira_connection.py keeps its own
per-test one)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from core.runtime import Runtime
from tests.jira_support import SandboxProcess, jira_sandbox, make_runtime

__all__ = ["jira_sandbox", "runtime"]


@pytest.fixture(scope="module")
async def runtime(jira_sandbox: SandboxProcess) -> AsyncIterator[Runtime]:
    runtime = await make_runtime(jira_sandbox)
    yield runtime
    assert runtime.jira_http is not None
    await runtime.jira_http.aclose()
