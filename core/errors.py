"""The domain's error vocabulary: payload error codes, expected failures, access denied, retry."""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    """Codes of `UserError.code`: expected failures returned in mutation payloads."""

    VALIDATION = "VALIDATION"
    NOT_FOUND = "NOT_FOUND"
    INVALID_STATE = "INVALID_STATE"
    NOT_ALLOWED = "NOT_ALLOWED"
    NOT_DEVELOPMENT = "NOT_DEVELOPMENT"
    NOT_CONNECTED = "NOT_CONNECTED"
    NEEDS_REAUTH = "NEEDS_REAUTH"
    INVALID_STATE_TOKEN = "INVALID_STATE_TOKEN"
    OAUTH_FAILED = "OAUTH_FAILED"
    JIRA_NOT_FOUND = "JIRA_NOT_FOUND"
    JIRA_PERMISSION = "JIRA_PERMISSION"
    JIRA_SCOPE_MISSING = "JIRA_SCOPE_MISSING"
    JIRA_RATE_LIMITED = "JIRA_RATE_LIMITED"
    JIRA_UNAVAILABLE = "JIRA_UNAVAILABLE"
    JIRA_REJECTED = "JIRA_REJECTED"
    NOT_LINKED = "NOT_LINKED"
    NOT_MAPPED = "NOT_MAPPED"


class ServiceError(Exception):
    """An expected failure raised by services/ and mapped to a payload `UserError`."""

    def __init__(self, code: ErrorCode, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field


def invalid(message: str, field: str | None = None) -> ServiceError:
    """A VALIDATION failure of the named input field."""
    return ServiceError(ErrorCode.VALIDATION, message, field)


class AccessDenied(Exception):
    """The domain's "you may not": the API answers a top-level FORBIDDEN with this message."""

    default_message = "You are not allowed to do this."

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.default_message)
        self.message = message or self.default_message


class TryLater(Exception):
    """A transient failure: run the same work again in `after_s` seconds (the job layer turns
    it into its queue's retry)."""

    def __init__(self, after_s: float) -> None:
        super().__init__(f"try again in {after_s:.1f} s")
        self.after_s = after_s
