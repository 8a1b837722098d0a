"""Worker jobs for the tests: the real engine behind a delay (module-level, so worker processes can
import them by name)."""

from __future__ import annotations

import time

from reports.model import Report


def slow_check(data: bytes, filename: str, timeout: float | None, **known: str) -> Report:
    """reports.check, after 1.5 seconds when the file name says "slow", after 60 when it says "hang"."""
    import reports

    if "hang" in filename:
        time.sleep(60)
    elif "slow" in filename:
        time.sleep(1.5)
    return reports.check(data, filename, timeout=timeout, **known)
