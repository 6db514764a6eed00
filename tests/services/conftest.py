"""Shared fixtures of this package: the Jira Cloud sandbox in its own process, and a Runtime
pointed at it (one per test module; tests/services/jira/test_connection.py keeps its own
per-test one). Modules that move the sandbox's clock or reshape its world use `sandbox`, a
process of their own, and `sandbox_runtime`."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from services.runtime import Runtime
from tests.jira_support import SandboxProcess, jira_sandbox, make_runtime

__all__ = ["jira_sandbox", "runtime", "sandbox", "sandbox_runtime"]


async def _runtime_for(sandbox: SandboxProcess) -> AsyncIterator[Runtime]:
    runtime = await make_runtime(sandbox, public_url="http://127.0.0.1:8123")
    yield runtime
    assert runtime.jira_http is not None
    await runtime.jira_http.aclose()


@pytest.fixture(scope="module")
async def runtime(jira_sandbox: SandboxProcess) -> AsyncIterator[Runtime]:
    async for runtime in _runtime_for(jira_sandbox):
        yield runtime


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxProcess]:
    """A sandbox process of the module's own."""
    process = SandboxProcess().start()
    yield process
    process.stop()


@pytest.fixture(scope="module")
async def sandbox_runtime(sandbox: SandboxProcess) -> AsyncIterator[Runtime]:
    async for runtime in _runtime_for(sandbox):
        yield runtime
