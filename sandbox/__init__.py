"""A local Jira Cloud simulator: OAuth 2.0 (3LO), REST, webhooks, rate limits and faults."""

from sandbox.app import create_sandbox_app
from sandbox.config import OAuthApp, SandboxConfig

__all__ = ["OAuthApp", "SandboxConfig", "create_sandbox_app"]
