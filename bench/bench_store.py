"""Ingest throughput: reports per second for a folder of generated text reports, N worker processes.

The folder (default 500 reports: 100 agencies x 5 years, from tests/docgen.py) is written first and
not timed; the timed part is storage.ingest.ingest_paths on it: worker start, reading and checking
every file, and storing each report with its 200 figures, findings and cross-year checks, into a
fresh database (a temporary SQLite file unless --database-url names another). Aim (issue 14): >= 100
reports/s with 2 workers on 2 cores, into PostgreSQL too (bench.bench_scale --ingest). The machine's
load average before the run is printed with the figure: other work on the cores lowers it.

    python bench/bench_store.py [--reports 500] [--jobs 2] [--database-url URL] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

CITIES = ("灵宝市", "新乡市", "淮安市", "卢氏县", "陕州区", "义马市", "渑池县", "辉县市", "获嘉县", "原阳县")
BUREAUS = (
    "工业和信息化局", "发展和改革委员会", "教育局", "公安局", "民政局",
    "财政局", "自然资源局", "生态环境局", "交通运输局", "人民政府",
)
YEARS = (2021, 2022, 2023, 2024, 2025)


def write_folder(folder: Path, n: int) -> int:
    """n generated reports as UTF-8 text files; returns how many were written."""
    from tests.docgen import make_figures, report_text

    agencies = [c + b for c in CITIES for b in BUREAUS]
    written = 0
    for i in range(n):
        agency = agencies[(i // len(YEARS)) % len(agencies)]
        year = YEARS[i % len(YEARS)]
        text = report_text(agency, year, make_figures(i))
        (folder / f"{i:04d}-{year}.txt").write_text(text, encoding="utf-8")
        written += 1
    return written


def run(n: int, jobs: int, url: str | None) -> dict[str, object]:
    from storage.ingest import ingest_paths, summarise

    with tempfile.TemporaryDirectory(prefix="nianbao-bench-") as tmp:
        folder = Path(tmp) / "reports"
        folder.mkdir()
        write_folder(folder, n)
        db = url or f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        load = os.getloadavg()[0]  # before the run: the other work on the machine
        started = time.perf_counter()
        outcomes = asyncio.run(ingest_paths([folder], url=db, jobs=jobs))
        elapsed = time.perf_counter() - started
    counts = summarise(outcomes)
    return {
        "benchmark": "ingest",
        "reports": n,
        "jobs": jobs,
        "database": "sqlite" if url is None else url.split(":", 1)[0],
        "seconds": round(elapsed, 3),
        "load": round(load, 2),
        "reports_per_second": round(len(outcomes) / elapsed, 1),
        **counts,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=500)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--database-url", default=None, help="default: a temporary SQLite file")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    result = run(args.reports, args.jobs, args.database_url)
    if args.json:
        print(json.dumps(result))
    else:
        print(
            f"ingest: {result['reports']} generated reports, {result['jobs']} workers, {result['database']}: "
            f"{result['seconds']} s, {result['reports_per_second']} reports/s "
            f"(stored {result['stored']}, superseded {result['superseded']}, failed {result['failed']}; "
            f"load {result['load']})"
        )
    return 0 if result["failed"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
