"""Time per report for each layout family (tests/engine/families.py): the median and the slowest
`reports.check` over every figure set of the family, and how the readings came out (full: every
figure, agency and year right; partial: no wrong figure but some unread; WRONG: a wrong figure).
Last, the row `hostile`: reports whose every table row is a run of random digits (the longest
searches the engine can be made to do); only its time counts.

The files are rendered first and not timed; the timed part is reports.check in-process, imports warm.
Wall seconds, and CPU seconds of the process (steadier on cores shared with other work).
Aim (issue 9): every report checked in <= 1 s on these cores, the slowest included.

    python -m bench.bench_families [--seeds 1] [--family NAME ...] [--hostile N] [--json]
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


_ROWS = ("一、本年新收政府信息公开申请数量", "二、上年结转政府信息公开申请数量", "（一）予以公开", "（二）部分公开",
         "1.属于国家秘密", "2.其他法律行政法规禁止公开", "3.危及“三安全一稳定”", "4.保护第三方合法权益",
         "5.属于三类内部事务信息", "6.属于四类过程性信息", "7.属于行政执法案卷", "8.属于行政查询事项",
         "1.本机关不掌握相关政府信息", "2.没有现成信息需要另行制作", "3.补正后申请内容仍不明确", "1.信访举报投诉类申请",
         "2.重复申请", "3.要求提供公开出版物", "4.无正当理由大量反复申请", "5.要求行政机关确认或重新出具已获取信息",
         "1.申请人无正当理由逾期不补正", "2.申请人逾期未按收费通知要求缴纳费用", "3.其他", "（七）总计", "四、结转下年度继续办理")


def hostile(seed: int) -> bytes:
    """A report whose every table row is a run of random digits (14 to 63 of them), the rows on one
    line, on lines of their own or apart from their labels."""
    import random

    rng = random.Random(seed)
    alphabet = ("123456789", "10", "1234567890")[seed % 3]

    def run() -> str:
        return "".join(rng.choice(alphabet) for _ in range(rng.choice((14, 20, 28, 35, 45, 63))))

    sep = ("", " ", "\n")[seed // 3 % 3]
    parts = ["示例局2023年政府信息公开工作年度报告", "一、总体情况", "二、主动公开政府信息情况", "规章" + run(),
             "行政规范性文件" + run(), "行政许可" + run(), "三、收到和处理政府信息公开申请情况",
             "申请人情况自然人法人或其他组织总计商业企业科研机构社会公益组织法律服务机构其他"]
    parts += [label + sep + run() for label in _ROWS]
    parts += ["四、政府信息公开行政复议、行政诉讼情况", "行政复议行政诉讼结果维持结果纠正其他结果尚未审结总计", run() + run(),
              "五、存在的主要问题及改进情况", "六、其他需要报告的事项"]
    return sep.join(parts).encode()


def _timed(check, data: bytes, name: str) -> tuple[float, float, object]:
    start, cpu = time.perf_counter(), time.process_time()
    rep = check(data, name)
    return time.perf_counter() - start, time.process_time() - cpu, rep


def _row(name: str, times: list[tuple[float, float, str]], **outcomes: int) -> dict[str, object]:
    slowest = max(times)
    return {"family": name, "reports": len(times), "median_s": statistics.median(t for t, _, _ in times),
            "slowest_s": slowest[0], "slowest": slowest[2], "median_cpu_s": statistics.median(c for _, c, _ in times),
            "slowest_cpu_s": max(c for _, c, _ in times), **outcomes}


def run(families: list[str], seeds: int, hostiles: int = 9) -> list[dict[str, object]]:
    import reports
    from tests.engine.families import FAMILIES, figure_sets, render

    sets = figure_sets(random_seeds=(11,))
    reports.check(render("tabs", sets[0], 1).data, "warm.txt")  # imports and first-call costs
    out = []
    for fam in families or list(FAMILIES):
        times: list[tuple[float, float, str]] = []
        outcomes = {"full": 0, "partial": 0, "wrong": 0}
        for fs in sets:
            for seed in range(1, seeds + 1):
                r = render(fam, fs, seed)
                wall, cpu, rep = _timed(reports.check, r.data, r.filename)
                outcomes[_outcome(r, rep)] += 1
                times.append((wall, cpu, f"{fs.name}/{seed}"))
        out.append(_row(fam, times, **outcomes))
    if hostiles and not families:
        out.append(_row("hostile", [(*_timed(reports.check, hostile(i), "hostile.txt")[:2], f"seed {i}")
                                    for i in range(hostiles)], full=0, partial=0, wrong=0))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", type=int, default=1, help="renderings per family and figure set")
    ap.add_argument("--family", action="append", default=[], help="only this family (repeatable)")
    ap.add_argument("--hostile", type=int, default=9, help="hostile reports of random digit runs (0: none)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    rows = run(args.family, args.seeds, args.hostile)
    if args.json:
        print(json.dumps(rows, ensure_ascii=False))
        return 0
    print("check time per report by layout family, seconds (in-process, imports warm): wall, and CPU")
    print(f"{'family':<10}{'reports':>8}{'median':>9}{'slowest':>9}{'cpu med':>9}{'cpu max':>9}  "
          f"{'full':>4} {'partial':>7} {'WRONG':>5}  slowest on")
    for r in rows:
        print(f"{r['family']:<10}{r['reports']:>8}{r['median_s']:>9.3f}{r['slowest_s']:>9.3f}"
              f"{r['median_cpu_s']:>9.3f}{r['slowest_cpu_s']:>9.3f}  "
              f"{r['full']:>4} {r['partial']:>7} {r['wrong']:>5}  {r['slowest']}")
    worst = max(rows, key=lambda r: r["slowest_s"])
    print(f"slowest report of all: {worst['slowest_s']:.3f} s ({worst['family']} {worst['slowest']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
