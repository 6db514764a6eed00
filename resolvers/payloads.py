"""Mutations whose expected failures are their payload's `errors` (Saleor's BaseMutation).

`payload_mutation(description)` declares a mutation with the PayloadErrors extension, which
handles, once for every mutation:
- the arguments: a string anywhere in them holding NUL, a lone surrogate or more than
  MAX_ARGUMENT_CHARACTERS is refused with a VALIDATION error naming its field (an input's
  field by its own name), before the resolver runs (services apply their own, tighter rules);
- a ServiceError raised by the resolver: the payload with that error in `errors`;
- an AccessDenied: a top-level FORBIDDEN with its message.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from typing import Any

import strawberry
from strawberry.extensions import FieldExtension
from strawberry.types.field import StrawberryField
from strawberry.utils.str_converters import to_camel_case

from core.errors import AccessDenied, ErrorCode, ServiceError
from core.text import text_problem
from resolvers.errors import Forbidden
from schema.types.common import UserError

MAX_ARGUMENT_CHARACTERS = 20_000  # the longest text any mutation takes (a description)


def payload_mutation(description: str) -> Any:
    return strawberry.mutation(description=description, extensions=[PayloadErrors()])


def argument_problem(value: object, path: str) -> ServiceError | None:
    """The first unacceptable string in an argument value (inputs and lists included)."""
    if isinstance(value, str):
        problem = text_problem(value, max_length=MAX_ARGUMENT_CHARACTERS, multiline=True)
        return ServiceError(ErrorCode.VALIDATION, f"{path} {problem}.", path) if problem else None
    if isinstance(value, list | tuple):
        for item in value:
            if found := argument_problem(item, path):
                return found
        return None
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        for field in dataclasses.fields(value):
            # An input's fields are named as the domain names them: `name`, not `input.name`.
            name = to_camel_case(field.name)
            if found := argument_problem(getattr(value, field.name), name):
                return found
    return None


class PayloadErrors(FieldExtension):
    def apply(self, field: StrawberryField) -> None:
        self.field = field

    async def resolve_async(
        self, next_: Callable[..., Awaitable[Any]], source: Any, info: Any, **kwargs: Any
    ) -> Any:
        try:
            for name, value in kwargs.items():
                if problem := argument_problem(value, to_camel_case(name)):
                    raise problem
            return await next_(source, info, **kwargs)
        except ServiceError as error:
            return self.payload_type(errors=[UserError.from_service_error(error)])
        except AccessDenied as denied:
            raise Forbidden(denied.message) from None

    @property
    def payload_type(self) -> Any:
        return self.field.type
