"""resolvers.permissions through a small schema: top-level UNAUTHENTICATED / PREMIUM_REQUIRED."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import strawberry
from strawberry.types import Info

from core.auth import Principal
from core.settings import Settings
from models.users import Plan, User
from resolvers.permissions import require_premium, require_user
from schema.context import Context
from schema.extensions import MaskUnexpectedErrors
from services.runtime import Runtime


@strawberry.type
class Query:
    @strawberry.field
    async def member_only(self, info: Info[Context, None]) -> str:
        return (await require_user(info)).email

    @strawberry.field
    async def premium_only(self, info: Info[Context, None]) -> str:
        return (await require_premium(info)).email

    @strawberry.field
    def broken(self) -> str:
        raise RuntimeError("secret internals")


SCHEMA = strawberry.Schema(query=Query, extensions=[MaskUnexpectedErrors])


@pytest.fixture(autouse=True)
def _orm(database_url: str) -> None:
    """The helpers upsert users in the run's database."""


async def execute(query: str, **context: Any) -> tuple[Any, list[dict[str, Any]]]:
    ctx = Context(runtime=Runtime(Settings()), request=None, request_id="req-1", **context)  # type: ignore[arg-type]
    result = await SCHEMA.execute(query, context_value=ctx)
    return result.data, [error.formatted for error in result.errors or []]


async def principal(plan: Plan) -> Principal:
    email = f"perm-{uuid.uuid4().hex[:8]}@example.com"
    await User.create(subject=f"test|{email}", email=email, plan=plan)
    return Principal(subject=f"test|{email}", email=email, name=None)


@pytest.mark.parametrize("field", ["memberOnly", "premiumOnly"])
async def test_anonymous_is_unauthenticated(field: str) -> None:
    data, errors = await execute(f"{{ {field} }}")
    assert data is None
    assert [e["extensions"]["code"] for e in errors] == ["UNAUTHENTICATED"]


async def test_a_refused_token_is_unauthenticated_with_its_reason() -> None:
    _, errors = await execute("{ memberOnly }", auth_error="Token expired.")
    assert errors[0]["message"] == "Token expired."
    assert errors[0]["extensions"] == {"code": "UNAUTHENTICATED"}


async def test_free_user_is_premium_required() -> None:
    free = await principal(Plan.FREE)
    data, errors = await execute("{ memberOnly }", principal=free)
    assert data == {"memberOnly": free.email} and not errors
    _, errors = await execute("{ premiumOnly }", principal=free)
    assert [e["extensions"]["code"] for e in errors] == ["PREMIUM_REQUIRED"]


async def test_premium_user_passes() -> None:
    premium = await principal(Plan.PREMIUM)
    data, errors = await execute("{ premiumOnly }", principal=premium)
    assert data == {"premiumOnly": premium.email} and not errors


async def test_unexpected_errors_are_masked_but_auth_errors_are_not() -> None:
    _, errors = await execute("{ broken }")
    assert errors[0]["message"].startswith("Internal server error. Request id:")
    assert errors[0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    assert "secret internals" not in str(errors)
