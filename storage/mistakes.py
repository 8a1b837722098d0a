"""A mistake of the user's, already put in words (zh, en): the `nianbao` command prints it as one
line and exits 2 (see bot.mistakes for the mistakes recognised from library exceptions)."""

from __future__ import annotations


class UserMistake(Exception):
    def __init__(self, zh: str, en: str) -> None:
        super().__init__(en)
        self.zh, self.en = zh, en
