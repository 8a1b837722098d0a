"""Imported first in a worker pool's fork server (see storage.ingest._pool): from here on Ctrl-C is
ignored there and in every worker forked from it. The fork server ignores SIGINT only once its
preload imports are done, so a Ctrl-C during them printed a KeyboardInterrupt traceback; the
parent handles Ctrl-C and stops the pool."""

from __future__ import annotations

import signal

signal.signal(signal.SIGINT, signal.SIG_IGN)
