"""Spans recorded in memory through core/tracing.py's entry point, and the secret check."""

from __future__ import annotations

from collections.abc import Iterable

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from core.settings import Settings
from core.tracing import SERVER_SERVICE, Tracing, start_tracing


def recording(settings: Settings) -> tuple[Tracing, InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    return start_tracing(settings, SERVER_SERVICE, exporter=exporter), exporter


def leaked(spans: Iterable[ReadableSpan], secrets: Iterable[str]) -> list[str]:
    """Every span attribute value (events' too) holding a secret, `Bearer` or a query string."""
    needles = [s for s in secrets if s] + ["Bearer", "?"]
    found = []
    for span in spans:
        values = [*(span.attributes or {}).values(), span.name]
        for event in span.events:
            values += list((event.attributes or {}).values())
        for value in values:
            found += [f"{span.name}: {value!r}" for n in needles if n in str(value)]
    return found
