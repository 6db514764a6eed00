"""viewer and devSignIn."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from core.auth import issue_token
from core.errors import ErrorCode, ServiceError
from models.users import Plan as PlanEnum
from resolvers.payloads import payload_mutation
from resolvers.permissions import current_user
from schema.context import Context
from schema.types.users import DevSignInPayload, Plan, User
from services.users.accounts import dev_principal, upsert_user


@strawberry.type
class Query:
    @strawberry.field(description="The signed-in user, or null when anonymous.")
    async def viewer(self, info: Info[Context, None]) -> User | None:
        user = await current_user(info)
        return User.from_model(user) if user else None


@strawberry.type
class Mutation:
    @payload_mutation("Development only: a bearer token for this email.")
    async def dev_sign_in(
        self,
        info: Info[Context, None],
        email: str,
        name: str | None = None,
        plan: Plan | None = None,
    ) -> DevSignInPayload:
        settings = info.context.runtime.settings
        if not settings.is_development:
            raise ServiceError(ErrorCode.NOT_DEVELOPMENT, "devSignIn exists only in development.")
        principal = dev_principal(email, name)
        user = await upsert_user(principal)
        if plan is not None and user.plan != plan:
            user.plan = PlanEnum(plan)
            await user.save(update_fields=["plan", "updated_at"])
        token = issue_token(
            settings.auth_jwt_secret,
            subject=principal.subject,
            email=principal.email,
            name=principal.name,
        )
        return DevSignInPayload(token=token, user=User.from_model(user))
