"""Jira client failures as ServiceErrors (codes of core.errors.ErrorCode)."""

from __future__ import annotations

from core.errors import ErrorCode, ServiceError
from jira_cloud import errors as jira

_CODES: list[tuple[type[jira.JiraError], ErrorCode, str]] = [
    (
        jira.ScopeMismatch,
        ErrorCode.JIRA_SCOPE_MISSING,
        "Jira access lacks a permission: reconnect Jira.",
    ),
    (jira.Unauthorized, ErrorCode.NEEDS_REAUTH, "Jira refused our access: reconnect Jira."),
    (
        jira.NotFound,
        ErrorCode.JIRA_NOT_FOUND,
        "Jira says this does not exist or is hidden from you.",
    ),
    (jira.Forbidden, ErrorCode.JIRA_PERMISSION, "Jira does not allow you to do this."),
    (jira.RateLimited, ErrorCode.JIRA_RATE_LIMITED, "Jira is rate limiting us: try again shortly."),
    (
        jira.MalformedResponse,
        ErrorCode.JIRA_UNAVAILABLE,
        "Jira answered in an unexpected form: try again shortly.",
    ),
    (jira.Unavailable, ErrorCode.JIRA_UNAVAILABLE, "Jira is not answering: try again shortly."),
    (jira.BadRequest, ErrorCode.JIRA_REJECTED, "Jira rejected the request."),
]


class JiraServiceError(ServiceError):
    """A ServiceError that remembers the Jira failure (e.g. RateLimited.retry_after)."""

    def __init__(self, code: ErrorCode, message: str, cause: jira.JiraError) -> None:
        super().__init__(code, message)
        self.cause = cause

    @property
    def retry_after(self) -> float | None:
        return getattr(self.cause, "retry_after", None)


def service_error_for(error: jira.JiraError) -> JiraServiceError:
    """Our code and message; Jira's own words are appended for rejections (no secrets there)."""
    for kind, code, message in _CODES:
        if isinstance(error, kind):
            if code in (ErrorCode.JIRA_REJECTED, ErrorCode.JIRA_NOT_FOUND) and error.message:
                message = f"{message} Jira said: {error.message}"
            return JiraServiceError(code, message, error)
    return JiraServiceError(ErrorCode.JIRA_UNAVAILABLE, "Jira call failed.", error)
