"""Time per report for each layout family (tests/engine/families.py): the median and the slowest
`reports.check` over every figure set of the family, and how the readings came out (full: every
figure, agency and year right; partial: no wrong figure but some unread; WRONG: a wrong figure).

The files are rendered first and not timed; the timed part is reports.check in-process, imports warm.
Aim (issue 9): every report checked in <= 1 s on these cores, the slowest included.

    python -m bench.bench_families [--seeds 1] [--family NAME ...] [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def _outcome(r, rep) -> str:
    extra = any(v is not None for k, v in rep.figures.items() if k not in r.truth)
    wrong = extra or any(rep.figures.get(k) is not None and rep.figures.get(k) != v
                and not (v is None and rep.figures.get(k) == r.values.get(k)) for k, v in r.truth.items())
    if wrong:
        return "wrong"
    full = all(rep.figures.get(k) == v for k, v in r.truth.items() if k not in r.unknowable)
    return "full" if full and (rep.agency, rep.year) == (r.agency, r.year) else "partial"


def run(families: list[str], seeds: int) -> list[dict[str, object]]:
    import reports
    from tests.engine.families import FAMILIES, figure_sets, render

    sets = figure_sets(random_seeds=(11,))
    reports.check(render("tabs", sets[0], 1).data, "warm.txt")  # imports and first-call costs
    out = []
    for fam in families or list(FAMILIES):
        times: list[tuple[float, str]] = []
        outcomes = {"full": 0, "partial": 0, "wrong": 0}
        for fs in sets:
            for seed in range(1, seeds + 1):
                r = render(fam, fs, seed)
                start = time.perf_counter()
                rep = reports.check(r.data, r.filename)
                times.append((time.perf_counter() - start, f"{fs.name}/{seed}"))
                outcomes[_outcome(r, rep)] += 1
        slowest = max(times)
        out.append({"family": fam, "reports": len(times), "median_s": statistics.median(t for t, _ in times),
                    "slowest_s": slowest[0], "slowest": slowest[1], **outcomes})
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", type=int, default=1, help="renderings per family and figure set")
    ap.add_argument("--family", action="append", default=[], help="only this family (repeatable)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    rows = run(args.family, args.seeds)
    if args.json:
        print(json.dumps(rows, ensure_ascii=False))
        return 0
    print("check time per report by layout family, seconds (in-process, imports warm)")
    print(f"{'family':<10}{'reports':>8}{'median':>9}{'slowest':>9}  {'full':>4} {'partial':>7} {'WRONG':>5}  slowest on")
    for r in rows:
        print(f"{r['family']:<10}{r['reports']:>8}{r['median_s']:>9.3f}{r['slowest_s']:>9.3f}  "
              f"{r['full']:>4} {r['partial']:>7} {r['wrong']:>5}  {r['slowest']}")
    worst = max(rows, key=lambda r: r["slowest_s"])
    print(f"slowest report of all: {worst['slowest_s']:.3f} s ({worst['family']} {worst['slowest']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
