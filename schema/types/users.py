from __future__ import annotations

import strawberry

from models.users import Plan as PlanEnum
from models.users import User as UserModel
from schema.types.common import UserError

Plan = strawberry.enum(PlanEnum, name="Plan")


@strawberry.type
class User:
    id: strawberry.ID
    email: str
    name: str | None
    plan: Plan

    @classmethod
    def from_model(cls, user: UserModel) -> User:
        return cls(id=strawberry.ID(str(user.id)), email=user.email, name=user.name, plan=user.plan)


@strawberry.type
class DevSignInPayload:
    token: str | None = None
    user: User | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)
