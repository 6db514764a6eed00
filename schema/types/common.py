"""Shared GraphQL types: UserError and its code enum."""

from __future__ import annotations

import strawberry

from core.errors import ErrorCode as ErrorCodeEnum
from core.errors import ServiceError

ErrorCode = strawberry.enum(ErrorCodeEnum, name="ErrorCode")


@strawberry.type
class UserError:
    code: ErrorCode
    field: str | None
    message: str

    @classmethod
    def from_service_error(cls, error: ServiceError) -> UserError:
        return cls(code=error.code, field=error.field, message=error.message)
