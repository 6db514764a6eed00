"""Authentication and plan checks that resolvers call first; failures are top-level errors."""

from __future__ import annotations

from typing import TYPE_CHECKING

from strawberry.types import Info

from models.users import Plan, User
from resolvers.errors import PremiumRequired, Unauthenticated
from services.users.accounts import upsert_user

if TYPE_CHECKING:  # importing schema.context here would import every resolver (a cycle)
    from schema.context import Context


async def current_user(info: Info[Context, None]) -> User | None:
    """The signed-in user (upserted from the token once per request), or None if anonymous."""
    context = info.context
    if context.auth_error:
        raise Unauthenticated(context.auth_error)
    if context.user is None and context.principal is not None:
        context.user = await upsert_user(context.principal)
    return context.user


async def require_user(info: Info[Context, None]) -> User:
    user = await current_user(info)
    if user is None:
        raise Unauthenticated()
    return user


async def require_premium(info: Info[Context, None]) -> User:
    user = await require_user(info)
    if user.plan != Plan.PREMIUM:
        raise PremiumRequired()
    return user
