"""OpenTelemetry traces: off unless OTEL_EXPORTER_OTLP_ENDPOINT is set.

`start_tracing(settings, service)` is the one entry point: with no endpoint (and no test
exporter) it returns `Tracing.off()`, a no-op tracer, and sets up nothing. With an endpoint it
builds this process's TracerProvider (never the global one) with the OTLP HTTP exporter behind
a batch processor; the service name is OTEL_SERVICE_NAME, else `agilekit-server` or
`agilekit-worker`. The SDK reads the other OTEL_* variables (headers, timeouts, sampler) itself.
Importing this module sets up nothing.

Span attributes hold ids, names, methods, path templates and statuses: never a token, a
secret, an email, issue text, a header or a URL with its query string.

Crossing into a job: a job takes ids only, so the W3C `traceparent` of the span that queued it
is kept beside the queue, keyed by the job's subject (`TraceCarrier`: in Redis with a TTL when
REDIS_URL is set, else in this process's memory, bounded, with the same TTL). The job reads it
and starts its span as the child of that context; a missing or expired one starts a new trace.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import redis.asyncio as aioredis
from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    SimpleSpanProcessor,
    SpanExporter,
)
from opentelemetry.trace import Span, SpanKind, Status, StatusCode, Tracer
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from core.settings import Settings

log = logging.getLogger(__name__)

SERVER_SERVICE = "agilekit-server"
WORKER_SERVICE = "agilekit-worker"
TRACER_NAME = "agilekit"
CARRIER_TTL_S = 24 * 3600  # a delivery's job runs within seconds; retries within the hour
MAX_LOCAL_CARRIERS = 10_000
_PROPAGATOR = TraceContextTextMapPropagator()

__all__ = ["Span", "SpanKind", "Status", "StatusCode"]


@dataclass
class Tracing:
    """This process's tracer, and the provider to flush at exit (None: tracing is off)."""

    tracer: Tracer
    provider: TracerProvider | None = None

    @classmethod
    def off(cls) -> Tracing:
        return cls(trace.NoOpTracer())

    @property
    def enabled(self) -> bool:
        return self.provider is not None

    def shutdown(self) -> None:
        if self.provider is not None:
            self.provider.shutdown()  # flushes the batch processor


def start_tracing(
    settings: Settings, service: str, *, exporter: SpanExporter | None = None
) -> Tracing:
    """The process's Tracing: off without an OTLP endpoint, unless a test passes `exporter`
    (spans are then exported as each ends, not batched)."""
    if exporter is None and not settings.otel_exporter_otlp_endpoint:
        return Tracing.off()
    resource = Resource.create({SERVICE_NAME: settings.otel_service_name or service})
    provider = TracerProvider(resource=resource)
    if exporter is None:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        endpoint = str(settings.otel_exporter_otlp_endpoint).rstrip("/")
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(f"{endpoint}/v1/traces")))
        log.info("traces exported over OTLP HTTP as %s", resource.attributes[SERVICE_NAME])
    else:
        provider.add_span_processor(SimpleSpanProcessor(exporter))
    return Tracing(provider.get_tracer(TRACER_NAME), provider)


def current_traceparent() -> str | None:
    """The W3C traceparent of the current span, or None when no span is recording."""
    carrier: dict[str, str] = {}
    _PROPAGATOR.inject(carrier)
    return carrier.get("traceparent")


def context_from(traceparent: str | None) -> Context | None:
    """The context a traceparent names, or None (start a new trace)."""
    if not traceparent:
        return None
    return _PROPAGATOR.extract({"traceparent": traceparent})


@contextlib.contextmanager
def failing_span(span: Span) -> Iterator[Span]:
    """Mark `span` as an error (type only, never the message) when the block raises."""
    try:
        yield span
    except BaseException as exc:
        span.set_status(Status(StatusCode.ERROR, type(exc).__name__))
        raise


def safe_attributes(attributes: Mapping[str, Any]) -> dict[str, Any]:
    """Attributes with the None values left out (OpenTelemetry refuses None)."""
    return {key: value for key, value in attributes.items() if value is not None}


class TraceCarrier:
    """traceparents keyed by a job's subject (e.g. `webhook:42`), for the job to continue the
    trace without carrying it in its arguments: Redis with a TTL, else this process's memory."""

    def __init__(self, redis: aioredis.Redis | None, prefix: str, ttl_s: int = CARRIER_TTL_S):
        self.redis = redis
        self.prefix = prefix
        self.ttl_s = ttl_s
        self._local: OrderedDict[str, tuple[float, str]] = OrderedDict()

    def _key(self, subject: str) -> str:
        return f"{self.prefix}:traceparent:{subject}"

    async def save(self, subject: str) -> None:
        """Keep the current span's traceparent for `subject` (nothing when none is recording).
        Never raises: a lost trace link must not fail the work."""
        traceparent = current_traceparent()
        if traceparent is None:
            return
        if self.redis is None:
            self._local[subject] = (time.monotonic() + self.ttl_s, traceparent)
            self._local.move_to_end(subject)
            while len(self._local) > MAX_LOCAL_CARRIERS:
                self._local.popitem(last=False)
            return
        try:
            await self.redis.set(self._key(subject), traceparent, ex=self.ttl_s)
        except Exception as exc:  # Redis down: the job starts a trace of its own
            log.warning("traceparent for %s not kept: %s", subject, type(exc).__name__)

    async def load(self, subject: str) -> Context | None:
        """The saved context for `subject`, or None (never saved, expired, Redis down)."""
        if self.redis is None:
            found = self._local.get(subject)
            if found is None or found[0] < time.monotonic():
                return None
            return context_from(found[1])
        try:
            raw = await self.redis.get(self._key(subject))
        except Exception as exc:
            log.warning("traceparent for %s not read: %s", subject, type(exc).__name__)
            return None
        value = raw.decode() if isinstance(raw, bytes) else raw
        return context_from(value)
