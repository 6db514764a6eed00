"""Webhook delivery: signed POSTs from background asyncio tasks, with retries and switches."""

from __future__ import annotations

import asyncio
import itertools
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx
import jwt

from sandbox.config import SandboxConfig

RETRY_STATUSES = {408, 409, 425, 429}


@dataclass
class Delivery:
    identifier: str
    url: str
    client_id: str
    secret: str
    actor_id: str | None
    event: str
    body: dict[str, Any]
    flow: str = "Primary"


@dataclass
class Switches:
    """Runtime knobs; tests flip them through /_sandbox/webhooks/switches."""

    duplicate: bool = False
    delay_ms: int = 0
    out_of_order: bool = False  # hold deliveries; release them newest first
    max_retries: int = 3
    retry_backoff_ms: int = 200
    timeout_seconds: float = 5.0
    paused: bool = False  # hold deliveries; release them in order


@dataclass
class Dispatcher:
    config: SandboxConfig
    switches: Switches = field(default_factory=Switches)
    attempts: list[dict[str, Any]] = field(default_factory=list)
    held: list[Delivery] = field(default_factory=list)
    tasks: set[asyncio.Task[None]] = field(default_factory=set)
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(int(time.time())))
    client: httpx.AsyncClient | None = None

    def __post_init__(self) -> None:
        self.switches.max_retries = self.config.webhook_max_retries
        self.switches.retry_backoff_ms = int(self.config.webhook_retry_backoff_seconds * 1000)
        self.switches.timeout_seconds = self.config.webhook_timeout_seconds

    def next_identifier(self) -> str:
        return str(next(self.ids))

    def submit(self, delivery: Delivery) -> None:
        if self.switches.out_of_order or self.switches.paused:
            self.held.append(delivery)
        else:
            self._start([delivery])

    def release(self) -> int:
        held, self.held = self.held, []
        if held:
            self._start(held if self.switches.paused else list(reversed(held)))
        return len(held)

    def _start(self, deliveries: list[Delivery]) -> None:
        task = asyncio.get_running_loop().create_task(self._job(deliveries))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def drain(self, wait_seconds: float) -> bool:
        """Release held deliveries and wait until nothing is in flight."""
        self.release()
        deadline = asyncio.get_running_loop().time() + wait_seconds
        while self.tasks:
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                return False
            await asyncio.wait(set(self.tasks), timeout=remaining)
        return True

    async def _job(self, deliveries: list[Delivery]) -> None:
        for delivery in deliveries:
            if self.switches.delay_ms:
                await asyncio.sleep(self.switches.delay_ms / 1000)
            retries = await self._deliver(delivery)
            if self.switches.duplicate:
                await self._send(delivery, retries + 1)

    async def _deliver(self, delivery: Delivery) -> int:
        attempt = 0
        while True:
            status = await self._send(delivery, attempt)
            retryable = status == 0 or status in RETRY_STATUSES or status >= 500
            if not retryable or attempt >= self.switches.max_retries:
                return attempt
            await asyncio.sleep(self.switches.retry_backoff_ms / 1000 * 2**attempt)
            attempt += 1

    async def _send(self, delivery: Delivery, attempt: int) -> int:
        now = int(time.time())  # real time: receivers verify `exp` against their own clock
        claims = {
            "iss": delivery.client_id,
            "sub": delivery.actor_id or "addon:system",
            "iat": now,
            "exp": now + self.config.webhook_jwt_ttl_seconds,
            "jti": uuid.uuid4().hex,
            "context": {},
        }
        headers = {
            "Authorization": f"Bearer {jwt.encode(claims, delivery.secret, algorithm='HS256')}",
            "X-Atlassian-Webhook-Identifier": delivery.identifier,
            "X-Atlassian-Webhook-Flow": delivery.flow,
            "User-Agent": "Atlassian Webhook HTTP Client",
        }
        if attempt:
            headers["X-Atlassian-Webhook-Retry"] = str(attempt)
        record: dict[str, Any] = {
            "identifier": delivery.identifier,
            "url": delivery.url,
            "event": delivery.event,
            "attempt": attempt,
            "matchedWebhookIds": delivery.body.get("matchedWebhookIds"),
            "issueKey": (delivery.body.get("issue") or {}).get("key"),
        }
        try:
            response = await self._client().post(
                delivery.url,
                json=delivery.body,
                headers=headers,
                timeout=self.switches.timeout_seconds,
            )
            record["status"] = response.status_code
        except httpx.HTTPError as exc:
            record["status"], record["error"] = 0, type(exc).__name__
        self.attempts.append(record)
        return int(record["status"])

    def _client(self) -> httpx.AsyncClient:
        if self.client is None:
            self.client = httpx.AsyncClient(timeout=self.switches.timeout_seconds)
        return self.client

    async def aclose(self) -> None:
        for task in list(self.tasks):
            task.cancel()
        if self.client is not None:
            await self.client.aclose()
            self.client = None
