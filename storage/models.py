"""The store's tables (sqlmodel): workspaces, agencies, reports, their figures and findings, chats.

A workspace owns reports: "library" is the shared library of published reports, "chat:<chat_id>"
a chat's private drafts. A report is stored once per workspace (unique SHA-256); a corrected
version of the same agency and year supersedes the older one, which stays as history
(superseded_by points at its successor). Figures hold one row per canonical key (FORMAT.md),
findings one row per finding, including the cross-year findings the store adds on save.

Schema changes go through Alembic (storage/migrations); keep these classes and the migrations in step.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlmodel import Field, SQLModel

from storage.names import LIBRARY, chat_workspace_name  # noqa: F401 - re-exported


def utcnow() -> datetime:
    return datetime.now(UTC)


def _ts(**kw: Any) -> Any:
    return Field(default_factory=utcnow, sa_type=DateTime(timezone=True), nullable=False, **kw)


class Workspace(SQLModel, table=True):
    __tablename__ = "workspaces"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_type=String(64), unique=True, nullable=False)
    created_at: datetime = _ts()


class Agency(SQLModel, table=True):
    __tablename__ = "agencies"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_type=String(200), nullable=False)  # full name as first printed
    normalised: str = Field(sa_type=String(200), unique=True, nullable=False)  # reports.agency.normalise_agency
    province: str | None = Field(default=None, sa_type=String(40))
    city: str | None = Field(default=None, sa_type=String(40))
    county: str | None = Field(default=None, sa_type=String(40))
    level: str | None = Field(default=None, sa_type=String(16))  # province / city / county / township
    kind: str = Field(default="department", sa_type=String(16), nullable=False)  # government / department
    aliases: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_at: datetime = _ts()


class Report(SQLModel, table=True):
    __tablename__ = "reports"
    __table_args__ = (
        UniqueConstraint("workspace_id", "sha256", name="uq_reports_workspace_sha256"),
        Index("ix_reports_agency_year", "agency_id", "year"),
        # The columns that pick the current visible report per agency and year (storage/answers.py).
        Index("ix_reports_year_current", "year", "superseded_by", "agency_id", "workspace_id", "published"),
    )

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(sa_column=Column(Integer, ForeignKey("workspaces.id"), nullable=False, index=True))
    agency_id: int | None = Field(default=None, sa_column=Column(Integer, ForeignKey("agencies.id"), nullable=True))
    agency_name: str | None = Field(default=None, sa_type=String(200))  # as printed in this report
    year: int | None = Field(default=None, index=True)
    format: str = Field(default="unknown", sa_type=String(16), nullable=False)
    verdict: str = Field(sa_type=String(8), nullable=False, index=True)  # pass / fail
    error_count: int = Field(default=0, nullable=False)
    warning_count: int = Field(default=0, nullable=False)
    file_name: str | None = Field(default=None, sa_type=String(255))
    sha256: str = Field(sa_type=String(64), nullable=False)
    uploader: int | None = Field(default=None, sa_type=BigInteger)  # Telegram user id; None from the CLI
    published: bool = Field(default=False, nullable=False)
    superseded_by: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("reports.id"), nullable=True, index=True)
    )
    report_json: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = _ts()
    updated_at: datetime = _ts()


class Figure(SQLModel, table=True):
    __tablename__ = "figures"
    __table_args__ = (
        Index("ix_figures_key_report_value", "key", "report_id", "value"),  # covers value lookups
        Index("ix_figures_report_key", "report_id", "key", unique=True),
        CheckConstraint("length(key) BETWEEN 1 AND 64", name="ck_figures_key_length"),
        CheckConstraint(
            "(is_null AND value IS NULL) OR (NOT is_null AND value IS NOT NULL)", name="ck_figures_null"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(sa_column=Column(Integer, ForeignKey("reports.id", ondelete="CASCADE"), nullable=False))
    key: str = Field(sa_type=String(64), nullable=False)
    value: float | None = Field(default=None, sa_type=Float)
    is_null: bool = Field(default=False, nullable=False)


class FindingRow(SQLModel, table=True):
    __tablename__ = "findings"

    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(
        sa_column=Column(Integer, ForeignKey("reports.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    code: str = Field(sa_type=String(64), nullable=False, index=True)
    severity: str = Field(sa_type=String(8), nullable=False)
    message_zh: str = Field(default="", sa_type=Text, nullable=False)
    message_en: str = Field(default="", sa_type=Text, nullable=False)
    section: int | None = None
    row: str | None = Field(default=None, sa_type=String(64))
    column: str | None = Field(default=None, sa_type=String(64))
    key: str | None = Field(default=None, sa_type=String(64))
    expected: Any = Field(default=None, sa_column=Column(JSON, nullable=True))
    actual: Any = Field(default=None, sa_column=Column(JSON, nullable=True))


class Chat(SQLModel, table=True):
    __tablename__ = "chats"

    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(sa_type=BigInteger, unique=True, nullable=False)
    lang: str | None = Field(default=None, sa_type=String(2))  # zh / en; None: not chosen yet
    workspace_id: int = Field(sa_column=Column(Integer, ForeignKey("workspaces.id"), nullable=False))
    blocked: bool = Field(default=False, nullable=False)
    created_at: datetime = _ts()


class Job(SQLModel, table=True):
    """A document the bot accepted, recorded before the update is acknowledged, so a bot killed while
    downloading or parsing it resumes it at its next start (or another replica does). `lease_until`
    (epoch seconds) is renewed while a process works on it; an open job past its lease is taken over.
    One job per (chat, message): a document delivered twice is one job."""

    __tablename__ = "jobs"
    __table_args__ = (
        UniqueConstraint("chat_id", "message_id", name="uq_jobs_chat_message"),
        Index("ix_jobs_state_lease", "state", "lease_until"),
    )

    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(sa_type=BigInteger, nullable=False)
    user_id: int = Field(sa_type=BigInteger, nullable=False)
    message_id: int = Field(sa_type=BigInteger, nullable=False)  # the user's document message
    status_message_id: int | None = Field(default=None, sa_type=BigInteger)  # "📥 … ⏳ …", edited as it goes
    file_id: str = Field(sa_type=String(256), nullable=False)
    file_name: str = Field(sa_type=String(255), nullable=False)
    file_size: int = Field(default=0, sa_type=BigInteger, nullable=False)
    workspace: str = Field(sa_type=String(64), nullable=False)
    lang: str = Field(default="zh", sa_type=String(2), nullable=False)
    state: str = Field(default="running", sa_type=String(16), nullable=False)  # running, done, failed
    attempts: int = Field(default=1, nullable=False)
    owner: str | None = Field(default=None, sa_type=String(64))  # the process working on it
    lease_until: float = Field(default=0.0, sa_type=Float, nullable=False)
    error: str | None = Field(default=None, sa_type=String(255))
    created_at: datetime = _ts()
    updated_at: datetime = _ts()


# ---------------------------------------------------------------- aggregates and names (storage.aggregates,
# storage.aliases): kept current in the same transaction as every save, supersede, publish and delete.


class FigureTotal(SQLModel, table=True):
    """Per workspace, year and key: the sum and count of the figures of the workspace's current reports."""

    __tablename__ = "figure_totals"

    workspace_id: int = Field(sa_column=Column(Integer, ForeignKey("workspaces.id"), primary_key=True))
    year: int = Field(sa_column=Column(Integer, primary_key=True, autoincrement=False))
    key: str = Field(sa_column=Column(String(64), primary_key=True))
    total: float = Field(default=0.0, sa_type=Float, nullable=False)  # of the non-blank values
    n_values: int = Field(default=0, nullable=False)  # reports with a non-blank value
    n_reports: int = Field(default=0, nullable=False)  # reports with the key, blank or not


