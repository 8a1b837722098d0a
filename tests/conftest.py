"""Shared pytest configuration: the database fixtures of tests/conftest_db.py, and hypothesis run
derandomized, so that a run's verdict does not depend on the draw (CI clones afresh each time).
NIANBAO_HYPOTHESIS=random explores new examples; what it finds becomes a fixed case in the tests."""

import os

from hypothesis import settings

pytest_plugins = ["tests.conftest_db"]

settings.register_profile("fixed", derandomize=True)
settings.register_profile("random", derandomize=False)
settings.load_profile("random" if os.environ.get("NIANBAO_HYPOTHESIS") == "random" else "fixed")
