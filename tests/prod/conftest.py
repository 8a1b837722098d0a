"""The production tests use the e2e harness and its parser pool."""

from tests.e2e.conftest import checker  # noqa: F401 - the session fixture
