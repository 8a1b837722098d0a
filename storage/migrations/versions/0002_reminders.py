"""Reminders: subscriptions, the exactly-once record of reminders sent, rosters

Revision ID: 0002
Revises: 0001
Create Date: 2025-01-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('reminder_subscriptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('chat_id', sa.BigInteger(), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('deadline_month', sa.Integer(), nullable=True),
    sa.Column('deadline_day', sa.Integer(), nullable=True),
    sa.Column('agency', sa.String(length=200), nullable=True),
    sa.Column('offsets', sa.JSON(), nullable=False),
    sa.Column('hour', sa.Integer(), nullable=False),
    sa.Column('tz', sa.String(length=64), nullable=False),
    sa.Column('lang', sa.String(length=2), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("(role = 'custom') = (deadline_month IS NOT NULL AND deadline_day IS NOT NULL)", name='ck_reminder_subscriptions_custom'),
    sa.CheckConstraint("role IN ('department', 'government', 'custom')", name='ck_reminder_subscriptions_role'),
    sa.CheckConstraint('hour BETWEEN 0 AND 23', name='ck_reminder_subscriptions_hour'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_reminder_subscriptions_active', 'reminder_subscriptions', ['active'], unique=False)
    op.create_index('ix_reminder_subscriptions_chat_id', 'reminder_subscriptions', ['chat_id'], unique=False)
    op.create_table('roster_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('chat_id', sa.BigInteger(), nullable=False),
    sa.Column('agency', sa.String(length=200), nullable=False),
    sa.Column('normalised', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('chat_id', 'normalised', name='uq_roster_entries_chat_agency')
    )
    op.create_index('ix_roster_entries_chat_id', 'roster_entries', ['chat_id'], unique=False)
    op.create_table('reminder_sent',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subscription_id', sa.Integer(), nullable=False),
    sa.Column('report_year', sa.Integer(), nullable=False),
    sa.Column('offset_days', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('late', sa.Boolean(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('next_try_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.String(length=200), nullable=True),
    sa.CheckConstraint("status IN ('claimed', 'sent', 'failed')", name='ck_reminder_sent_status'),
    sa.ForeignKeyConstraint(['subscription_id'], ['reminder_subscriptions.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('subscription_id', 'report_year', 'offset_days', name='uq_reminder_sent_once')
    )
    op.create_index('ix_reminder_sent_retry', 'reminder_sent', ['status', 'next_try_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_reminder_sent_retry', table_name='reminder_sent')
    op.drop_table('reminder_sent')
    op.drop_index('ix_roster_entries_chat_id', table_name='roster_entries')
    op.drop_table('roster_entries')
    op.drop_index('ix_reminder_subscriptions_chat_id', table_name='reminder_subscriptions')
    op.drop_index('ix_reminder_subscriptions_active', table_name='reminder_subscriptions')
    op.drop_table('reminder_subscriptions')
