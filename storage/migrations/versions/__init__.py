"""Alembic revisions: 0001 the store, later ones numbered on."""
