"""`nianbao demo [DIR]` (`make demo`): the bot in the terminal with the sample reports loaded (or,
where the bot is not installed, the check of every sample)."""

from __future__ import annotations

from pathlib import Path


def main(argv: list[str]) -> int:
    folder = Path(argv[0]) if argv else Path("../shared/samples")
    try:
        import aiogram  # noqa: F401
    except ImportError:
        from bot.commands import check

        files = [str(p) for p in sorted(folder.iterdir()) if p.suffix in (".pdf", ".docx", ".txt", ".md", ".html")]
        return check.main(files)
    from bot.commands import chat

    return chat.main(["--preload", str(folder), *argv[1:]])
