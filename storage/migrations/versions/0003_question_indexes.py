"""Indexes for questions: current reports of a year, and figure values by key

Revision ID: 0003
Revises: 0002
Create Date: 2025-01-03

ix_reports_year_current holds every column that picks the current visible report per agency and
year, so that choice reads the index alone. ix_figures_key_report_value covers a figure's value
by key and report (index-only lookups on PostgreSQL); it replaces ix_figures_key, its prefix.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index('ix_reports_year_current', 'reports',
                    ['year', 'superseded_by', 'agency_id', 'workspace_id', 'published'], unique=False)
    op.create_index('ix_figures_key_report_value', 'figures', ['key', 'report_id', 'value'], unique=False)
    op.drop_index('ix_figures_key', table_name='figures')


def downgrade() -> None:
    op.create_index('ix_figures_key', 'figures', ['key'], unique=False)
    op.drop_index('ix_figures_key_report_value', table_name='figures')
    op.drop_index('ix_reports_year_current', table_name='reports')
