"""Totals updated in place: figure_totals and report_totals leave half of each page free (PostgreSQL)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02

Every save updates the totals rows of its workspace and year (200 keys a report). With full pages
PostgreSQL writes each new row version to another page, with a new index entry, and an ingest
leaves the primary key thick with dead entries (measured: 71,200 dead versions of 1,000 rows after
1,000 reports, the upsert 60 ms a batch). With room on the page the update is a heap-only tuple
(HOT): no new index entry, and the dead versions are pruned as the page is read. The tables are
rewritten once (CLUSTER) so their rows already stored get the room too. Nothing to do on SQLite.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TABLES = ('figure_totals', 'report_totals')


def upgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    for table in _TABLES:
        op.execute(f'ALTER TABLE {table} SET (fillfactor = 50)')
        op.execute(f'CLUSTER {table} USING {table}_pkey')


def downgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    for table in _TABLES:
        op.execute(f'ALTER TABLE {table} RESET (fillfactor)')
