"""DataLoaders, one group per domain, created fresh per request (and per subscription event)."""

from __future__ import annotations

from functools import cached_property

from strawberry.dataloader import DataLoader

from models.users import User


async def _load_users(ids: list[int]) -> list[User | None]:
    rows = {user.id: user for user in await User.filter(id__in=ids)}
    return [rows.get(i) for i in ids]


class Loaders:
    @cached_property
    def user(self) -> DataLoader[int, User | None]:
        return DataLoader(load_fn=_load_users)
