"""The label functions keep every label bounded and free of URLs; the allow-list check."""

from __future__ import annotations

import pytest

from core.metrics import (
    ANONYMOUS,
    OTHER,
    BoundedLabels,
    Metrics,
    endpoint_label,
    method_label,
    operation_name_label,
    rate_limit_reason_label,
    status_label,
)
from jira_cloud.budget import endpoint_template
from web.metrics import allowed_networks, peer_allowed


def test_operation_names_known_then_capped() -> None:
    names = BoundedLabels({"RoomPage"}, max_extra=3)
    got = {operation_name_label(names, f"Made{n}") for n in range(10)}
    assert got == {"Made0", "Made1", "Made2", OTHER}
    assert operation_name_label(names, "RoomPage") == "RoomPage"  # the manifest's never fold
    assert operation_name_label(names, "Made1") == "Made1"  # admitted ones stay
    assert operation_name_label(names, None) == ANONYMOUS
    assert operation_name_label(names, "not a name; drop") == OTHER
    assert operation_name_label(BoundedLabels(), "x" * 200) == OTHER


def test_jira_labels_hold_templates_not_urls() -> None:
    endpoints = BoundedLabels(max_extra=2)
    template = endpoint_template("/rest/api/3/issue/PLAT-12/comment?expand=x")
    assert endpoint_label(endpoints, template) == "rest/api/3/issue/{id}/comment"
    field = endpoint_template("rest/api/3/field/customfield_10026/context")
    assert endpoint_label(endpoints, field) == "rest/api/3/field/{field}/context"
    assert endpoint_label(endpoints, "https://evil.example/x") == OTHER
    assert endpoint_label(endpoints, "rest/api/3/myself") == OTHER  # over the cap
    assert method_label("put") == "PUT" and method_label("BREW") == OTHER
    assert (status_label(None), status_label(429), status_label(7)) == ("error", "429", OTHER)


def test_rate_limit_reasons_bounded() -> None:
    assert rate_limit_reason_label("Jira-Burst-Based ") == "jira-burst-based"
    assert rate_limit_reason_label(None) == "none"
    assert rate_limit_reason_label("token=abc123") == OTHER


def test_metrics_have_registries_of_their_own() -> None:
    first, second = Metrics(), Metrics()  # no duplicate-registration error
    first.estimate_pushes.labels("PUSHED").inc()
    assert b'agilekit_estimate_pushes_total{outcome="PUSHED"} 1.0' in first.render()
    assert b'outcome="PUSHED"' not in second.render()


@pytest.mark.parametrize(
    ("host", "allowed"),
    [("127.0.0.1", True), ("::1", True), ("::ffff:127.0.0.1", True), ("10.0.0.5", True),
     ("10.1.0.5", False), ("192.168.1.1", False), (None, False), ("testclient", False)],
)  # fmt: skip
def test_peer_allowed(host: str | None, allowed: bool) -> None:
    networks = allowed_networks(["127.0.0.1", "::1", "10.0.0.0/16"])
    assert peer_allowed(host, networks) is allowed
