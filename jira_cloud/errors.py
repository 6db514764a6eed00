"""Typed failures of Jira Cloud calls. Messages carry Jira's words, never a token."""

from __future__ import annotations


class JiraError(Exception):
    """Any failure of a Jira Cloud call; `status` is the HTTP status when there was one."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class Unauthorized(JiraError):
    """The token was refused even after one refresh: the user must reconnect."""


class ScopeMismatch(JiraError):
    """401 "scope does not match": the grant lacks a scope; only re-consent helps."""


class NotFound(JiraError):
    """404: missing, or hidden from this user (Jira does not say which)."""


class Forbidden(JiraError):
    """403: the user may not do this on this site."""


class RateLimited(JiraError):
    """429 whose Retry-After exceeds what the caller agreed to wait (or retries ran out)."""

    def __init__(self, message: str, retry_after: float | None, status: int = 429) -> None:
        super().__init__(message, status)
        self.retry_after = retry_after


class BadRequest(JiraError):
    """400 (or 409/422): Jira rejected the request; `errors` is Jira's field -> message map."""

    def __init__(
        self, message: str, status: int = 400, errors: dict[str, str] | None = None
    ) -> None:
        super().__init__(message, status)
        self.errors = errors or {}


class FieldNotEditable(BadRequest):
    """A field cannot be set: not on the edit screen, unknown, or estimation switched off."""

    @property
    def field_ids(self) -> list[str]:
        return list(self.errors)


class InvalidValue(BadRequest):
    """A field refused the value (wrong type, out of range)."""


class SprintsNotSupported(BadRequest):
    """A kanban or simple board: "The board does not support sprints"."""


class Unavailable(JiraError):
    """5xx or a transport failure that retries did not overcome (or that was not retryable)."""
