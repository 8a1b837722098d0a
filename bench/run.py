"""`make bench`: every benchmark of the project, one after another, each printing its figures.

`python -m bench.run --national` (or NIANBAO_BENCH_NATIONAL=1 make bench) adds the scale bench's
500,000-report run on PostgreSQL (several minutes, ~20 GB of disk)."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# (module, arguments): start-up, the check engine, the engine by layout family, OCR of scans, the store,
# the question engine, the store at scale (10,000 reports on SQLite and PostgreSQL, ingest into
# PostgreSQL), the bot.
BENCHES = [
    ("bench.startup", []),
    ("bench.check", []),
    ("bench.bench_families", []),
    ("bench.bench_ocr", []),
    ("bench.bench_store", []),
    ("bench.bench_questions", []),
    ("bench.bench_scale", ["--sizes", "10000", "--ingest", "1000", "--no-explain"]),
    ("bench.bench_bot", []),
]


def main(argv: list[str] | None = None) -> int:
    national = "--national" in (sys.argv[1:] if argv is None else argv) or bool(os.environ.get("NIANBAO_BENCH_NATIONAL"))
    failed = 0
    for module, args in BENCHES:
        if module == "bench.bench_scale" and national:
            args = [*args, "--national"]
        if importlib.util.find_spec(module) is None:
            continue
        print(f"\n=== {module} ===", flush=True)
        rc = subprocess.run([sys.executable, "-m", module, *args], cwd=ROOT).returncode
        failed += rc != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
