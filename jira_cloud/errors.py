"""Typed failures of Jira Cloud calls. Messages carry Jira's words, never a token."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Awaitable, Callable
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")
T = TypeVar("T")


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


class MalformedResponse(Unavailable):
    """Jira answered 2xx with a body that is not JSON, or not of the shape its API documents."""


class InvalidArgument(ValueError):
    """The caller asked for something the API cannot do (not Jira's fault: never wrapped)."""


_SHAPE_ERRORS = (KeyError, TypeError, ValueError, AttributeError, IndexError, OverflowError)


def parsed(method: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
    """Turn a failure to read Jira's answer (a key missing, a value of the wrong type) into
    MalformedResponse, so callers see a typed Jira error rather than an internal one."""

    @functools.wraps(method)
    async def guarded(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return await method(*args, **kwargs)
        except InvalidArgument:
            raise
        except _SHAPE_ERRORS as exc:
            raise MalformedResponse(
                f"Jira answered in an unexpected shape ({type(exc).__name__})."
            ) from exc

    return guarded


def parsed_methods(cls: type[T]) -> type[T]:
    """Apply `parsed` to every public coroutine method the class itself defines."""
    for name, value in list(vars(cls).items()):
        if not name.startswith("_") and inspect.iscoroutinefunction(value):
            setattr(cls, name, parsed(value))
    return cls
