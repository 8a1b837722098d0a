"""Ordinary mistakes as one line in the user's language: what went wrong and what to do.

`explain(exc, lang)` turns the exceptions an everyday mistake raises (a path that does not exist or
cannot be written, a database or Redis server that cannot be reached, a URL that is not one, a bad
setting) into a sentence; anything else is a bug and gets None (the caller then says so in one
line too, and shows the traceback only with --debug). Exception classes of optional libraries are
recognised by name, so this module imports none of them.
"""

from __future__ import annotations

import errno
import os

from storage.mistakes import UserMistake

__all__ = ["UserMistake", "explain", "user_lang"]


def user_lang(argv: list[str]) -> str:
    """zh or en: `--lang X` on the command line, else NIANBAO_LANGUAGE, else the locale (zh unless
    it names another language)."""
    for i, a in enumerate(argv):
        if a == "--lang" and i + 1 < len(argv) and argv[i + 1] in ("zh", "en"):
            return argv[i + 1]
        if a in ("--lang=zh", "--lang=en"):
            return a[-2:]
    env = os.environ.get("NIANBAO_LANGUAGE", "").strip().lower()
    if env in ("zh", "en"):
        return env
    loc = (os.environ.get("LC_ALL") or os.environ.get("LC_MESSAGES") or os.environ.get("LANG") or "").lower()
    return "en" if loc[:2].isalpha() and not loc.startswith(("zh", "c.", "posix")) and loc != "c" else "zh"


def _names(exc: BaseException) -> set[str]:
    return {f"{c.__module__.split('.')[0]}.{c.__name__}" for c in type(exc).__mro__}


def _first_line(text: str, limit: int = 200) -> str:
    line = next((s.strip() for s in text.splitlines() if s.strip()), "")
    return line if len(line) <= limit else line[: limit - 1] + "…"


_OS_WORDS = {  # errno: (zh, en) of what is wrong with the path
    errno.ENOENT: ("不存在", "does not exist"),
    errno.EACCES: ("没有权限", "permission denied"),
    errno.EPERM: ("没有权限", "permission denied"),
    errno.EROFS: ("位于只读文件系统", "is on a read-only file system"),
    errno.EISDIR: ("是一个文件夹", "is a folder"),
    errno.ENOTDIR: ("路径中有一段不是文件夹", "has a part that is not a folder"),
    errno.EEXIST: ("已存在且不是文件夹", "already exists and is not a folder"),
    errno.ELOOP: ("是循环的符号链接", "is a symbolic link loop"),
    errno.ENOSPC: ("所在磁盘已满", "is on a full disk"),
    errno.ENAMETOOLONG: ("名字太长", "has too long a name"),
}


def _path_mistake(exc: OSError) -> tuple[str, str]:
    path = os.fsdecode(exc.filename)
    zh_what, en_what = _OS_WORDS.get(exc.errno or 0, (exc.strerror or str(exc), exc.strerror or str(exc)))
    data_dir = os.environ.get("NIANBAO_DATA_DIR")
    if data_dir and os.path.abspath(path).startswith(os.path.abspath(data_dir)):
        return (f"数据文件夹 {data_dir} 无法使用：{path} {zh_what}。请把 NIANBAO_DATA_DIR 设为一个可写的文件夹。",
                f"the data folder {data_dir} cannot be used: {path} {en_what}. "
                "Set NIANBAO_DATA_DIR to a folder you can write to.")
    if path.startswith("/proc") or path.startswith("/sys"):
        en_what = f"{en_what} (/proc and /sys hold no ordinary files)"
        zh_what = f"{zh_what}（/proc 和 /sys 里不能存放普通文件）"
    return (f"{path} {zh_what}：请检查路径，或换一个可写的位置。",
            f"{path} {en_what}: check the path, or choose a place you can write to.")


def _server_mistake(detail: str) -> tuple[str, str]:
    return (f"连不上数据库或 Redis 服务器（{detail}）：请确认服务器在运行，"
            "并检查 NIANBAO_DATABASE_URL / NIANBAO_REDIS_URL（或 --database-url）。",
            f"cannot reach the database or Redis server ({detail}): check that it runs, "
            "and check NIANBAO_DATABASE_URL / NIANBAO_REDIS_URL (or --database-url).")


