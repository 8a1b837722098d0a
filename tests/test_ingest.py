"""Batch ingest of real files (the shared samples and generated reports) through the report engine
and worker processes, on SQLite and PostgreSQL: statuses, idempotent re-ingest, supersede,
cross-year findings, failures that do not stop the batch, the command line."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

import reports
from bot.commands.ingest import main as ingest_main
from reports.model import CANONICAL_KEYS, S3_COLUMNS
from storage import repo
from storage.db import make_engine, make_sessionmaker
from storage.ingest import collect_files, ingest_paths, summarise
from storage.models import Report
from tests.docgen import make_figures, report_text

pytest.importorskip("reports.engine", reason="the report engine (reports/engine.py) is not in the tree yet")

SAMPLES = Path(os.environ.get("NIANBAO_SAMPLES", Path(__file__).resolve().parents[2] / "shared" / "samples"))
FULL_SAMPLES = ("huaian-2024.pdf", "lingbao-2023.txt", "template-2021.docx", "xinxiang-2023.txt")
LINGBAO = "灵宝市工业和信息化科技局"
XINXIANG = "新乡市工业和信息化局"


def crashing_check(data: bytes, filename: str) -> reports.model.Report:
    """reports.check, except that one file kills its worker and another raises."""
    if filename == "crash.txt":
        os._exit(3)
    if filename == "raise.txt":
        raise RuntimeError("boom")
    return reports.check(data, filename)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    if not SAMPLES.is_dir():
        pytest.skip(f"no sample folder at {SAMPLES}")
    root = tmp_path / "in"
    # The four samples read in full, with README.md and an expected file that ingest must skip.
    (root / "samples").mkdir(parents=True)
    for name in (*FULL_SAMPLES, "README.md", "lingbao-2023.expected.json"):
        shutil.copy(SAMPLES / name, root / "samples" / name)
    write(root / "gen" / "lingbao-2022.txt", report_text(LINGBAO, 2022, make_figures(1)))
    write(root / "gen" / "xinxiang-2022.txt", report_text(XINXIANG, 2022, make_figures(2)))
    write(root / "gen" / "nested" / "lushi-2023.txt", report_text("卢氏县人民政府", 2023, make_figures(3)))
    write(root / "gen" / "junk.txt", "这不是年报。\n只是一段文字。\n")
    write(root / ".hidden" / "x.txt", report_text("卢氏县人民政府", 2022, make_figures(4)))
    return root


def names(outcomes) -> dict[str, tuple[str, str | None]]:  # type: ignore[no-untyped-def]
    return {Path(o.path).name: (o.status, o.reason) for o in outcomes}


def test_collect_files(folder: Path) -> None:
    found = [p.relative_to(folder).as_posix() for p in collect_files([folder])]
    assert found == [
        "gen/junk.txt", "gen/lingbao-2022.txt", "gen/nested/lushi-2023.txt", "gen/xinxiang-2022.txt",
        "samples/huaian-2024.pdf", "samples/lingbao-2023.txt", "samples/template-2021.docx",
        "samples/xinxiang-2023.txt",
    ]
    # A file named explicitly is taken whatever it is, and only once.
    readme = folder / "samples" / "README.md"
    assert collect_files([readme, folder / "samples" / "lingbao-2023.txt", readme]) == [
        readme, folder / "samples" / "lingbao-2023.txt"
    ]


async def test_ingest_folder(db_url: str, folder: Path) -> None:
    outcomes = await ingest_paths([folder], url=db_url, jobs=2)
    got = names(outcomes)
    assert {n: s for n, (s, _) in got.items()} == {
        "junk.txt": "failed", "lingbao-2022.txt": "stored", "lushi-2023.txt": "stored",
        "xinxiang-2022.txt": "stored", "huaian-2024.pdf": "stored", "lingbao-2023.txt": "stored",
        "template-2021.docx": "stored", "xinxiang-2023.txt": "stored",
    }
    assert got["junk.txt"][1] is not None and got["junk.txt"][1].startswith("not-a-report: ")
    assert summarise(outcomes) == {"stored": 7, "duplicate": 0, "superseded": 0, "failed": 1}

    # Ingesting again stores nothing new.
    again = await ingest_paths([folder], url=db_url, jobs=2)
    assert summarise(again) == {"stored": 0, "duplicate": 7, "superseded": 0, "failed": 1}
    assert [o.report_id for o in again] == [o.report_id for o in outcomes]

    # A corrected Lingbao 2022 supersedes the generated one.
    fix = write(folder.parent / "fix" / "lingbao-2022-v2.txt", report_text(LINGBAO, 2022, make_figures(5)))
    [corrected] = await ingest_paths([fix], url=db_url, jobs=1)
    first = next(o for o in outcomes if o.path.endswith("lingbao-2022.txt"))
    assert (corrected.status, corrected.previous_id) == ("superseded", first.report_id)

    engine = make_engine(db_url)
    try:
        async with make_sessionmaker(engine)() as session:
            rows = {r.file_name: r for r in (await session.execute(select(Report))).scalars()}
            assert len(rows) == 8
            assert all(r.published for r in rows.values())
            assert rows["template-2021.docx"].verdict == "fail"
            # Every figure of the samples as the expected files give them.
            for sample in ("lingbao-2023", "xinxiang-2023", "huaian-2024"):
                expected = json.loads((SAMPLES / f"{sample}.expected.json").read_text(encoding="utf-8"))
                row = next(r for r in rows.values() if r.file_name.startswith(sample))
                assert (row.agency_name, row.year, row.verdict) == (expected["agency"], expected["year"], expected["verdict"])
                stored = await repo.figures_of(session, row.id, CANONICAL_KEYS)
                assert stored == {k: (None if v is None else float(v)) for k, v in expected["figures"].items()}

            # Lingbao 2023 (the sample) is checked against the corrected generated 2022 report.
            last_year = make_figures(5)
            lb = rows["lingbao-2023.txt"]
            this_year = await repo.figures_of(session, lb.id, CANONICAL_KEYS)
            want = [
                (col, last_year[f"s3.carried_out.{col}"], this_year[f"s3.carried_in.{col}"])
                for col in S3_COLUMNS
                if this_year[f"s3.carried_in.{col}"] is not None
                and this_year[f"s3.carried_in.{col}"] != last_year[f"s3.carried_out.{col}"]
            ]
            found = [
                (f.column, f.expected, f.actual)
                for f in await repo.findings_of(session, lb.id)
                if f.code == "carryover-mismatch"
            ]
            assert found == want
            assert len(found) >= 1  # seed 5 carries applications over; the sample carried none in
    finally:
        await engine.dispose()


async def test_a_crashing_or_raising_file_does_not_stop_the_batch(db_url: str, tmp_path: Path) -> None:
    src = tmp_path / "in"
    write(src / "a.txt", report_text(LINGBAO, 2021, make_figures(11)))
    write(src / "crash.txt", report_text(LINGBAO, 2022, make_figures(12)))
    write(src / "raise.txt", report_text(LINGBAO, 2023, make_figures(13)))
    write(src / "z.txt", report_text(XINXIANG, 2023, make_figures(14)))
    missing = src / "missing.txt"
    outcomes = await ingest_paths([src, missing], url=db_url, jobs=2, checker=crashing_check)
    assert names(outcomes) == {
        "a.txt": ("stored", None),
        "crash.txt": ("failed", "the reader crashed on this file (worker process died)"),
        "raise.txt": ("failed", "RuntimeError: boom"),
        "z.txt": ("stored", None),
        "missing.txt": ("failed", "cannot read the file: No such file or directory"),
    }


async def test_ingest_command(db_url: str, folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = [str(folder / "samples"), "--jobs", "2", "--database-url", db_url, "--workspace", "chat:7"]
    # The command runs its own event loop: give it a thread of its own.
    assert await asyncio.to_thread(ingest_main, argv) == 0
    out = capsys.readouterr().out
    lines = [" ".join(line.replace("│", " ").split()) for line in out.splitlines()]
    assert "stored 4" in lines
    assert "duplicate 0" in lines
    assert "failed 0" in lines
    assert any(line.startswith("4 files in ") for line in lines)
    engine = make_engine(db_url)
    try:
        async with make_sessionmaker(engine)() as session:
            rows = list((await session.execute(select(Report))).scalars())
            assert len(rows) == 4
            assert not any(r.published for r in rows)  # another workspace than the library: drafts
    finally:
        await engine.dispose()
    empty = folder.parent / "empty"
    empty.mkdir()
    assert await asyncio.to_thread(ingest_main, [str(empty), "--quiet", "--database-url", db_url]) == 2  # none
