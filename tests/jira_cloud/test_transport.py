import httpx
import pytest

from jira_cloud.errors import (
    BadRequest,
    FieldNotEditable,
    Forbidden,
    InvalidValue,
    NotFound,
    RateLimited,
    ScopeMismatch,
    SprintsNotSupported,
    Unauthorized,
    Unavailable,
)
from jira_cloud.transport import error_for_response, join_url, parse_retry_after


def test_join_url_keeps_the_base_path() -> None:
    assert join_url("http://h:9/sandbox/api/", "/ex/jira/c1") == "http://h:9/sandbox/api/ex/jira/c1"
    assert (
        join_url("https://api.atlassian.com", "ex/jira/c") == "https://api.atlassian.com/ex/jira/c"
    )


def test_parse_retry_after_seconds_and_dates() -> None:
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after(" 0.5 ") == 0.5
    assert parse_retry_after("-4") == 0.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    now = 1_700_000_000.0  # 2023-11-14T22:13:20Z
    assert parse_retry_after("Tue, 14 Nov 2023 22:13:30 GMT", now=now) == 10.0


def response(
    status: int, body: object = None, headers: dict[str, str] | None = None
) -> httpx.Response:
    return httpx.Response(status, json=body, headers=headers)


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (401, {"code": 401, "message": "Unauthorized; scope does not match"}, ScopeMismatch),
        (401, {"code": 401, "message": "Unauthorized"}, Unauthorized),
        (403, {"errorMessages": ["No permission"], "errors": {}}, Forbidden),
        (404, {"errorMessages": ["Issue does not exist"], "errors": {}}, NotFound),
        (503, None, Unavailable),
        (400, {"errorMessages": ["The board does not support sprints"]}, SprintsNotSupported),
        (400, {"errorMessages": ["The board doesn't support sprints."]}, SprintsNotSupported),
        (
            400,
            {
                "errorMessages": [],
                "errors": {
                    "customfield_10016": "Field 'customfield_10016' cannot be set. "
                    "It is not on the appropriate screen, or unknown."
                },
            },
            FieldNotEditable,
        ),
        (
            400,
            {"errorMessages": [], "errors": {"customfield_1": "Operation value must be a number"}},
            InvalidValue,
        ),
        (400, {"errorMessages": ["Unbounded JQL queries are not allowed here."]}, BadRequest),
        (410, {"errorMessages": ["The requested API has been removed."]}, BadRequest),
    ],
)
def test_error_for_response_types(status: int, body: object, expected: type) -> None:
    error = error_for_response(response(status, body))
    assert type(error) is expected
    assert error.status == status


def test_errors_carry_jira_words_and_field_map() -> None:
    error = error_for_response(
        response(
            400,
            {
                "errorMessages": ["Bad"],
                "errors": {"customfield_1": "Operation value must be a number"},
            },
        )
    )
    assert isinstance(error, InvalidValue)
    assert error.errors == {"customfield_1": "Operation value must be a number"}
    assert error.message == "Bad; customfield_1: Operation value must be a number"
    limited = error_for_response(response(429, {}, {"Retry-After": "42"}))
    assert isinstance(limited, RateLimited) and limited.retry_after == 42.0
    plain = error_for_response(httpx.Response(502, text="<html>bad gateway</html>"))
    assert isinstance(plain, Unavailable) and plain.message == "Jira answered HTTP 502."
