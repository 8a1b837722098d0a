"""Worker processes that leave Ctrl-C to their parent.

A terminal's Ctrl-C reaches every process of the foreground group: the fork server, the resource
tracker and the workers too. Each of them ignores SIGINT only once it runs its own code, so a
Ctrl-C during their start printed a KeyboardInterrupt traceback per process. Started here with
SIGINT ignored (a disposition kept across exec), they ignore it from their first instruction and
pass that on to every worker; the parent handles Ctrl-C and stops them.
"""

from __future__ import annotations

import signal
import threading


def start_forkserver() -> None:
    """Start the fork server (and the resource tracker) now, with SIGINT ignored. Call it from the
    main thread before the first pool starts its workers; elsewhere it does nothing."""
    if threading.current_thread() is not threading.main_thread():
        return
    from multiprocessing import forkserver

    old = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        forkserver.ensure_running()
    finally:
        signal.signal(signal.SIGINT, old)
