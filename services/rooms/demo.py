"""Development demo data: a PREMIUM demo user with a room to vote in."""

from __future__ import annotations

from models.rooms import Room
from models.users import Plan, User
from services.rooms.rooms import add_issue, create_room
from services.users.accounts import DEMO_EMAIL, dev_subject

DEMO_ISSUES = (
    ("Sign-in with SSO", "Let users sign in with their company identity provider."),
    ("Export estimates as CSV", "One row per issue with the agreed estimate."),
    ("Dark mode", None),
)


async def seed_demo_data() -> None:
    """Idempotent: creates the demo user (PREMIUM) and one demo room the first time only."""
    user, _ = await User.get_or_create(
        subject=dev_subject(DEMO_EMAIL),
        defaults={"email": DEMO_EMAIL, "name": "Demo", "plan": Plan.PREMIUM},
    )
    if await Room.filter(owner_id=user.id).exists():
        return
    room = await create_room(user, "Demo room")
    for title, description in DEMO_ISSUES:
        await add_issue(user, str(room.id), title, description, None)
