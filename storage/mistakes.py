"""A mistake of the user's, already put in words (zh, en): the `nianbao` command prints it as one
line and exits 2 (see bot.mistakes for the mistakes recognised from library exceptions)."""

from __future__ import annotations

import logging
import sys


class UserMistake(Exception):
    def __init__(self, zh: str, en: str) -> None:
        super().__init__(en)
        self.zh, self.en = zh, en


class OneLineFormatter(logging.Formatter):
    """A log record as one line, without its traceback (shown with --debug only)."""

    def format(self, record: logging.LogRecord) -> str:
        return f"nianbao: {record.getMessage()}".splitlines()[0]


def one_line_logging(debug: bool = False) -> None:
    """Warnings and errors on stderr, one line each; with `debug` (--debug) everything, with
    tracebacks. For the terminal commands and their worker processes."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s") if debug
                         else OneLineFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if debug else logging.WARNING)
