"""A bot process for the tests: `nianbao bot` (polling, or --webhook) from the NIANBAO_* environment.

Test switches, all off by default:
- NIANBAO_TEST_SLOW=1 swaps the parser job for tests.e2e.slow.slow_check (a "hang" file sleeps 60 s);
- NIANBAO_TEST_CLOCK_FILE=PATH runs the reminder clock ahead by the seconds PATH holds (read at each
  tick, real time while it is absent), and
  NIANBAO_TEST_REMINDER_INTERVAL=T ticks every T seconds (a reminder falls due during a run);
- NIANBAO_TEST_HOLD_ACCEPT=PATH: a document's handler, about to record its job row, creates PATH
  and waits there for good (the test kills the bot at that point).
"""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any


def _switches() -> None:
    if os.environ.get("NIANBAO_TEST_SLOW") == "1":
        import reports.runner as services
        from tests.e2e.slow import slow_check

        services.Checker.__init__.__kwdefaults__["job"] = slow_check
    if shift_file := os.environ.get("NIANBAO_TEST_CLOCK_FILE"):
        import bot.scheduler as scheduler

        real = scheduler.system_clock

        def shifted() -> Any:
            try:
                return real() + timedelta(seconds=float(Path(shift_file).read_text()))
            except (OSError, ValueError):
                return real()

        scheduler.system_clock = shifted
    if interval := os.environ.get("NIANBAO_TEST_REMINDER_INTERVAL"):
        import bot.scheduler as scheduler

        scheduler.DEFAULT_INTERVAL = float(interval)
    if hold := os.environ.get("NIANBAO_TEST_HOLD_ACCEPT"):
        from handlers.jobs import JobRunner

        async def held(self: JobRunner, session: Any, **fields: Any) -> Any:
            Path(hold).write_text(str(fields.get("message_id")))
            await asyncio.sleep(3600)

        JobRunner.accept = held  # type: ignore[method-assign]


if __name__ == "__main__":
    _switches()
    from bot.commands.serve import main

    sys.exit(main(sys.argv[1:]))
