"""A bot process for the tests: `nianbao bot` (polling, or --webhook) from the NIANBAO_* environment, with
NIANBAO_TEST_SLOW=1 swapping the parser job for tests.e2e.slow.slow_check (a "hang" file sleeps 60 s)."""

from __future__ import annotations

import os
import sys

if __name__ == "__main__":
    if os.environ.get("NIANBAO_TEST_SLOW") == "1":
        import reports.runner as services
        from tests.e2e.slow import slow_check

        services.Checker.__init__.__kwdefaults__["job"] = slow_check
    from bot.commands.serve import main

    sys.exit(main(sys.argv[1:]))
