"""A GraphQL operation that calls Jira is one span with a client span per Jira request: method,
endpoint template and status, never the URL, its query string or the token."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from core.settings import Settings
from models.jira import JiraConnection
from schema.composition import build_schema
from schema.context import Context
from services.jira.tokens import ConnectionTokens
from services.runtime import Runtime
from tests.jira_support import (
    ACME_CLOUD_ID,
    InProcessSandbox,
    connect_user,
    make_runtime,
    make_user,
    new_account,
)
from tests.tracing_support import leaked, recording

pytestmark = pytest.mark.usefixtures("database_url")

FILTERS = """query TracedFilters($q: String) {
  jiraFilters(query: $q, first: 5) { edges { node { id name } } totalCount } }"""


@pytest.fixture(scope="module")
async def sandbox() -> AsyncIterator[InProcessSandbox]:
    async with InProcessSandbox() as own:
        yield own


@pytest.fixture
async def runtime(sandbox: InProcessSandbox) -> AsyncIterator[Runtime]:
    runtime = await make_runtime(sandbox, public_url="http://127.0.0.1:8124")
    yield runtime
    assert runtime.jira_http is not None
    await runtime.jira_http.aclose()


async def test_operation_span_has_a_client_span_per_jira_request(
    runtime: Runtime, sandbox: InProcessSandbox
) -> None:
    user = await make_user()
    account = await new_account(sandbox, [ACME_CLOUD_ID])
    await connect_user(runtime, user, account, site=ACME_CLOUD_ID, sandbox=sandbox)
    runtime.tracing, exporter = recording(runtime.settings)
    context = Context(runtime=runtime, request=None, request_id="t")  # type: ignore[arg-type]
    context.user = user
    result = await build_schema(Settings()).execute(
        FILTERS, {"q": "secret words?"}, context_value=context
    )
    assert result.errors is None and result.data is not None
    spans = exporter.get_finished_spans()
    operation = next(s for s in spans if s.name == "graphql query TracedFilters")
    assert operation.attributes["graphql.operation.type"] == "query"
    assert operation.attributes["graphql.operation.name"] == "TracedFilters"
    jira = [s for s in spans if s.name.startswith("jira ")]
    assert jira, [s.name for s in spans]
    for span in jira:
        assert span.context.trace_id == operation.context.trace_id
        assert span.parent is not None and span.parent.span_id == operation.context.span_id
        assert span.attributes["http.request.method"] == "GET"
        assert span.attributes["url.template"].startswith("rest/")
        assert span.attributes["http.response.status_code"] == 200
        assert span.name == f"jira GET {span.attributes['url.template']}"
    connection = await JiraConnection.get(user=user)
    access_token = await ConnectionTokens(runtime, connection.id).access_token()
    secrets = [access_token, runtime.settings.jira_client_secret, "secret words", user.email]
    assert leaked(spans, secrets) == []


async def test_tracing_is_off_without_an_otlp_endpoint(runtime: Runtime) -> None:
    assert runtime.settings.otel_exporter_otlp_endpoint is None
    assert not runtime.tracing.enabled and runtime.tracing.provider is None
    span = runtime.tracing.tracer.start_span("anything")
    assert not span.is_recording() and not span.get_span_context().is_valid
