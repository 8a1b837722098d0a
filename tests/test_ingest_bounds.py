"""`nianbao ingest` on hostile inputs (issue 10, item 5): a huge file is refused before it is read,
devices and FIFOs are not read at all, and each worker's address space is bounded."""

from __future__ import annotations

import os
import resource
from pathlib import Path

import pytest

import reports
from bot.settings import Basics
from reports.engine import default_max_bytes
from reports.model import Report
from reports.runner import check_path
from storage.ingest import ingest_paths

pytest.importorskip("reports.engine")


def test_a_file_over_the_cap_is_refused_before_it_is_read(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    with open(big, "wb") as fh:
        fh.truncate(3 << 30)  # 3 GB, sparse: no disk used, but reading it would take 3 GB of memory
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert check_path(str(big), default_max_bytes()) == (None, "too-large: the file is larger than the 20 MB limit")
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 50 * 1024  # KB


def test_cap_follows_the_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NIANBAO_MAX_UPLOAD_MB", "1")
    f = tmp_path / "r.txt"
    f.write_bytes(b"1\n" * (600 * 1024))
    limit = Basics.from_env().max_upload_bytes
    assert check_path(str(f), limit) == (None, "too-large: the file is larger than the 1 MB limit")


def test_fifo_and_directory_are_not_read(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)  # open() would wait for a writer for ever
    for path in (fifo, tmp_path, "/dev/zero"):
        assert check_path(str(path), default_max_bytes()) == (None, "not a regular file")


def hungry_check(data: bytes, filename: str) -> Report:
    """reports.check, except that one file asks for 3 GB (as a bomb would)."""
    if filename == "hungry.txt":
        blob = bytearray(3 << 30)
        return Report(file=str(len(blob)))
    return reports.check(data, filename)


async def test_workers_are_bounded_in_memory(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.docgen import make_figures, report_text

    monkeypatch.setenv("NIANBAO_MAX_MEMORY_MB", "512")
    (tmp_path / "hungry.txt").write_text("x", encoding="utf-8")
    (tmp_path / "ok.txt").write_text(report_text("灵宝市工业和信息化科技局", 2023, make_figures(3)), encoding="utf-8")
    outcomes = await ingest_paths([tmp_path / "hungry.txt", tmp_path / "ok.txt"], url=db_url, jobs=2,
                                  checker=hungry_check, max_memory=Basics.from_env().max_memory_bytes)
    assert [(Path(o.path).name, o.status, o.reason) for o in outcomes] == [
        ("hungry.txt", "failed", "MemoryError: "),
        ("ok.txt", "stored", None),
    ]
