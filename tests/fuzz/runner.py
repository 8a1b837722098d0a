"""Run hostile files through `nianbao check --json` in subprocesses and measure each one.

Files are written to a folder, then checked in batches (one process for up to `batch` files of one
kind, two processes at a time) and some alone. A batch's JSON lines are read as they come: a file's
time is the time since the previous line (an empty file opens each batch, so the process's start is
charged to no file).
A batch's peak memory is that of the process and the children it forks per file (os.wait4 reports
the largest resident set among them; see tests/fuzz/measure.py).

`python -m tests.fuzz.runner [--per-kind N] [KIND...]` prints the figures by kind.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from tests.fuzz.hostile import KINDS, generate

# Kinds whose files are megabytes each: fewer of them.
HEAVY = frozenset({"pdf-flate-bomb", "docx-false-sizes", "docx-zip-bomb", "giant-lines", "many-lines"})
NIANBAO = [sys.executable, "-m", "tests.fuzz.measure"]  # nianbao check --json, measured


@dataclass
class Run:
    """One file's outcome."""

    kind: str
    path: Path
    seconds: float = 0.0
    rss_mb: float = 0.0  # the peak of its batch
    returncode: int | None = None
    codes: list[str] = field(default_factory=list)
    problem: str | None = None  # why it counts as a crash


@dataclass
class Figures:
    kind: str
    count: int = 0
    crashes: int = 0
    max_seconds: float = 0.0
    max_rss_mb: float = 0.0
    codes: dict[str, int] = field(default_factory=dict)


def write_files(folder: Path, kinds: list[str], per_kind: int) -> dict[str, list[Path]]:
    out: dict[str, list[Path]] = {}
    for kind in kinds:
        n = max(1, per_kind * 2 // 5) if kind in HEAVY else per_kind
        paths = []
        for seed in range(n):
            p = folder / f"{kind}-{seed:03d}.bin"
            p.write_bytes(generate(kind, seed))
            paths.append(p)
        out[kind] = paths
    return out


def run_batch(kind: str, paths: list[Path], args: tuple[str, ...] = ()) -> list[Run]:
    """`nianbao check --json [args] paths` in one process."""
    runs = [Run(kind, p) for p in paths]
    # An empty file first: its line marks the end of the process's start, which no file is charged.
    warm = paths[0].parent / ".empty"
    warm.touch()
    proc = subprocess.Popen([*NIANBAO, *args, str(warm), *map(str, paths)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=os.environ)
    assert proc.stdout is not None and proc.stderr is not None
    last = time.monotonic()
    lines: list[str] = []
    for n, raw in enumerate(proc.stdout):
        now = time.monotonic()
        if n and len(lines) < len(runs):
            runs[len(lines)].seconds = now - last
        if n:
            lines.append(raw.decode("utf-8", "replace"))
        last = now
    err = proc.stderr.read().decode("utf-8", "replace")
    proc.wait()
    err, _, tail = err.rpartition("\nmaxrss_kb=")
    rss = int(tail) / 1024 if tail.strip().isdigit() else float("inf")
    for i, run in enumerate(runs):
        run.returncode, run.rss_mb = proc.returncode, rss
        if proc.returncode not in (0, 1, 2):
            run.problem = f"exit status {proc.returncode}: {err[-300:]}"
        elif "Traceback" in err:
            run.problem = f"traceback on stderr: {err[-300:]}"
        if i >= len(lines):
            run.problem = run.problem or "no JSON line"
            run.seconds = time.monotonic() - last
            continue
        try:
            obj = json.loads(lines[i])
        except ValueError:
            run.problem = f"not JSON: {lines[i][:200]}"
            continue
        run.codes = [f["code"] for f in obj.get("findings", [])]
        if obj.get("file") != run.path.name:
            run.problem = f"line {i} is for {obj.get('file')}"
        elif not run.codes:
            run.problem = "no finding"
    if len(lines) != len(runs):
        for run in runs:
            run.problem = run.problem or f"{len(lines)} lines for {len(runs)} files"
    return runs


def run_all(files: dict[str, list[Path]], *, batch: int = 50, alone: int = 2, workers: int = 2,
            args: tuple[str, ...] = ()) -> list[Run]:
    jobs: list[tuple[str, list[Path]]] = []
    for kind, paths in files.items():
        jobs.extend((kind, [p]) for p in paths[:alone])  # the crash cases, each in its own process
        jobs.extend((kind, paths[i:i + batch]) for i in range(alone, len(paths), batch))
    with ThreadPoolExecutor(workers) as pool:
        return [r for runs in pool.map(lambda job: run_batch(*job, args), jobs) for r in runs]


def figures(runs: list[Run]) -> dict[str, Figures]:
    out: dict[str, Figures] = {}
    for r in runs:
        f = out.setdefault(r.kind, Figures(r.kind))
        f.count += 1
        f.crashes += r.problem is not None
        f.max_seconds = max(f.max_seconds, r.seconds)
        f.max_rss_mb = max(f.max_rss_mb, r.rss_mb)
        for code in r.codes[:1]:
            f.codes[code] = f.codes.get(code, 0) + 1
    return out


def table(figs: dict[str, Figures]) -> str:
    rows = [f"{'kind':<20} {'files':>5} {'crashes':>7} {'max s':>6} {'max RSS MB':>10}  first finding"]
    for f in figs.values():
        codes = ", ".join(f"{c} {n}" for c, n in sorted(f.codes.items(), key=lambda kv: -kv[1]))
        rows.append(f"{f.kind:<20} {f.count:>5} {f.crashes:>7} {f.max_seconds:>6.2f} {f.max_rss_mb:>10.0f}  {codes}")
    total = Figures("all", sum(f.count for f in figs.values()), sum(f.crashes for f in figs.values()),
                    max((f.max_seconds for f in figs.values()), default=0),
                    max((f.max_rss_mb for f in figs.values()), default=0))
    rows.append(f"{'all':<20} {total.count:>5} {total.crashes:>7} {total.max_seconds:>6.2f} {total.max_rss_mb:>10.0f}")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tests.fuzz.runner")
    ap.add_argument("kinds", nargs="*", default=list(KINDS))
    ap.add_argument("--per-kind", type=int, default=48)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        started = time.monotonic()
        runs = run_all(write_files(Path(tmp), args.kinds, args.per_kind))
        print(table(figures(runs)))
        print(f"{len(runs)} files in {time.monotonic() - started:.0f} s")
        for r in runs:
            if r.problem:
                print(f"CRASH {r.path.name}: {r.problem}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
