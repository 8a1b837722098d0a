"""Aggregates and agency aliases: totals per workspace, year and key; rankings; names by index

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02

figure_totals, report_totals and ranked_figures hold sums, counts and rankings of the current
reports (storage.aggregates keeps them current on every save, supersede, publish and delete);
agency_aliases every form a question may name an agency by (storage.aliases). All are filled here
from what is already stored.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'figure_totals',
        sa.Column('workspace_id', sa.Integer(), sa.ForeignKey('workspaces.id'), nullable=False),
        sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('total', sa.Float(), nullable=False),
        sa.Column('n_values', sa.Integer(), nullable=False),
        sa.Column('n_reports', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('workspace_id', 'year', 'key'),
    )
    op.create_table(
        'report_totals',
        sa.Column('workspace_id', sa.Integer(), sa.ForeignKey('workspaces.id'), nullable=False),
        sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('n_reports', sa.Integer(), nullable=False),
        sa.Column('n_published', sa.Integer(), nullable=False),
        sa.Column('report_ids', sa.BigInteger(), nullable=False),
        sa.Column('published_ids', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('workspace_id', 'year'),
    )
    op.create_table(
        'ranked_figures',
        sa.Column('report_id', sa.Integer(), sa.ForeignKey('reports.id', ondelete='CASCADE'), autoincrement=False,
                  nullable=False),
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('workspace_id', sa.Integer(), sa.ForeignKey('workspaces.id'), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('value', sa.Float(), nullable=True),
        sa.Column('agency', sa.String(length=200).with_variant(sa.String(length=200, collation='C'), 'postgresql'),
                  nullable=False),
        sa.PrimaryKeyConstraint('report_id', 'key'),
    )
    op.create_index('ix_ranked_figures_rank', 'ranked_figures',
                    ['workspace_id', 'year', 'key', 'value', 'agency', 'report_id'])
    op.create_table(
        'agency_aliases',
        sa.Column('key', sa.String(length=200), nullable=False),
        sa.Column('agency_id', sa.Integer(), sa.ForeignKey('agencies.id', ondelete='CASCADE'), autoincrement=False,
                  nullable=False),
        sa.Column('region', sa.Boolean(), nullable=False),
        sa.Column('generic', sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint('key', 'agency_id'),
    )
    op.create_index('ix_agency_aliases_agency', 'agency_aliases', ['agency_id'])
    fill(op.get_bind())


def fill(conn: sa.engine.Connection) -> None:
    """Totals, rankings and aliases of what is stored."""
    from storage.aggregates import rebuild

    rebuild(conn)


def downgrade() -> None:
    op.drop_index('ix_agency_aliases_agency', table_name='agency_aliases')
    op.drop_table('agency_aliases')
    op.drop_index('ix_ranked_figures_rank', table_name='ranked_figures')
    op.drop_table('ranked_figures')
    op.drop_table('report_totals')
    op.drop_table('figure_totals')
