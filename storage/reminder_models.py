"""The reminder tables: subscriptions, the record of every reminder claimed or sent, rosters.

`SentReminder` is the exactly-once record: one row per (subscription, report year, offset) under a
unique constraint, inserted in the transaction that claims the reminder, before it is sent.
Rows are never deleted when a chat unsubscribes (subscriptions are switched off, not removed), so
re-subscribing cannot resend a reminder already sent.

Schema changes go through Alembic (storage/migrations, revision 0002).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlmodel import Field, SQLModel

from storage.models import utcnow

__all__ = ["ROLES", "STATUSES", "Roster", "SentReminder", "Subscription"]

ROLES = ("department", "government", "custom")
STATUSES = ("claimed", "sent", "failed")


def _ts() -> Any:
    return Field(default_factory=utcnow, sa_type=DateTime(timezone=True), nullable=False)


def _opt_ts() -> Any:
    return Field(default=None, sa_type=DateTime(timezone=True), nullable=True)


class Subscription(SQLModel, table=True):
    """A chat's wish to be reminded of one deadline (and, optionally, for one agency)."""

    __tablename__ = "reminder_subscriptions"
    __table_args__ = (
        CheckConstraint("role IN ('department', 'government', 'custom')", name="ck_reminder_subscriptions_role"),
        CheckConstraint(
            "(role = 'custom') = (deadline_month IS NOT NULL AND deadline_day IS NOT NULL)",
            name="ck_reminder_subscriptions_custom",
        ),
        CheckConstraint("hour BETWEEN 0 AND 23", name="ck_reminder_subscriptions_hour"),
        Index("ix_reminder_subscriptions_active", "active"),
    )

    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(sa_type=BigInteger, nullable=False, index=True)
    role: str = Field(sa_type=String(16), nullable=False)
    deadline_month: int | None = None  # custom role only
    deadline_day: int | None = None
    agency: str | None = Field(default=None, sa_type=String(200))  # as typed; matched in normal form
    offsets: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    hour: int = Field(default=9, nullable=False)
    tz: str = Field(default="Asia/Shanghai", sa_type=String(64), nullable=False)
    lang: str | None = Field(default=None, sa_type=String(2))  # the subscriber's; the chat's /lang wins
    active: bool = Field(default=True, nullable=False)
    created_at: datetime = _ts()
    updated_at: datetime = _ts()


class SentReminder(SQLModel, table=True):
    """One reminder claimed by a process: claimed -> sent, or -> failed (retried at next_try_at,
    or given up when next_try_at is NULL)."""

    __tablename__ = "reminder_sent"
    __table_args__ = (
        UniqueConstraint("subscription_id", "report_year", "offset_days", name="uq_reminder_sent_once"),
        CheckConstraint("status IN ('claimed', 'sent', 'failed')", name="ck_reminder_sent_status"),
        Index("ix_reminder_sent_retry", "status", "next_try_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    subscription_id: int = Field(
        sa_column=Column(Integer, ForeignKey("reminder_subscriptions.id", ondelete="CASCADE"), nullable=False)
    )
    report_year: int = Field(nullable=False)
    offset_days: int = Field(nullable=False)
    status: str = Field(default="claimed", sa_type=String(8), nullable=False)
    late: bool = Field(default=False, nullable=False)
    attempts: int = Field(default=0, nullable=False)
    claimed_at: datetime = _ts()
    sent_at: datetime | None = _opt_ts()
    next_try_at: datetime | None = _opt_ts()
    last_error: str | None = Field(default=None, sa_type=String(200))


class Roster(SQLModel, table=True):
    """One agency a chat supervises."""

    __tablename__ = "roster_entries"
    __table_args__ = (UniqueConstraint("chat_id", "normalised", name="uq_roster_entries_chat_agency"),)

    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(sa_type=BigInteger, nullable=False, index=True)
    agency: str = Field(sa_type=String(200), nullable=False)
    normalised: str = Field(sa_type=String(200), nullable=False)  # reports.agency.normalise_agency
    created_at: datetime = _ts()
