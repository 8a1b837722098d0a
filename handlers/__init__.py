"""aiogram routers, one module per conversation; `get_routers()` returns them in the order they match.

Each module builds its Router in `get_router()` (a fresh one per dispatcher, so tests and
`nianbao try` can run several dispatchers in one process). The questions router comes last:
any text that no command claimed is a question.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # handlers.i18n is read before aiogram is loaded (bot.early)
    from aiogram import Router


def get_routers() -> list[Router]:
    from handlers import common, documents, library, links, questions, reminders

    # reminders before documents (a CSV/XLSX roster is not a report) and questions (the deadline question);
    # links before questions (a message with a link to a report is that report)
    return [
        common.get_router(),
        reminders.get_router(),
        library.get_router(),
        documents.get_router(),
        links.get_router(),
        questions.get_router(),
    ]
