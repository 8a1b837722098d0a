"""Question latency: p50/p95 of storage.answers.answer over 10,000 stored reports.

The store (default 2,000 agencies x 5 years = 10,000 reports, each with its 200 figures from
tests/docgen.py) is written first, in bulk, straight into the tables (not timed). Then a few hundred
mixed questions (one agency's figure in Chinese and English, sums, rankings, comparisons, shares,
counts, ambiguous and unknown names, help) are asked one after another on one session, each
timed from text to formatted answer, twice: with the answer cache as shipped (repeated aggregate
questions hit it) and with it off (every question runs its SQL). Aim: p95 < 20 ms.

    python -m bench.bench_questions [--reports 10000] [--questions 400] [--database-url URL] [--no-cache] [--json]

--database-url takes an empty database; a PostgreSQL URL may carry ?search_path=SCHEMA (an empty schema).
--no-cache measures only the uncached run.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DEPARTMENTS = (
    "工业和信息化局", "人民政府", "市场监督管理局", "教育局", "公安局", "财政局", "住房和城乡建设局",
    "交通运输局", "卫生健康委员会", "自然资源局", "生态环境局", "民政局", "司法局", "审计局", "统计局",
    "商务局", "水利局", "农业农村局", "文化和旅游局", "应急管理局", "人力资源和社会保障局", "发展和改革委员会",
)
YEARS = (2020, 2021, 2022, 2023, 2024)


def agencies(n: int) -> list[str]:
    """n agency names: every department of every place the question grammar knows by pinyin."""
    from reports.questions.agencies import PINYIN

    places = [p for p in PINYIN if p not in ("河南", "江苏", "云南")]
    out = []
    for suffix in ("市", "县"):
        for place in places:
            for dept in DEPARTMENTS:
                out.append(f"{place}{suffix}{dept}")
                if len(out) == n:
                    return out
    raise ValueError(f"at most {len(out)} agencies here (the pinyin list); bench.bench_scale goes to 500,000 reports")


async def fill(url: str, n_reports: int) -> list[str]:
    """Bulk-insert n_reports reports (agencies x YEARS) with their figures; returns the agency names."""
    from sqlalchemy import insert

    from reports.agency import agency_kind, agency_level, agency_region, normalise_agency
    from storage import aggregates
    from storage.db import make_engine, upgrade
    from storage.models import Agency, Figure, Report, Workspace
    from tests.docgen import make_figures

    await upgrade(url)
    names = agencies(n_reports // len(YEARS))
    engine = make_engine(url)
    try:
        async with engine.begin() as conn:
            ws = (await conn.execute(insert(Workspace).values(name="library").returning(Workspace.id))).scalar_one()
            rows = []
            for name in names:
                province, city, county = agency_region(name)
                rows.append({"name": name, "normalised": normalise_agency(name), "province": province, "city": city,
                             "county": county, "level": agency_level(name), "kind": agency_kind(name), "aliases": []})
            await conn.execute(insert(Agency), rows)
        async with engine.begin() as conn:
            from sqlalchemy import select

            ids = dict((await conn.execute(select(Agency.name, Agency.id))).all())
        figures_pool = [make_figures(seed) for seed in range(200)]  # reused: drawing 10,000 is the slow part
        rid = 0
        batch_reports: list[dict] = []
        batch_figures: list[dict] = []

        async def flush() -> None:
            async with engine.begin() as conn:
                if batch_reports:
                    await conn.execute(insert(Report), batch_reports)
                if batch_figures:
                    await conn.execute(insert(Figure), batch_figures)
            batch_reports.clear()
            batch_figures.clear()

        rng = random.Random(7)
        for name in names:
            for year in YEARS:
                rid += 1
                fails = rng.random() < 0.05
                batch_reports.append({
                    "id": rid, "workspace_id": ws, "agency_id": ids[name], "agency_name": name, "year": year,
                    "format": "2021", "verdict": "fail" if fails else "pass", "error_count": int(fails),
                    "warning_count": 0, "file_name": f"r{rid}.txt", "sha256": f"{rid:064x}", "published": True,
                    "report_json": {},
                })
                for key, value in figures_pool[rid % len(figures_pool)].items():
                    batch_figures.append({"report_id": rid, "key": key, "value": float(value), "is_null": False})
                if len(batch_figures) >= 50_000:
                    await flush()
        await flush()
        async with engine.begin() as conn:  # totals, rankings and aliases, as a store kept by its saves has them
            await conn.run_sync(aggregates.rebuild)
        if engine.dialect.name == "postgresql":  # fresh planner statistics, as autovacuum would gather
            async with engine.begin() as conn:
                await conn.exec_driver_sql("ANALYZE")
    finally:
        await engine.dispose()
    return names


def questions(names: list[str], n: int, seed: int = 1) -> list[str]:
    """A mix of what people ask, over the stored names."""
    from reports.questions.agencies import PINYIN

    rng = random.Random(seed)
    short = {"工业和信息化局": "工信局", "人民政府": "政府", "市场监督管理局": "市场监管局"}
    en_body = {"工业和信息化局": "industry bureau", "人民政府": "government", "教育局": "education bureau",
               "公安局": "public security bureau", "财政局": "finance bureau"}
    zh_metrics = ("收到多少申请", "予以公开多少件", "不予公开多少", "办结多少件", "行政复议多少件", "行政诉讼",
                  "法人或其他组织申请多少", "自然人申请", "行政处罚", "现行有效规范性文件", "收费多少")
    en_metrics = ("new applications", "applications granted", "applications denied", "lawsuits",
                  "administrative reviews", "applications from businesses", "penalties")
    out = []
    while len(out) < n:
        name = rng.choice(names)
        place = next(p for p in PINYIN if name.startswith(p))
        dept = name[len(place) + 1:]
        year = rng.choice(YEARS)
        r = rng.random()
        if r < 0.35:
            out.append(f"{place}{short.get(dept, dept)}{year}年{rng.choice(zh_metrics)}")
        elif r < 0.55 and dept in en_body:
            out.append(f"{PINYIN[place].capitalize()} {en_body[dept]} {rng.choice(en_metrics)} in {year}")
        elif r < 0.62:
            out.append(f"{year}年全部单位共收到多少申请")
        elif r < 0.67:
            out.append(f"{place}{name[len(place)]}全部单位{year}年共收到多少申请")
        elif r < 0.74:
            out.append(rng.choice((f"{year}年哪些单位收到的申请最多", f"Top 5 agencies by applications granted in {year}")))
        elif r < 0.80:
            out.append(f"{place}{short.get(dept, dept)}{year}年比去年多了多少申请")
        elif r < 0.85:
            out.append(f"{place}{short.get(dept, dept)}{year}年予以公开占比")
        elif r < 0.89:
            out.append(rng.choice((f"库里有几份{year}年的报告", f"How many reports are stored for {year}?")))
        elif r < 0.92:
            out.append("工信局2023年收到多少申请")  # ambiguous: one per place
        elif r < 0.95:
            out.append(rng.choice(("郑州高新区工信局2023年收到多少申请", "Atlantis industry bureau new applications")))
        elif r < 0.97:
            out.append(rng.choice(("今天天气怎么样", "help")))
        else:
            out.append(f"{year}年哪些报告没通过校验")
    return out


async def measure(url: str, qs: list[str], cache: bool = True) -> dict:
    import storage.answers
    from storage.answers import answer, invalidate_cache
    from storage.db import make_engine, make_sessionmaker

    shipped = storage.answers.RESULT_CACHE
    storage.answers.RESULT_CACHE = shipped if cache else 0
    invalidate_cache()
    engine = make_engine(url)
    times: list[float] = []
    cpu: list[float] = []  # process CPU seconds per question: what a quiet machine's latency is close to
    by_kind: dict[str, list[float]] = {}
    kinds: dict[str, int] = {}
    try:
        async with make_sessionmaker(engine)() as session:
            first = time.perf_counter()
            await answer(session, qs[0], today=dt.date(2025, 3, 1))  # loads the name cache
            cold = time.perf_counter() - first
            for q in qs:
                t0, c0 = time.perf_counter(), time.process_time()
                a = await answer(session, q, today=dt.date(2025, 3, 1))
                times.append(time.perf_counter() - t0)
                cpu.append(time.process_time() - c0)
                kinds[a.query["kind"]] = kinds.get(a.query["kind"], 0) + 1
                by_kind.setdefault(a.query["kind"], []).append(times[-1] * 1000)
    finally:
        await engine.dispose()
        storage.answers.RESULT_CACHE = shipped
    times.sort()
    ms = [t * 1000 for t in times]
    cpu_ms = sorted(t * 1000 for t in cpu)
    return {
        "questions": len(ms),
        "first_question_ms": round(cold * 1000, 2),
        "p50_ms": round(statistics.median(ms), 2),
        "p95_ms": round(ms[int(0.95 * (len(ms) - 1))], 2),
        "max_ms": round(ms[-1], 2),
        "cpu_p50_ms": round(statistics.median(cpu_ms), 2),
        "cpu_p95_ms": round(cpu_ms[int(0.95 * (len(cpu_ms) - 1))], 2),
        "p95_ms_by_kind": {k: round(sorted(v)[int(0.95 * (len(v) - 1))], 2) for k, v in sorted(by_kind.items())},
        "kinds": dict(sorted(kinds.items())),
        "cache": cache,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=10_000)
    parser.add_argument("--questions", type=int, default=400)
    parser.add_argument("--database-url", default=None, help="an empty database (default: a temporary SQLite file)")
    parser.add_argument("--no-cache", action="store_true", help="only the run with the answer cache off")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        t0 = time.perf_counter()
        names = asyncio.run(fill(url, args.reports))
        fill_s = time.perf_counter() - t0
        qs = questions(names, args.questions)
        runs = [asyncio.run(measure(url, qs, cache)) for cache in ((False,) if args.no_cache else (True, False))]
    result = {"reports": len(names) * len(YEARS), "agencies": len(names), "fill_s": round(fill_s, 1),
              "database": url.split(":", 1)[0], "runs": runs}
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
        return 0
    print(f"questions over {result['reports']} stored reports ({result['agencies']} agencies, {result['database']}; "
          f"filled in {result['fill_s']} s)")
    for r in runs:
        print(f"  answer cache {'on ' if r['cache'] else 'off'}: {r['questions']} questions: p50 {r['p50_ms']} ms, "
              f"p95 {r['p95_ms']} ms, max {r['max_ms']} ms (first question, loading names: "
              f"{r['first_question_ms']} ms); CPU p50 {r['cpu_p50_ms']} ms, p95 {r['cpu_p95_ms']} ms")
        print(f"    p95 by kind: {r['p95_ms_by_kind']}")
    print(f"  kinds: {runs[0]['kinds']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
