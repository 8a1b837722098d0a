"""`make bench`: every benchmark of the project, one after another, each printing its figures.

`python -m bench.run --national` (or NIANBAO_BENCH_NATIONAL=1 make bench) adds the scale bench's
500,000-report run on PostgreSQL (about 15 minutes on 2 cores, 25 GB of disk). `--full` (`make bench
ARGS=--full`) runs the webhook replicas with the 1,000 updates from 100 chats of the production
target (some minutes) instead of 200 from 40.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# (module, arguments): start-up, the check engine, the engine by layout family, OCR of scans, the store,
# the question engine, the store at scale (10,000 and 100,000 reports on SQLite and PostgreSQL, ingest
# into PostgreSQL), the bot, webhook replicas under load (PostgreSQL, Redis, nginx).
BENCHES = [
    ("bench.startup", []),
    ("bench.check", []),
    ("bench.bench_families", []),
    ("bench.bench_ocr", []),
    ("bench.bench_store", []),
    ("bench.bench_questions", []),
    ("bench.bench_scale", ["--sizes", "10000,100000", "--ingest", "1000", "--no-explain"]),
    ("bench.bench_bot", []),
    ("bench.bench_webhook", ["--updates", "200", "--chats", "40", "--install-nginx"]),
]
FULL = {"bench.bench_webhook": ["--updates", "1000", "--chats", "100", "--install-nginx"]}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    national = "--national" in argv or bool(os.environ.get("NIANBAO_BENCH_NATIONAL"))
    full = "--full" in argv
    failed = 0
    for module, args in BENCHES:
        if module == "bench.bench_scale" and national:
            args = [*args, "--national"]
        args = FULL.get(module, args) if full else args
        if importlib.util.find_spec(module) is None:
            continue
        print(f"\n=== {module} ===", flush=True)
        rc = subprocess.run([sys.executable, "-m", module, *args], cwd=ROOT).returncode
        failed += rc != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
