"""A local Jira Cloud simulator: OAuth 2.0 (3LO), REST, webhooks, rate limits and faults."""

from sandbox.app import create_sandbox_app
from sandbox.config import OAuthApp, SandboxConfig
from sandbox.persistence import state_file_beside

__all__ = ["OAuthApp", "SandboxConfig", "create_sandbox_app", "state_file_beside"]
