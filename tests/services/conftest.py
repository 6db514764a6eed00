"""Shared fixtures of this package: the Jira Cloud sandbox in this process (no socket is under
test here: the product's Jira client reaches it through its ASGI transport), and a Runtime
pointed at it (one per test module; tests/services/jira/test_connection.py keeps its own
per-test one). Modules that move the sandbox's clock or reshape its world use `sandbox`, an
in-process sandbox of their own, and `sandbox_runtime`."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from services.runtime import Runtime
from tests.jira_support import InProcessSandbox, Sandbox, make_runtime

__all__ = ["jira_sandbox", "runtime", "sandbox", "sandbox_runtime"]


async def _runtime_for(sandbox: Sandbox) -> AsyncIterator[Runtime]:
    runtime = await make_runtime(sandbox, public_url="http://127.0.0.1:8123")
    yield runtime
    assert runtime.jira_http is not None
    await runtime.jira_http.aclose()


@pytest.fixture(scope="session")
async def jira_sandbox() -> AsyncIterator[InProcessSandbox]:
    """The package's shared sandbox."""
    async with InProcessSandbox() as shared:
        yield shared


@pytest.fixture(scope="module")
async def runtime(jira_sandbox: InProcessSandbox) -> AsyncIterator[Runtime]:
    async for runtime in _runtime_for(jira_sandbox):
        yield runtime


@pytest.fixture(scope="module")
async def sandbox() -> AsyncIterator[InProcessSandbox]:
    """A sandbox of the module's own."""
    async with InProcessSandbox() as own:
        yield own


@pytest.fixture(scope="module")
async def sandbox_runtime(sandbox: InProcessSandbox) -> AsyncIterator[Runtime]:
    async for runtime in _runtime_for(sandbox):
        yield runtime
