"""The budget's pure parts: token-bucket maths, call keys, RateLimit-Reason scopes, and the
in-process budget on a clock the test moves."""

from __future__ import annotations

import pytest

from jira_cloud.buckets import LocalBudget, refill, take, take_all, wait_for
from jira_cloud.budget import (
    APP,
    ENDPOINT,
    ISSUE,
    SITE,
    Bucket,
    Call,
    Policy,
    call_for,
    endpoint_template,
    pause_scope,
)

TEN = Bucket(rate=10, burst=5)


def test_a_missing_state_is_a_full_bucket() -> None:
    assert refill(None, 100.0, TEN) == 5


def test_refill_by_elapsed_time_up_to_the_burst() -> None:
    assert refill((0.0, 100.0), 100.2, TEN) == pytest.approx(2.0)
    assert refill((1.0, 100.0), 200.0, TEN) == 5  # never above the burst
    assert refill((1.0, 100.0), 99.0, TEN) == 1.0  # a clock going back adds nothing


def test_take_one_token_or_say_how_long_to_wait() -> None:
    state, wait = take((1.5, 10.0), 10.0, TEN)
    assert wait == 0 and state == (pytest.approx(0.5), 10.0)
    again, wait = take(state, 10.0, TEN)
    assert again == state and wait == pytest.approx(0.05)  # half a token at 10/s
    assert wait_for(0.0, Bucket(2, 1), cost=1) == 0.5


def test_a_burst_then_the_rate() -> None:
    bucket, state, taken = Bucket(rate=8, burst=4), None, []
    for tick in range(65):  # ask 4 times every 1/64 s for a second (exact binary fractions)
        for _ in range(4):
            state, wait = take(state, tick / 64, bucket)
            taken += [tick] if wait == 0 else []
    assert taken == [0, 0, 0, 0, 8, 16, 24, 32, 40, 48, 56, 64]  # the burst, then 8 a second


def test_take_all_takes_from_every_bucket_or_from_none() -> None:
    slow = Bucket(rate=1, burst=1)
    states, wait = take_all([None, (0.0, 0.0)], 0.5, [TEN, slow])
    assert wait == pytest.approx(0.5) and states == [None, (0.0, 0.0)]
    states, wait = take_all([None, (0.0, 0.0)], 1.0, [TEN, slow])
    assert wait == 0 and states == [(4.0, 1.0), (0.0, 1.0)]


def test_endpoint_templates_hold_no_ids() -> None:
    assert endpoint_template("/rest/api/3/issue/PLAT-12/comment") == "rest/api/3/issue/{id}/comment"
    assert endpoint_template("rest/api/3/issue/10042") == "rest/api/3/issue/{id}"
    assert endpoint_template("rest/agile/1.0/board/7/sprint?state=active") == (
        "rest/agile/1.0/board/{id}/sprint"
    )
    assert endpoint_template("rest/api/3/search/jql") == "rest/api/3/search/jql"


def test_calls_name_the_issue_they_write() -> None:
    assert call_for("c1", "put", "rest/api/3/issue/plat-3").issue == "PLAT-3"
    assert call_for("c1", "POST", "/rest/api/3/issue/PLAT-3/comment").issue == "PLAT-3"
    assert call_for("c1", "GET", "rest/api/3/issue/PLAT-3").issue is None  # a read
    assert call_for("c1", "POST", "rest/api/3/issue/bulkfetch").issue is None  # many issues
    call = call_for("c1", "PUT", "rest/api/3/issue/PLAT-3")
    assert call.route == "PUT rest/api/3/issue/{id}" and call.site == "c1"


@pytest.mark.parametrize(
    ("reason", "scope"),
    [
        ("jira-burst-based", ENDPOINT),
        ("jira-quota-tenant-based", SITE),
        ("jira-quota-based", SITE),
        ("jira-cost-based", SITE),
        ("jira-quota-global-based", APP),
        ("jira-quota-app-based", APP),
        ("jira-per-issue-on-write", ISSUE),
        (None, ENDPOINT),
        ("something-new", ENDPOINT),
    ],
)
def test_each_reason_holds_back_its_scope(reason: str | None, scope: str) -> None:
    assert pause_scope(reason, call_for("c1", "PUT", "rest/api/3/issue/PLAT-1")) == scope


def test_a_per_issue_reason_on_a_call_of_no_issue_holds_back_the_endpoint() -> None:
    assert pause_scope("jira-per-issue-on-write", call_for("c1", "GET", "rest/api/3/x")) == ENDPOINT


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_local_budget_app_and_site_buckets() -> None:
    clock = Clock()
    budget = LocalBudget(Policy(app=Bucket(4, 4), site=Bucket(2, 3)), clock)
    a, b = Call("A", "GET", "rest/api/3/myself"), Call("B", "GET", "rest/api/3/myself")
    assert [await budget.acquire(a) for _ in range(3)] == [0, 0, 0]
    assert await budget.acquire(a) == pytest.approx(0.5)  # site A is empty, 2/s
    assert await budget.acquire(b) == 0
    assert await budget.acquire(b) == pytest.approx(0.25)  # now the app (4/s) is empty
    clock.now += 0.5
    assert await budget.acquire(a) == 0


async def test_local_budget_spaces_writes_to_one_issue() -> None:
    clock = Clock()
    budget = LocalBudget(Policy(issue_write_interval=2.0), clock)
    one = call_for("A", "PUT", "rest/api/3/issue/PLAT-1")
    comment = call_for("A", "POST", "rest/api/3/issue/PLAT-1/comment")
    other = call_for("A", "PUT", "rest/api/3/issue/PLAT-2")
    assert await budget.acquire(one) == 0
    assert await budget.acquire(comment) == pytest.approx(2.0)
    assert await budget.acquire(other) == 0
    clock.now += 2.0
    assert await budget.acquire(comment) == 0


async def test_local_budget_pauses_what_a_429_names() -> None:
    clock = Clock()
    budget = LocalBudget(Policy(), clock)
    myself, field = Call("A", "GET", "rest/api/3/myself"), Call("A", "GET", "rest/api/3/field")
    other_site = Call("B", "GET", "rest/api/3/myself")
    await budget.penalize(myself, "jira-burst-based", 3)
    assert await budget.acquire(myself) == pytest.approx(3)
    assert await budget.acquire(field) == 0 and await budget.acquire(other_site) == 0
    await budget.penalize(field, "jira-quota-tenant-based", 5)
    assert await budget.acquire(myself) == pytest.approx(5)
    assert await budget.acquire(other_site) == 0
    await budget.penalize(field, "jira-quota-global-based", 1)  # never shortens a pause
    assert await budget.acquire(other_site) == pytest.approx(1)
    assert await budget.acquire(field) == pytest.approx(5)
    clock.now += 5
    assert await budget.acquire(myself) == 0 and await budget.acquire(other_site) == 0
