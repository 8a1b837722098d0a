"""Shared pytest configuration: the database fixtures of tests/conftest_db.py."""

pytest_plugins = ["tests.conftest_db"]
