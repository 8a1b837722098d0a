"""The bot's settings: environment variables prefixed NIANBAO_, or a .env file beside the process.

With nothing set the bot runs on the embedded defaults: SQLite in ./data, Chinese, and the local
Bot API token (usable only against `localapi`, e.g. `nianbao try`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.settings import DEFAULT_MAX_UPLOAD_MB, LOCAL_TOKEN, MIB, PREFIX, sqlite_url


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=PREFIX, env_file=".env", env_file_encoding="utf-8", extra="ignore")

    bot_token: SecretStr | None = None
    database_url: str | None = None  # None: SQLite nianbao.db in data_dir
    data_dir: Path = Path("data")
    admins: Annotated[list[int], NoDecode] = Field(default_factory=list)  # Telegram user ids: "1,2" or "[1, 2]"
    language: Literal["zh", "en"] = "zh"  # for users whose Telegram language is neither
    max_upload_mb: int = Field(DEFAULT_MAX_UPLOAD_MB, ge=1)
    parse_timeout: float = Field(30.0, gt=0)  # seconds for one file in the worker process
    parse_workers: int = Field(2, ge=1)
    parse_queue_per_chat: int = Field(2, ge=1)  # files one chat may have waiting or being checked
    ocr_max_pages: int = Field(20, ge=1)  # pages of a scan read by OCR; a longer scan is refused
    ocr_page_seconds: float = Field(10.0, gt=0)  # the time bound of a scan grows by this per page
    # onnxruntime threads of one worker's OCR models; None: the cores shared out among the workers
    # (reports.runner.Checker)
    ocr_threads: int | None = Field(None, ge=1, le=16)
    job_lease: float = Field(60.0, ge=1)  # seconds a bot process holds a document job without renewing it
    job_sweep: float = Field(15.0, ge=0.1)  # seconds between looks for jobs left by a killed process
    dedup_ttl: int = Field(86400, ge=60)  # seconds a webhook update_id is remembered (Redis or memory)
    throttle_rate: float = Field(0.5, ge=0)  # seconds a user waits between two messages
    api_base: str | None = None  # base URL of a Bot API server other than Telegram's
    local_token: str = LOCAL_TOKEN  # the token used without NIANBAO_BOT_TOKEN (the local Bot API's)
    redis_url: str | None = None  # conversation state in Redis, shared by bot processes (else in memory)
    redis_prefix: str = "nianbao"
    # Links to reports (handlers.fetch): networks a link may reach although not public, e.g.
    # "127.0.0.0/8,10.0.0.0/8" for an intranet portal (none by default); seconds for one fetch.
    fetch_allow_networks: Annotated[list[str], NoDecode] = Field(default_factory=list)
    fetch_timeout: float = Field(20.0, gt=0)
    webhook_url: str | None = None  # public URL Telegram posts to, e.g. https://bot.example.org/webhook
    webhook_secret: SecretStr | None = None
    webhook_host: str = "127.0.0.1"
    webhook_port: int = 8080
    webhook_path: str = "/webhook"

    @field_validator("admins", mode="before")
    @classmethod
    def _split_admins(cls, value: object) -> object:
        if isinstance(value, str):
            value = value.strip().strip("[]")
            return [int(x) for x in value.replace(";", ",").split(",") if x.strip()]
        return value

    @field_validator("fetch_allow_networks", mode="before")
    @classmethod
    def _split_networks(cls, value: object) -> object:
        import ipaddress

        if isinstance(value, str):
            value = [x.strip() for x in value.strip().strip("[]").replace(";", ",").split(",") if x.strip()]
        if isinstance(value, list):
            for v in value:
                ipaddress.ip_network(str(v).strip().strip("'\""), strict=False)  # a bad network fails at start-up
            return [str(v).strip().strip("'\"") for v in value]
        return value

    @property
    def token(self) -> str:
        """The bot token; without one, the local Bot API's fixed token."""
        return self.bot_token.get_secret_value() if self.bot_token else self.local_token

    @property
    def max_upload_bytes(self) -> int:
        return self.max_upload_mb * MIB

    def db_url(self) -> str:
        """The database URL: the configured one, else SQLite in data_dir (created)."""
        return self.database_url or sqlite_url(self.data_dir)
