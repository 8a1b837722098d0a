"""Filters shared by the routers."""

from __future__ import annotations

from aiogram.filters import BaseFilter
from aiogram.types import CallbackQuery, Message


class IsAdmin(BaseFilter):
    """The sender is one of NIANBAO_ADMINS (workflow data `admins`)."""

    async def __call__(self, event: Message | CallbackQuery, admins: frozenset[int]) -> bool:
        return event.from_user is not None and event.from_user.id in admins


def is_admin(user_id: int | None, admins: frozenset[int]) -> bool:
    return user_id is not None and user_id in admins
