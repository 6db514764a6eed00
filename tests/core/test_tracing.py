"""core/tracing.py: off without an OTLP endpoint, the OTLP exporter and service name with one,
and the traceparent carrier (memory and Redis) a job continues its trace from."""

from __future__ import annotations

import asyncio

import pytest
import redis.asyncio as aioredis
from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.trace.export import BatchSpanProcessor

from core.settings import Settings
from core.tracing import SERVER_SERVICE, WORKER_SERVICE, TraceCarrier, Tracing, start_tracing
from tests.tracing_support import recording


def test_off_without_an_endpoint_sets_nothing_up() -> None:
    tracing = start_tracing(Settings(otel_exporter_otlp_endpoint=None), SERVER_SERVICE)
    assert tracing.provider is None and not tracing.enabled
    assert isinstance(tracing.tracer, trace.NoOpTracer)
    assert not isinstance(trace.get_tracer_provider(), trace.NoOpTracerProvider)
    assert type(trace.get_tracer_provider()).__name__ == "ProxyTracerProvider"  # none installed
    tracing.shutdown()  # harmless


def test_an_endpoint_exports_over_otlp_http_as_the_process_service(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("OTEL_SERVICE_NAME", raising=False)
    settings = Settings(otel_exporter_otlp_endpoint="http://collector.test:4318/")
    for service in (SERVER_SERVICE, WORKER_SERVICE):
        tracing = start_tracing(settings, service)
        assert tracing.provider is not None
        assert tracing.provider.resource.attributes["service.name"] == service
        processors = tracing.provider._active_span_processor._span_processors
        assert len(processors) == 1 and isinstance(processors[0], BatchSpanProcessor)
        exporter = processors[0]._batch_processor._exporter
        assert isinstance(exporter, OTLPSpanExporter)
        assert exporter._endpoint == "http://collector.test:4318/v1/traces"
        tracing.provider.shutdown()
    assert type(trace.get_tracer_provider()).__name__ == "ProxyTracerProvider"


def test_otel_service_name_is_honoured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTEL_SERVICE_NAME", "agilekit-eu")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector.test:4318")
    tracing = start_tracing(Settings(), WORKER_SERVICE)
    assert tracing.provider is not None
    assert tracing.provider.resource.attributes["service.name"] == "agilekit-eu"
    tracing.provider.shutdown()


async def continued(tracing: Tracing, carrier: TraceCarrier, subject: str) -> tuple[int, int]:
    """(trace id, parent span id) of a span started from `subject`'s saved context."""
    context = await carrier.load(subject)
    with tracing.tracer.start_as_current_span("job", context=context) as span:
        parent = span.parent  # type: ignore[attr-defined]
        return span.get_span_context().trace_id, parent.span_id if parent else 0


async def test_memory_carrier_hands_the_traceparent_over_and_forgets_it() -> None:
    tracing, _ = recording(Settings())
    carrier = TraceCarrier(None, "t", ttl_s=1)
    with tracing.tracer.start_as_current_span("request") as request:
        await carrier.save("jira-webhook:1")
    ids = request.get_span_context()
    assert await continued(tracing, carrier, "jira-webhook:1") == (ids.trace_id, ids.span_id)
    assert await carrier.load("jira-webhook:2") is None
    await carrier.save("jira-webhook:3")  # no span recording: nothing kept
    assert await carrier.load("jira-webhook:3") is None
    carrier._local["jira-webhook:1"] = (0.0, carrier._local["jira-webhook:1"][1])  # expired
    assert await carrier.load("jira-webhook:1") is None


async def test_redis_carrier_crosses_processes_with_a_ttl(
    redis_client: aioredis.Redis, redis_prefix: str
) -> None:
    tracing, _ = recording(Settings())
    writer, reader = (
        TraceCarrier(redis_client, redis_prefix),
        TraceCarrier(redis_client, redis_prefix),
    )
    with tracing.tracer.start_as_current_span("request") as request:
        await writer.save("jira-webhook:7")
    ids = request.get_span_context()
    assert await continued(tracing, reader, "jira-webhook:7") == (ids.trace_id, ids.span_id)
    ttl = await redis_client.ttl(f"{redis_prefix}:traceparent:jira-webhook:7")
    assert 0 < ttl <= writer.ttl_s
    short = TraceCarrier(redis_client, redis_prefix, ttl_s=1)
    with tracing.tracer.start_as_current_span("request"):
        await short.save("jira-webhook:8")
    await asyncio.sleep(1.2)
    assert await reader.load("jira-webhook:8") is None
