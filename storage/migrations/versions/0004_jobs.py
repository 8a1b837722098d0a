"""Jobs: every accepted document, recorded before its update is acknowledged

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'jobs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('chat_id', sa.BigInteger(), nullable=False),
        sa.Column('user_id', sa.BigInteger(), nullable=False),
        sa.Column('message_id', sa.BigInteger(), nullable=False),
        sa.Column('status_message_id', sa.BigInteger(), nullable=True),
        sa.Column('file_id', sa.String(length=256), nullable=False),
        sa.Column('file_name', sa.String(length=255), nullable=False),
        sa.Column('file_size', sa.BigInteger(), nullable=False),
        sa.Column('workspace', sa.String(length=64), nullable=False),
        sa.Column('lang', sa.String(length=2), nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('owner', sa.String(length=64), nullable=True),
        sa.Column('lease_until', sa.Float(), nullable=False),
        sa.Column('error', sa.String(length=255), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('chat_id', 'message_id', name='uq_jobs_chat_message'),
    )
    op.create_index('ix_jobs_state_lease', 'jobs', ['state', 'lease_until'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_jobs_state_lease', table_name='jobs')
    op.drop_table('jobs')