def _db_mistake(detail: str) -> tuple[str, str]:
    return (f"无法使用数据库服务器（{detail}）：请确认它在运行、数据库已建好，并检查 NIANBAO_DATABASE_URL（或 --database-url）。",
            f"cannot use the database server ({detail}): check that it runs and the database exists, "
            "and check NIANBAO_DATABASE_URL (or --database-url).")


def _redis_mistake(detail: str) -> tuple[str, str]:
    return (f"连不上 Redis（{detail}）：请确认它在运行，并检查 NIANBAO_REDIS_URL。",
            f"cannot reach Redis ({detail}): check that it runs, and check NIANBAO_REDIS_URL.")


def _explain_pair(exc: BaseException) -> tuple[str, str] | None:
    names = _names(exc)
    if isinstance(exc, UserMistake):
        return exc.zh, exc.en
    if "pydantic_core.ValidationError" in names or "pydantic.ValidationError" in names:
        errors = exc.errors()  # type: ignore[attr-defined]
        bad = errors[0] if errors else {}
        field = "NIANBAO_" + str((bad.get("loc") or ("?",))[0]).upper()
        msg = _first_line(str(bad.get("msg", exc)))
        return (f"设置 {field} 的值不对（{msg}）：请改正环境变量或 .env 文件。",
                f"the setting {field} is wrong ({msg}): correct the environment variable or the .env file.")
    if "sqlalchemy.ArgumentError" in names or "sqlalchemy.NoSuchModuleError" in names:
        detail = _first_line(str(exc))
        return (f"数据库地址不对（{detail}）：应形如 postgresql+asyncpg://user@host/db 或 sqlite+aiosqlite:///path。",
                f"the database URL is not valid ({detail}): it looks like postgresql+asyncpg://user@host/db "
                "or sqlite+aiosqlite:///path.")
    if "aiogram.TelegramUnauthorizedError" in names:
        return ("Telegram 拒绝了这个机器人令牌：请检查 NIANBAO_BOT_TOKEN（在 @BotFather 那里获取）。",
                "Telegram refused the bot token: check NIANBAO_BOT_TOKEN (you get it from @BotFather).")
    if "aiogram.TelegramNetworkError" in names:
        detail = _first_line(str(exc))
        return (f"连不上 Telegram（{detail}）：请检查网络，或 NIANBAO_API_BASE。",
                f"cannot reach Telegram ({detail}): check the network, or NIANBAO_API_BASE.")
    if "redis.ConnectionError" in names or "redis.TimeoutError" in names:
        return _redis_mistake(_first_line(str(exc)))
    if names & {"sqlalchemy.OperationalError", "sqlalchemy.InterfaceError", "asyncpg.PostgresError",
                "asyncpg.InterfaceError", "sqlalchemy.DBAPIError"}:
        orig = getattr(exc, "orig", None) or exc
        detail = _first_line(str(orig))
        if "sqlite" in str(getattr(exc, "statement", "") or "").lower() or "database is locked" in detail:
            return (f"数据库出错（{detail}）：请检查数据文件夹和 NIANBAO_DATABASE_URL。",
                    f"database error ({detail}): check the data folder and NIANBAO_DATABASE_URL.")
        return _db_mistake(detail)
    if isinstance(exc, OSError):
        if exc.filename is not None:
            return _path_mistake(exc)
        if isinstance(exc, ConnectionError | TimeoutError) or exc.errno in (errno.ECONNREFUSED, errno.EHOSTUNREACH,
                                                                           errno.ENETUNREACH, errno.ETIMEDOUT):
            return _server_mistake(_first_line(str(exc)) or type(exc).__name__)
        if "socket.gaierror" in names:
            return _server_mistake(f"unknown host: {_first_line(str(exc))}")
    return None


def explain(exc: BaseException, lang: str) -> str | None:
    """One line saying what went wrong and what to do, or None when `exc` is not an ordinary mistake."""
    seen: set[int] = set()
    pair = None
    cur: BaseException | None = exc
    while cur is not None and pair is None and id(cur) not in seen:  # a wrapped cause counts too
        seen.add(id(cur))
        pair = _explain_pair(cur)
        cur = cur.__cause__ or cur.__context__
    if pair is None:
        return None
    return pair[0] if lang == "zh" else pair[1]
