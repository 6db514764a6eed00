"""Shared fixtures of this package. `jira_sandbox`: the Jira Cloud sandbox in this process; the
clients under test reach it through its ASGI transport (`jira_sandbox.transport`)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.jira_support import InProcessSandbox

__all__ = ["jira_sandbox"]


@pytest.fixture(scope="session")
async def jira_sandbox() -> AsyncIterator[InProcessSandbox]:
    async with InProcessSandbox() as sandbox:
        yield sandbox
