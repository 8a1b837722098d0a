"""Alembic migrations of the Nianbao store (run them with storage.db.upgrade or `nianbao db upgrade`)."""
