"""The settings: environment variables prefixed NIANBAO_ (the only place that reads them).

`Settings` (pydantic, bot.settings.model) holds them all and also reads a .env file beside the
process; the bot, `nianbao try` and `nianbao doctor` use it. The commands that must start fast
(check, ask, ingest, export, db) read the few they need as `Basics`, with the same names and
defaults, without loading pydantic: its import alone costs more than checking a text report.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

TYPE_CHECKING = False  # as typing's; importing typing would cost each `nianbao check` process 2 ms
if TYPE_CHECKING:
    from typing import Any

    from bot.settings.model import Settings

__all__ = ["DEFAULT_MAX_MEMORY_MB", "DEFAULT_MAX_UPLOAD_MB", "LOCAL_TOKEN", "Basics", "Settings", "sqlite_url"]

PREFIX = "NIANBAO_"
# The token of the local Bot API server (localapi), which accepts no other (`nianbao try`, the tests).
LOCAL_TOKEN = "100000001:nianbao-local-bot-api"
DEFAULT_MAX_UPLOAD_MB = 20
DEFAULT_MAX_MEMORY_MB = 2048  # address space of a process reading one file: real reports need < 300 MB, OCR of a scan about 1.7 GB
MIB = 1024 * 1024


def sqlite_url(data_dir: Path) -> str:
    """The default store: SQLite nianbao.db in data_dir (created)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    return f"sqlite+aiosqlite:///{(data_dir / 'nianbao.db').resolve()}"


def _number(raw: str | None, default: float) -> float:
    try:
        return float(raw) if raw is not None else default
    except ValueError:
        return default


@dataclass(frozen=True)
class Basics:
    """The settings of the terminal commands that do not run the bot."""

    database_url: str | None = None  # None: SQLite nianbao.db in data_dir
    data_dir: Path = Path("data")
    language: str = "zh"
    max_upload_mb: float = DEFAULT_MAX_UPLOAD_MB
    max_memory_mb: float = DEFAULT_MAX_MEMORY_MB
    debug: bool = field(default=False)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> Basics:
        """From the environment; a number that is not one keeps its default, as the engine always did."""

        def get(name: str) -> str | None:
            return environ.get(PREFIX + name) or None

        lang = (get("LANGUAGE") or "zh").strip().lower()
        return cls(
            database_url=get("DATABASE_URL"),
            data_dir=Path(get("DATA_DIR") or "data"),
            language=lang if lang in ("zh", "en") else "zh",
            max_upload_mb=_number(get("MAX_UPLOAD_MB"), DEFAULT_MAX_UPLOAD_MB),
            max_memory_mb=_number(get("MAX_MEMORY_MB"), DEFAULT_MAX_MEMORY_MB),
            debug=bool(get("DEBUG")),
        )

    def db_url(self, explicit: str | None = None) -> str:
        """The database URL: `explicit` (--database-url), the configured one, else SQLite in data_dir."""
        return explicit or self.database_url or sqlite_url(self.data_dir)

    @property
    def max_upload_bytes(self) -> int:
        return int(self.max_upload_mb * MIB)

    @property
    def max_memory_bytes(self) -> int:
        return int(self.max_memory_mb * MIB)


def __getattr__(name: str) -> Any:
    if name == "Settings":  # loaded on first use: see the module's docstring
        from bot.settings.model import Settings

        return Settings
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
