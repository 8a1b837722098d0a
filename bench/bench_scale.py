"""National scale: questions over 10,000 to 500,000 stored reports (200 figures each), on SQLite
and PostgreSQL.

Agencies come from real place names x departments (bench.places, ~31,600 names; years back from
2024, five at least, as many as the size needs). The store is bulk-filled straight into the tables:
agencies, aliases and reports with COPY on PostgreSQL (asyncpg copy_records_to_table) and executemany
on SQLite, and the figure rows by the database itself from a pool of FIGURE_POOL generated figure
sets (INSERT ... SELECT joining the reports to the pool, on two connections side by side on
PostgreSQL); the figure indexes and keys built after the load, then the totals, rankings and aliases
(storage.aggregates, storage.aliases) computed from it as migration 0005 does. Reported per size and database: the fill rate, the
database size, the question p50/p95/max with the answer cache on and off (each kind too), the first
question on a fresh engine with every cache cleared, and the plan (EXPLAIN ANALYZE on PostgreSQL,
EXPLAIN QUERY PLAN on SQLite) of every statement one question of each kind runs. --ingest also times
`nianbao ingest` (bench.bench_store: text reports, parsing included) into PostgreSQL.

    python -m bench.bench_scale [--sizes 10000,100000] [--databases sqlite,postgres] [--questions 300]
        [--pg-url postgresql+asyncpg://postgres@127.0.0.1:5432/nianbao_scale] [--ingest N] [--jobs 2]
        [--national] [--keep] [--reuse] [--json]

--national adds the 500,000-report run on PostgreSQL (about 15 minutes on 2 cores and 25 GB of disk:
100 M figure rows). --keep and --reuse measure a kept database again without filling it. The
PostgreSQL database named by --pg-url is created when missing and dropped at the end (--keep keeps
it); SQLite runs in a temporary folder.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import random
import re
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.places import agency_names  # noqa: E402

PG_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/nianbao_scale"
LAST_YEAR = 2024
TODAY = dt.date(2025, 3, 1)
FIGURE_POOL = 300  # distinct figure sets, reused round-robin (drawing one per report is the slow part)
SHORT = {"工业和信息化局": "工信局", "人民政府": "政府", "市场监督管理局": "市场监管局", "发展和改革委员会": "发改委",
         "住房和城乡建设局": "住建局", "人力资源和社会保障局": "人社局", "卫生健康委员会": "卫健委"}
ZH_METRICS = ("收到多少申请", "予以公开多少件", "不予公开多少", "行政复议多少件", "行政诉讼", "法人或其他组织申请多少",
              "自然人申请", "现行有效规范性文件")


def layout(n_reports: int) -> tuple[list[str], list[int]]:
    """(agency names, years) for n_reports: five years when the names suffice, else more years."""
    names = agency_names()
    n_years = max(5, -(-n_reports // len(names)))
    years = list(range(LAST_YEAR - n_years + 1, LAST_YEAR + 1))
    return names[: -(-n_reports // n_years)], years


def _pg_dsn(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def _pg_admin(url: str, sql: str) -> None:
    import asyncpg
    from sqlalchemy.engine import make_url

    conn = await asyncpg.connect(_pg_dsn(make_url(url).set(database="postgres").render_as_string(hide_password=False)))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def pg_reset(url: str) -> None:
    from sqlalchemy.engine import make_url

    db = make_url(url).database
    if db in (None, "postgres", "test"):
        raise SystemExit(f"bench_scale: refusing to drop the database {db!r}: name one of its own")
    await _pg_admin(url, f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
    await _pg_admin(url, f'CREATE DATABASE "{db}"')


def _rows(names: list[str], years: list[int], n_reports: int, ws: int):  # type: ignore[no-untyped-def]
    """(agency rows, report rows, figure pool rows, alias rows), ids from 1. The figures of report r
    are the pool's set (r * 7919) % FIGURE_POOL: rows (slot, position, key, value, is_null) that the
    database joins to the reports (POOL_JOIN), so no figure row passes through Python."""
    from reports.agency import agency_kind, agency_level, agency_region, normalise_agency
    from storage.aliases import alias_rows
    from tests.docgen import make_figures

    now = dt.datetime.now(dt.UTC)
    agencies = []
    aliases = []
    for i, name in enumerate(names, 1):
        province, city, county = agency_region(name)
        agencies.append((i, name, normalise_agency(name), province, city, county, agency_level(name),
                         agency_kind(name), "[]", now))
        aliases += [(r["key"], i, r["region"], r["generic"]) for r in alias_rows(i, name)]
    rng = random.Random(7)
    reports = []
    rid = 0
    for i, name in enumerate(names, 1):
        for year in years:
            if rid == n_reports:
                break
            rid += 1
            fails = rng.random() < 0.05
            reports.append((rid, ws, i, name, year, "2021", "fail" if fails else "pass", int(fails), 0, f"r{rid}.txt",
                            f"{rid:064x}", None, True, None, "{}", now, now))
    pool = [(slot, pos, key, float(value), False)
            for slot in range(FIGURE_POOL) for pos, (key, value) in enumerate(sorted(make_figures(slot).items()))]
    return agencies, reports, pool, aliases


AGENCY_COLS = ["id", "name", "normalised", "province", "city", "county", "level", "kind", "aliases", "created_at"]
REPORT_COLS = ["id", "workspace_id", "agency_id", "agency_name", "year", "format", "verdict", "error_count",
               "warning_count", "file_name", "sha256", "uploader", "published", "superseded_by", "report_json",
               "created_at", "updated_at"]
FIGURE_COLS = ["id", "report_id", "key", "value", "is_null"]
ALIAS_COLS = ["key", "agency_id", "region", "generic"]
POOL_COLS = ["slot", "pos", "key", "value", "is_null"]
POOL_TABLE = ("CREATE TABLE figure_pool (slot INTEGER, pos INTEGER, key VARCHAR(64), value FLOAT, is_null BOOLEAN, "
              "PRIMARY KEY (slot, pos))")
# The figure rows of the reports with ids in [:lo, :hi): report r gets pool set (r * 7919) % FIGURE_POOL,
# figure ids (r - 1) * 200 + position + 1 (every set holds 200 keys: the generator draws each key);
# a nested loop over the reports in id order, so each report's figures lie together as a save writes them.
POOL_JOIN = (f"INSERT INTO figures ({', '.join(FIGURE_COLS)}) "
             "SELECT (r.id - 1) * 200 + p.pos + 1, r.id, p.key, p.value, p.is_null FROM reports r "
             f"JOIN figure_pool p ON p.slot = ((r.id % {FIGURE_POOL}) * 7919) % {FIGURE_POOL} WHERE r.id >= {{lo}} AND r.id < {{hi}}")
# Built after the load (as a restore does); their definitions as migrations 0001/0003/0005 make them.
LATE_INDEXES = (
    ("ix_figures_key_report_value", "CREATE INDEX ix_figures_key_report_value ON figures (key, report_id, value)"),
    ("ix_figures_report_key", "CREATE UNIQUE INDEX ix_figures_report_key ON figures (report_id, key)"),
    ("ix_ranked_figures_rank",
     "CREATE INDEX ix_ranked_figures_rank ON ranked_figures (workspace_id, year, key, value, agency, report_id)"),
)
# Primary keys PostgreSQL builds after the load too (as migration 0001 and 0005 define them).
PG_LATE_KEYS = (("figures", "id"), ("ranked_figures", "report_id, key"))
LOADERS = max(1, min(2, os.cpu_count() or 1))  # connections filling and indexing side by side


def _ranges(n: int, parts: int) -> list[tuple[int, int]]:
    step = -(-n // parts)
    return [(lo, min(lo + step, n + 1)) for lo in range(1, n + 1, step)]


def _key_index(table: str, cols: str) -> str:
    """The primary key's index, built beside the others (ALTER TABLE ... ADD PRIMARY KEY would wait
    for their locks), then made the key by _add_key at once."""
    return f"CREATE UNIQUE INDEX {table}_pkey ON {table} ({cols})"


def _add_key(table: str) -> str:
    return f"ALTER TABLE {table} ADD CONSTRAINT {table}_pkey PRIMARY KEY USING INDEX {table}_pkey"


async def _pg_conns(url: str, n: int) -> list[Any]:
    import asyncpg

    conns = [await asyncpg.connect(_pg_dsn(url)) for _ in range(n)]
    for c in conns:
        await c.execute("SET session_replication_role = replica")  # no FK triggers during the load
        await c.execute("SET maintenance_work_mem = '2GB'")
        await c.execute("SET max_parallel_maintenance_workers = 0")  # the connections are the parallelism
    return conns


async def fill_pg(url: str, n_reports: int) -> dict[str, Any]:
    from storage.aggregates import REBUILD_SQL
    from storage.db import upgrade

    await pg_reset(url)
    await upgrade(url)
    names, years = layout(n_reports)
    t0 = time.perf_counter()
    conns = await _pg_conns(url, LOADERS)
    conn = conns[0]

    async def each(sqls: list[str]) -> None:  # the statements in order, on every connection at once
        todo = list(sqls)

        async def work(c: Any) -> None:
            while todo:
                await c.execute(todo.pop(0))

        await asyncio.gather(*(work(c) for c in conns))

    try:
        for name, _ in LATE_INDEXES:
            await conn.execute(f"DROP INDEX {name}")
        for table, _ in PG_LATE_KEYS:  # filled from several connections, they would split half-full pages
            await conn.execute(f"ALTER TABLE {table} DROP CONSTRAINT {table}_pkey")
        ws = await conn.fetchval("INSERT INTO workspaces (name, created_at) VALUES ('library', now()) RETURNING id")
        agencies, reports, pool, aliases = _rows(names, years, n_reports, ws)
        await conn.copy_records_to_table("agencies", records=agencies, columns=AGENCY_COLS)
        await conn.copy_records_to_table("agency_aliases", records=aliases, columns=ALIAS_COLS)
        await conn.copy_records_to_table("reports", records=reports, columns=REPORT_COLS)
        await conn.execute(POOL_TABLE)
        await conn.copy_records_to_table("figure_pool", records=pool, columns=POOL_COLS)
        await conn.execute("ANALYZE reports; ANALYZE figure_pool")
        t_fig = time.perf_counter()
        await each([POOL_JOIN.format(lo=lo, hi=hi) for lo, hi in _ranges(len(reports), 8 * LOADERS)])
        copy_s = time.perf_counter() - t_fig
        await conn.execute("DROP TABLE figure_pool")
        for table in ("agencies", "reports", "figures"):
            await conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        await conn.execute("VACUUM ANALYZE figures")  # the visibility map, so the figure indexes answer alone
        t_idx = time.perf_counter()
        await each([LATE_INDEXES[0][1], LATE_INDEXES[1][1], _key_index(*PG_LATE_KEYS[0])])
        await conn.execute(_add_key(PG_LATE_KEYS[0][0]))
        index_s = time.perf_counter() - t_idx
        t_tot = time.perf_counter()
        for sql in REBUILD_SQL[:3]:
            await conn.execute(sql)
        await each(list(REBUILD_SQL[3:]))  # figure_totals, report_totals, ranked_figures
        await each([LATE_INDEXES[2][1], _key_index(*PG_LATE_KEYS[1])])
        await conn.execute(_add_key(PG_LATE_KEYS[1][0]))
        totals_s = time.perf_counter() - t_tot
        await conn.execute("VACUUM ANALYZE")
        size = await conn.fetchval("SELECT pg_database_size(current_database())")
        n_fig = await conn.fetchval("SELECT reltuples::bigint FROM pg_class WHERE relname = 'figures'")
    finally:
        for c in conns:
            await c.close()
    elapsed = time.perf_counter() - t0
    return _fill_result(names, years, reports, n_fig, elapsed, copy_s, index_s, totals_s, size, "COPY + pool join")


def fill_sqlite(url: str, n_reports: int) -> dict[str, Any]:
    from storage.aggregates import REBUILD_SQL
    from storage.db import upgrade

    asyncio.run(upgrade(url))
    path = url.split("///", 1)[1]
    names, years = layout(n_reports)
    t0 = time.perf_counter()
    db = sqlite3.connect(path)
    try:
        db.execute("PRAGMA synchronous=OFF")
        for name, _ in LATE_INDEXES:
            db.execute(f"DROP INDEX {name}")
        ws = db.execute("INSERT INTO workspaces (name, created_at) VALUES ('library', datetime('now'))").lastrowid
        agencies, reports, pool, aliases = _rows(names, years, n_reports, ws)

        def many(table: str, cols: list[str], rows: Any) -> None:
            db.executemany(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})", rows)

        many("agencies", AGENCY_COLS, agencies)
        many("agency_aliases", ALIAS_COLS, aliases)
        many("reports", REPORT_COLS, reports)
        db.execute(POOL_TABLE.replace("CREATE TABLE", "CREATE TEMP TABLE"))
        many("figure_pool", POOL_COLS, pool)
        t_fig = time.perf_counter()
        db.execute(POOL_JOIN.format(lo=1, hi=len(reports) + 1))
        db.commit()
        copy_s = time.perf_counter() - t_fig
        t_idx = time.perf_counter()
        for _, sql in LATE_INDEXES[:2]:
            db.execute(sql)
        index_s = time.perf_counter() - t_idx
        t_tot = time.perf_counter()
        for sql in REBUILD_SQL:
            db.execute(sql)
        db.execute(LATE_INDEXES[2][1])
        db.commit()
        totals_s = time.perf_counter() - t_tot
        db.execute("ANALYZE")
        db.commit()
        n_fig = db.execute("SELECT max(id) FROM figures").fetchone()[0]
    finally:
        db.close()
    elapsed = time.perf_counter() - t0
    size = sum(os.path.getsize(p) for p in (path, path + "-wal") if os.path.exists(p))
    return _fill_result(names, years, reports, n_fig, elapsed, copy_s, index_s, totals_s, size,
                        "executemany + pool join")


def _fill_result(names: list[str], years: list[int], reports: list[Any], n_fig: int, elapsed: float, copy_s: float,
                 index_s: float, totals_s: float, size: int, how: str) -> dict[str, Any]:
    return {"reports": len(reports), "agencies": len(names), "years": f"{years[0]}-{years[-1]}",
            "figure_rows": n_fig, "fill_s": round(elapsed, 1), "load": how,
            "figure_rows_per_s": round(n_fig / copy_s), "reports_per_s": round(len(reports) / elapsed),
            "figure_load_s": round(copy_s, 1), "index_s": round(index_s, 1), "totals_s": round(totals_s, 1),
            "db_bytes": size, "db_size": f"{size / 2**30:.2f} GiB"}


# ---------------------------------------------------------------- questions


def _forms(name: str) -> tuple[str, str, str]:
    """(place as printed, its short form, the department as people write it) of a generated name."""
    m = re.match(r"^(?:北京市|天津市|上海市|重庆市)?(.+?(?:自治区|省|市|区))", name)
    place = m.group(1) if m else name[:3]
    dept = name[m.end():] if m else name[3:]
    short = re.sub(r"(?:自治区|省|市|区)$", "", place) or place
    return place, short, SHORT.get(dept, dept)


def questions(names: list[str], years: list[int], n: int, seed: int = 1) -> list[tuple[str, str]]:
    """(kind asked, question): a mix of what people ask, over the stored names."""
    from reports.questions.agencies import PINYIN

    rng = random.Random(seed)
    out: list[tuple[str, str]] = []
    while len(out) < n:
        name = rng.choice(names)
        place, short, dept = _forms(name)
        year = rng.choice(years)
        r = rng.random()
        if r < 0.30:
            out.append(("value", f"{rng.choice((place, short))}{dept}{year}年{rng.choice(ZH_METRICS)}"))
        elif r < 0.36 and short in PINYIN and dept == "教育局":
            out.append(("value-en", f"{PINYIN[short].capitalize()} education bureau new applications in {year}"))
        elif r < 0.44:
            out.append(("sum", rng.choice((f"{year}年全部单位共收到多少申请", f"Total applications received by all agencies in {year}"))))
        elif r < 0.49:
            out.append(("sum-region", f"{place}全部单位{year}年共收到多少申请"))
        elif r < 0.57:
            out.append(("top", rng.choice((f"{year}年哪些单位收到的申请最多", f"Top 5 agencies by applications granted in {year}",
                                           f"{year}年哪个单位行政复议最少"))))
        elif r < 0.65:
            out.append(("compare", f"{short}{dept}{year}年比去年多了多少申请"))
        elif r < 0.71:
            out.append(("share", f"{place}{dept}{year}年予以公开占比"))
        elif r < 0.79:
            out.append(("count", rng.choice((f"库里有几份{year}年的报告", f"How many reports are stored for {year}?"))))
        elif r < 0.84:
            out.append(("ambiguous", f"{dept}{year}年收到多少申请"))
        elif r < 0.89:
            out.append(("unknown", rng.choice(("郑州高新区工信局2023年收到多少申请", "Atlantis industry bureau new applications",
                                               "火星市教育局2023年收到多少申请"))))
        elif r < 0.93:
            out.append(("help", rng.choice(("今天天气怎么样", "help"))))
        elif r < 0.96:
            out.append(("compare-all", f"{year}年全部单位收到的申请比去年多了多少"))
        else:
            out.append(("value", f"{name}{year}年收到多少申请"))
    return out


def _pct(ms: list[float], p: float) -> float:
    return round(sorted(ms)[int(p * (len(ms) - 1))], 2)


async def measure(url: str, qs: list[tuple[str, str]], cache: bool) -> dict[str, Any]:
    from sqlalchemy import text

    import storage.answers
    from reports.questions.agencies import _entry, agency_index
    from storage.answers import answer, invalidate_cache
    from storage.db import make_engine, make_sessionmaker

    shipped = storage.answers.RESULT_CACHE
    storage.answers.RESULT_CACHE = shipped if cache else 0
    invalidate_cache()
    agency_index.cache_clear()
    _entry.cache_clear()
    engine = make_engine(url)
    times: list[float] = []
    per_kind: dict[str, list[float]] = {}
    got: dict[str, int] = {}
    try:
        async with make_sessionmaker(engine)() as session:
            # A started bot has connected (it ran the migrations): the first question then finds
            # an open connection and every cache of the answers empty.
            await session.execute(text("SELECT 1"))
            await session.commit()
            t0 = time.perf_counter()
            await answer(session, qs[0][1], today=TODAY)
            first = time.perf_counter() - t0
            for asked, q in qs:
                t0 = time.perf_counter()
                a = await answer(session, q, today=TODAY)
                ms = (time.perf_counter() - t0) * 1000
                times.append(ms)
                per_kind.setdefault(asked, []).append(ms)
                got[a.kind] = got.get(a.kind, 0) + 1
    finally:
        await engine.dispose()
        storage.answers.RESULT_CACHE = shipped
    return {"cache": cache, "questions": len(times), "first_question_ms": round(first * 1000, 2),
            "p50_ms": _pct(times, 0.5), "p95_ms": _pct(times, 0.95), "max_ms": round(max(times), 2),
            "by_kind_p95_ms": {k: _pct(v, 0.95) for k, v in sorted(per_kind.items())},
            "answers": dict(sorted(got.items()))}


async def plans(url: str, qs: list[tuple[str, str]]) -> dict[str, list[str]]:
    """The plan of every statement one question of each kind runs, as the database executes it."""
    from sqlalchemy import event

    import storage.answers
    from storage.answers import answer
    from storage.db import make_engine, make_sessionmaker

    storage.answers.RESULT_CACHE = 0
    engine = make_engine(url)
    seen: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, params: Any, _ctx: Any, _many: bool) -> None:
        if statement.lstrip().upper().startswith("SELECT") or statement.lstrip().upper().startswith("WITH"):
            seen.append((statement, params))

    out: dict[str, list[str]] = {}
    try:
        async with make_sessionmaker(engine)() as session:
            await answer(session, qs[0][1], today=TODAY)  # views loaded: plans of a warm question
            done: set[str] = set()
            for asked, q in qs:
                if asked in done:
                    continue
                done.add(asked)
                event.listen(engine.sync_engine, "before_cursor_execute", capture)
                seen.clear()
                await answer(session, q, today=TODAY)
                event.remove(engine.sync_engine, "before_cursor_execute", capture)
                lines = [f"-- {q}"]
                for statement, params in list(seen):
                    prefix = ("EXPLAIN (ANALYZE, BUFFERS) " if engine.dialect.name == "postgresql"
                              else "EXPLAIN QUERY PLAN ")
                    rows = await _explain(session, prefix + statement, params)
                    lines.append(" ".join(statement.split())[:300])
                    lines += ["    " + r for r in rows]
                out[asked] = lines
    finally:
        await engine.dispose()
    return out


async def _explain(session: Any, sql: str, params: Any) -> list[str]:
    conn = await session.connection()
    res = await conn.exec_driver_sql(sql, params if params else ())
    return [" | ".join(str(c) for c in row) for row in res.all()]


# ---------------------------------------------------------------- ingest


def ingest(url: str, n: int, jobs: int) -> dict[str, Any]:
    import subprocess

    asyncio.run(pg_reset(url))
    out = subprocess.run([sys.executable, "-m", "bench.bench_store", "--reports", str(n), "--jobs", str(jobs),
                          "--database-url", url, "--json"], cwd=ROOT, capture_output=True, text=True, check=False)
    lines = [ln for ln in out.stdout.splitlines() if ln.startswith("{")]
    if not lines:
        return {"error": (out.stderr or out.stdout)[-500:]}
    return json.loads(lines[-1])


# ---------------------------------------------------------------- main


async def pg_filled(url: str, n: int) -> dict[str, Any] | None:
    """The fill result of a database already holding the n reports (--reuse), else None."""
    import asyncpg

    try:
        conn = await asyncpg.connect(_pg_dsn(url))
    except Exception:  # no such database yet
        return None
    try:
        if await conn.fetchval("SELECT count(*) FROM reports") != n:
            return None
        size = await conn.fetchval("SELECT pg_database_size(current_database())")
    except Exception:
        return None
    finally:
        await conn.close()
    names, years = layout(n)
    return {"reports": n, "agencies": len(names), "years": f"{years[0]}-{years[-1]}", "figure_rows": n * 200,
            "fill_s": "reused", "load": "COPY (earlier run)", "figure_rows_per_s": 0, "reports_per_s": 0,
            "figure_load_s": 0, "index_s": 0, "totals_s": 0, "db_bytes": size, "db_size": f"{size / 2**30:.2f} GiB"}


def run_size(db: str, n: int, n_questions: int, pg_url: str, tmp: Path, explain: bool,
             reuse: bool = False, fill_only: bool = False) -> dict[str, Any]:
    if db == "postgres":
        url = pg_url
        filled = (asyncio.run(pg_filled(url, n)) if reuse else None) or asyncio.run(fill_pg(url, n))
        if fill_only:
            return {"database": db, **filled, "runs": []}
    else:
        url = f"sqlite+aiosqlite:///{tmp / f'scale-{n}.db'}"
        filled = fill_sqlite(url, n)
    names, years = layout(n)
    qs = questions(names, years, n_questions)
    runs = [asyncio.run(measure(url, qs, cache)) for cache in (True, False)]
    result = {"database": db, **filled, "runs": runs}
    if explain:
        result["plans"] = asyncio.run(plans(url, qs))
    if db == "sqlite":
        for p in tmp.glob(f"scale-{n}.db*"):
            p.unlink()
    return result


def _print(r: dict[str, Any]) -> None:
    print(f"\n{r['database']}: {r['reports']:,} reports ({r['agencies']:,} agencies, {r['years']}), "
          f"{r['figure_rows']:,} figure rows; db {r['db_size']}")
    print(f"  fill ({r['load']}): {r['fill_s']} s = {r['reports_per_s']:,} reports/s; figure rows "
          f"{r['figure_rows_per_s']:,}/s (load {r['figure_load_s']} s), indexes {r['index_s']} s, totals {r['totals_s']} s")
    if not r["runs"]:
        return
    for run in r["runs"]:
        print(f"  cache {'on ' if run['cache'] else 'off'}: p50 {run['p50_ms']} ms, p95 {run['p95_ms']} ms, "
              f"max {run['max_ms']} ms; first question {run['first_question_ms']} ms")
        print(f"    p95 by kind: {run['by_kind_p95_ms']}")
    print(f"  answers: {r['runs'][-1]['answers']}")
    for kind, lines in r.get("plans", {}).items():
        print(f"  plan [{kind}]")
        for ln in lines:
            print(f"    {ln}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000", help="comma-separated report counts (default 10000)")
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--questions", type=int, default=300)
    parser.add_argument("--pg-url", default=os.environ.get("NIANBAO_SCALE_DATABASE_URL", PG_URL))
    parser.add_argument("--national", action="store_true", help="add the 500,000-report run on PostgreSQL")
    parser.add_argument("--ingest", type=int, default=0, help="also time ingest of N text reports into PostgreSQL")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--no-explain", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL database")
    parser.add_argument("--reuse", action="store_true", help="measure a kept PostgreSQL database of the same size")
    parser.add_argument("--fill-only", action="store_true", help="fill PostgreSQL and stop (with --keep)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    dbs = [d for d in args.databases.split(",") if d]
    plan = [(db, n) for n in sizes for db in dbs]
    if args.national:
        plan.append(("postgres", 500_000))
    if "postgres" in {db for db, _ in plan} or args.ingest:
        try:
            asyncio.run(_pg_admin(args.pg_url, "SELECT 1"))
        except Exception as exc:  # no server: the SQLite runs still go
            print(f"bench_scale: PostgreSQL at {args.pg_url} unreachable ({exc!r}): its runs skipped")
            plan = [(db, n) for db, n in plan if db != "postgres"]
            args.ingest = 0
    results = []
    try:
        with tempfile.TemporaryDirectory(prefix="nianbao-scale-") as tmp:
            for db, n in plan:
                r = run_size(db, n, args.questions, args.pg_url, Path(tmp), not args.no_explain, args.reuse,
                             args.fill_only)
                results.append(r)
                if not args.json:
                    _print(r)
            if args.ingest:
                r = ingest(args.pg_url, args.ingest, args.jobs)
                results.append(r)
                if not args.json:
                    print("\ningest into PostgreSQL: " + (
                        f"{r['reports']:,} text reports (parsing included), {r['jobs']} workers: {r['seconds']} s = "
                        f"{r['reports_per_second']} reports/s (stored {r['stored']}, superseded {r['superseded']}, "
                        f"failed {r['failed']}; load {r['load']})" if "error" not in r else str(r)))
    finally:
        if "postgres" in {db for db, _ in plan} and not args.keep:
            from sqlalchemy.engine import make_url

            asyncio.run(_pg_admin(args.pg_url, f'DROP DATABASE IF EXISTS "{make_url(args.pg_url).database}" WITH (FORCE)'))
    if args.json:
        print(json.dumps(results, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