class ReportTotal(SQLModel, table=True):
    """Per workspace and year: how many current reports it holds, and how many of them are published."""

    __tablename__ = "report_totals"

    workspace_id: int = Field(sa_column=Column(Integer, ForeignKey("workspaces.id"), primary_key=True))
    year: int = Field(sa_column=Column(Integer, primary_key=True, autoincrement=False))
    n_reports: int = Field(default=0, nullable=False)
    n_published: int = Field(default=0, nullable=False)
    # The ids of the current and of the published ones summed: with the counts, a stamp of the
    # current reports that needs no scan (storage.answers).
    report_ids: int = Field(default=0, sa_type=BigInteger, nullable=False)
    published_ids: int = Field(default=0, sa_type=BigInteger, nullable=False)


NAME_ORDER = String(200).with_variant(String(200, collation="C"), "postgresql")


class RankedFigure(SQLModel, table=True):
    """The total figures (keys ending in .total) of current reports, ordered for rankings by index."""

    __tablename__ = "ranked_figures"
    __table_args__ = (Index("ix_ranked_figures_rank", "workspace_id", "year", "key", "value", "agency", "report_id"),)

    report_id: int = Field(
        sa_column=Column(Integer, ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True, autoincrement=False)
    )
    key: str = Field(sa_column=Column(String(64), primary_key=True))
    workspace_id: int = Field(sa_column=Column(Integer, ForeignKey("workspaces.id"), nullable=False))
    year: int = Field(nullable=False)
    value: float | None = Field(default=None, sa_type=Float)
    # The agency's full name, else the name printed (storage.answers settles ties by it), in code
    # point order on both databases (SQLite's BINARY; PostgreSQL's "C").
    agency: str = Field(default="", sa_column=Column(NAME_ORDER, nullable=False))


class AgencyAlias(SQLModel, table=True):
    """Every form a question may name an agency by (its full name, short forms, region names, pinyin),
    from reports.questions.agencies; `region` marks a region's name, `generic` a bare suffix (局, 政府)
    shared by most agencies, which never selects candidates on its own."""

    __tablename__ = "agency_aliases"
    __table_args__ = (Index("ix_agency_aliases_agency", "agency_id"),)

    key: str = Field(sa_column=Column(String(200), primary_key=True))
    agency_id: int = Field(
        sa_column=Column(Integer, ForeignKey("agencies.id", ondelete="CASCADE"), primary_key=True, autoincrement=False)
    )
    region: bool = Field(default=False, nullable=False)
    generic: bool = Field(default=False, nullable=False)
