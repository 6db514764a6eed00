"""Shared fixtures of this package. `jira_sandbox`: the Jira Cloud sandbox in its own process."""

from tests.jira_support import jira_sandbox

__all__ = ["jira_sandbox"]
