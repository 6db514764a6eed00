"""Users: upsert from token claims, plan changes."""

from __future__ import annotations

from core.auth import MAX_NAME, MAX_SUBJECT, Principal, issue_token
from core.db import fetch_models
from core.errors import ErrorCode, ServiceError, invalid
from core.text import checked_text
from models.users import Plan, User


async def upsert_user(principal: Principal) -> User:
    """The user behind a verified token, created on first sight, kept in step with its claims."""
    found = await fetch_models(User, "SELECT * FROM users WHERE subject = $1", principal.subject)
    user = found[0] if found else None
    if user is None:
        user, _ = await User.get_or_create(
            subject=principal.subject,
            defaults={"email": principal.email, "name": principal.name},
        )
    if user.email != principal.email or user.name != principal.name:
        user.email, user.name = principal.email, principal.name
        await user.save(update_fields=["email", "name", "updated_at"])
    return user


async def set_plan(email: str, plan: Plan) -> int:
    """Set the plan of every user with this email; the number of users changed."""
    updated = await User.filter(email__iexact=email).update(plan=plan)
    if not updated:
        raise ServiceError(ErrorCode.NOT_FOUND, f"No user with email {email!r}.", "email")
    return updated


DEV_SUBJECT_PREFIX = "dev|"


def dev_subject(email: str) -> str:
    return f"{DEV_SUBJECT_PREFIX}{email.strip().lower()}"


def dev_principal(email: str, name: str | None) -> Principal:
    """The principal devSignIn signs a token for; VALIDATION naming the field otherwise."""
    email = email.strip().lower()
    max_email = MAX_SUBJECT - len(DEV_SUBJECT_PREFIX)  # the subject is "dev|" + email
    checked_text(email, "email", max_length=max_email)
    if "@" not in email:
        raise invalid("Enter a valid email address.", "email")
    if name is not None:
        name = checked_text(name.strip(), "name", max_length=MAX_NAME) or None
    return Principal(subject=dev_subject(email), email=email, name=name)


DEMO_EMAIL = "demo@agilekit.dev"  # the development demo user (services/rooms/demo.py seeds it)


def demo_token(secret: str) -> str:
    """A development bearer token for the demo user (upserted on its first request)."""
    return issue_token(secret, subject=dev_subject(DEMO_EMAIL), email=DEMO_EMAIL, name="Demo")
