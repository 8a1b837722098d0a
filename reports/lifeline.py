"""Child processes that die with their parent.

Linux: prctl(PR_SET_PDEATHSIG, SIGKILL) through ctypes, so a child is killed the moment its parent
dies, even while pdfium holds it in C code. Elsewhere (and as a second line on Linux) the workers
block on a pipe from the bot between jobs and leave at its end of file.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys

PR_SET_PDEATHSIG = 1


def die_with_parent(owner_pid: int | None = None) -> bool:
    """Ask the kernel to SIGKILL this process when its parent dies. If `owner_pid` (the process
    whose death must take this one along) is already gone, exit now: the signal would never come.
    True when the signal is armed."""
    armed = False
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            armed = libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) == 0
    if owner_pid is not None and not alive(owner_pid):
        os._exit(0)
    return armed


def alive(pid: int) -> bool:
    """The process exists and is not a zombie."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except OSError:
        return True  # no /proc: trust kill(0)
