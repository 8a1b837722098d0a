"""The answers' cache counts this process's changes per engine: two stores in one process keep
their own count, so a save to one never makes the other reload (and a save is seen at once)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import update

from storage import repo
from storage.answers import answer
from storage.changes import generation
from storage.db import make_engine, make_sessionmaker, upgrade
from storage.models import Report
from tests.conftest_db import make_report


async def test_two_stores_count_their_own_changes(tmp_path: Path) -> None:
    urls = [f"sqlite+aiosqlite:///{tmp_path / name}.db" for name in ("a", "b")]
    for url in urls:
        await upgrade(url)
    engines = [make_engine(url) for url in urls]
    try:
        a, b = (make_sessionmaker(e) for e in engines)
        before = [generation(e.sync_engine) for e in engines]
        async with a() as s:
            await repo.save_report(s, make_report("甲市人民政府", 2024, {"s3.new.total": 7}), file_name="a.txt")
        after = [generation(e.sync_engine) for e in engines]
        assert after[0] > before[0] and after[1] == before[1] == 0
        async with b() as s:
            assert (await answer(s, "有几份年报")).value == 0
            # An UPDATE statement through the ORM counts too (publishing is one).
            await s.execute(update(Report).values(published=True))
            await s.commit()
        assert generation(engines[1].sync_engine) == 1
        assert generation(engines[0].sync_engine) == after[0]
        async with a() as s:
            assert (await answer(s, "有几份年报")).value == 1
    finally:
        for e in engines:
            await e.dispose()
