"""`nianbao check` as a user runs it: exit status, JSON lines, text in zh and en."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.engine.helpers import FIXTURES, SAMPLES

NIANBAO = [sys.executable, "-m", "bot.commands"]


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*NIANBAO, *args], capture_output=True, text=True, timeout=120)


@pytest.mark.skipif(not SAMPLES.exists(), reason="../shared/samples is not beside the checkout")
def test_json_lines_for_samples() -> None:
    files = [str(SAMPLES / n) for n in ("huaian-2024.pdf", "lingbao-2023.txt", "xinxiang-2023.txt")]
    p = run("check", "--json", *files)
    assert p.returncode == 0, p.stderr
    objs = [json.loads(line) for line in p.stdout.splitlines()]
    assert [o["verdict"] for o in objs] == ["pass", "pass", "pass"]
    assert [o["agency"] for o in objs] == ["淮安市人民政府", "灵宝市工业和信息化科技局", "新乡市工业和信息化局"]
    assert set(objs[0]) >= {"file", "sha256", "agency", "year", "format", "verdict", "sections", "figures", "findings"}
    assert objs[0]["figures"]["s3.new.total"] == 3119
    assert len(objs[0]["sha256"]) == 64


def test_exit_status_fail_and_unreadable() -> None:
    p = run("check", str(FIXTURES / "report-2021-column-imbalance.docx"))
    assert p.returncode == 1
    assert p.stdout.splitlines()[1].startswith("✘ 未通过（2 个错误")
    assert "[column-balance]" in p.stdout
    p = run("check", "--lang", "en", str(FIXTURES / "bad-junk.txt"), str(FIXTURES / "report-2021-balanced.docx"))
    assert p.returncode == 2
    assert "[unreadable-file]" in p.stdout and "✔ pass" in p.stdout
    assert "Traceback" not in p.stdout + p.stderr


def test_missing_file_is_a_message_not_a_traceback() -> None:
    p = run("check", "/nonexistent/report.pdf")
    assert p.returncode == 2
    assert "Traceback" not in p.stderr and "report.pdf" in p.stderr


def test_rules_lists_every_code() -> None:
    p = run("rules", "--lang", "en")
    assert p.returncode == 0
    for code in ("column-balance", "results-total", "row-total", "appeal-total", "unreadable-cell", "no-text-layer"):
        assert code in p.stdout
