"""Everything one sandbox process holds in memory."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from sandbox.clock import Clock
from sandbox.config import OAuthApp, SandboxConfig
from sandbox.delivery import Dispatcher, Switches
from sandbox.faults import FaultRule, RateLimiter
from sandbox.persistence import Persistence
from sandbox.requestlog import RequestLog
from sandbox.seed import seed_demo
from sandbox.store import World
from sandbox.tokens import TokenStore


class SandboxState:
    def __init__(self, config: SandboxConfig, root_url: str) -> None:
        self.config = config
        self.root_url = root_url.rstrip("/")
        self.clock = Clock()
        self.apps: dict[str, OAuthApp] = self.configured_apps()
        self.world = World()
        self.tokens = TokenStore(config, self.clock)
        self.fault_rules: list[FaultRule] = []
        self.limiter = RateLimiter()
        self.dispatcher = Dispatcher(config)
        self.log = RequestLog(config.request_log_size)
        self.search_lag_seconds = 0.0
        self.persistence: Persistence | None = None
        if config.state_file is not None:
            path = Path(config.state_file)
            self.persistence = Persistence(self, path, config.state_save_delay_seconds)
            if self.persistence.load():
                return
        if config.seed_demo:
            seed_demo(self.world, self.clock.now())

    def configured_apps(self) -> dict[str, OAuthApp]:
        return {
            app.client_id: replace(app, redirect_uris=list(app.redirect_uris))
            for app in self.config.apps
        }

    async def aclose(self) -> None:
        """At shutdown: write the last change to the state file, close the webhook client."""
        try:
            if self.persistence is not None:
                self.persistence.save()
        finally:
            await self.dispatcher.aclose()

    def app(self, client_id: str) -> OAuthApp | None:
        return self.apps.get(client_id)

    def reset(self, seed: bool = True) -> None:
        """Back to a fresh process: data, tokens, webhooks, faults, clock and log."""
        self.clock.reset()
        self.apps = self.configured_apps()
        self.world = World()
        self.tokens = TokenStore(self.config, self.clock)
        self.fault_rules.clear()  # the fault middleware holds this very list
        self.limiter.site, self.limiter.endpoints, self.limiter.windows = None, {}, {}
        self.limiter.issue_writes = None
        self.dispatcher.held.clear()
        self.dispatcher.attempts.clear()
        self.dispatcher.switches = Switches(
            max_retries=self.config.webhook_max_retries,
            retry_backoff_ms=int(self.config.webhook_retry_backoff_seconds * 1000),
            timeout_seconds=self.config.webhook_timeout_seconds,
        )
        self.log.clear()
        self.search_lag_seconds = 0.0
        if seed:
            seed_demo(self.world, self.clock.now())
