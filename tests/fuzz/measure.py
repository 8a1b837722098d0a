"""`python -m tests.fuzz.measure FILE...`: `nianbao check --json FILE...` in a child, then its peak
memory on stderr's last line ("maxrss_kb=N"). A small process of its own, because a child's peak
counts the memory of the process it was forked from (here this one, not the test runner)."""

import os
import sys

pid = os.fork()
if pid == 0:
    os.execv(sys.executable, [sys.executable, "-m", "bot.commands", "check", "--json", *sys.argv[1:]])
_, status, usage = os.wait4(pid, 0)
sys.stdout.flush()
sys.stderr.write(f"\nmaxrss_kb={usage.ru_maxrss}\n")
code = os.waitstatus_to_exitcode(status)
sys.exit(128 - code if code < 0 else code)  # killed by a signal: 128 + its number, as a shell says
