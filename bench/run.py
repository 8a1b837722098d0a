"""`make bench`: every benchmark of the project, one after another, each printing its figures."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# (module, arguments): start-up, the check engine, the engine by layout family, OCR of scans, the store,
# the question engine, the bot.
BENCHES = [
    ("bench.startup", []),
    ("bench.check", []),
    ("bench.bench_families", []),
    ("bench.bench_ocr", []),
    ("bench.bench_store", []),
    ("bench.bench_questions", []),
    ("bench.bench_bot", []),
]


def main() -> int:
    failed = 0
    for module, args in BENCHES:
        if importlib.util.find_spec(module) is None:
            continue
        print(f"\n=== {module} ===", flush=True)
        rc = subprocess.run([sys.executable, "-m", module, *args], cwd=ROOT).returncode
        failed += rc != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
