"""A stored report whose agency or year the engine could not identify is listed as such, never as
"None"."""

from __future__ import annotations

from pathlib import Path

import reports
from handlers.answers_text import render_answer as say
from storage import repo
from storage.answers import answer

FIXTURES = Path(__file__).resolve().parent / "fixtures"


async def test_unidentified_report_in_the_failing_list(session) -> None:
    data = (FIXTURES / "report-2021-column-imbalance.docx").read_bytes()
    await repo.save_report(session, reports.check(data, "imbalance.docx"), file_name="imbalance.docx")
    empty = reports.check(b"\xef\xbb\xbf" + "二、主动公开政府信息情况\n规章\t\t\t\n".encode(), "draft.txt")
    assert empty.agency is None and empty.year is None and empty.verdict == "fail"
    await repo.save_report(session, empty, file_name="draft.txt")
    zh = await answer(session, "哪些报告没通过校验")
    assert say(zh).splitlines() == [
        "没通过校验的年报共 2 份：",
        "• 示例区教育局 2022 年（imbalance.docx，未通过，2 个错误）",
        f"• （未识别机关） （未识别年度）（draft.txt，未通过，{empty.verdict == 'fail' and len(empty.errors)} 个错误）",
    ]
    en = await answer(session, "Which reports failed the check?")
    assert "• (agency not identified), (year not identified) (draft.txt, fail," in say(en)
    assert "None" not in say(zh) + say(en)


async def test_unidentified_report_in_the_agency_list(session) -> None:
    data = (FIXTURES / "report-2021-column-imbalance.docx").read_bytes()
    await repo.save_report(session, reports.check(data, "imbalance.docx"), file_name="imbalance.docx")
    empty = reports.check("二、主动公开政府信息情况\n规章\t\t\t\n".encode(), "draft.txt")
    await repo.save_report(session, empty, file_name="draft.txt")
    zh = await answer(session, "有哪些单位的年报？")
    assert zh.value == 1
    assert say(zh).splitlines() == ["库里有 1 个单位的年报：", "• 示例区教育局（2022）", "• 未识别单位的年报 1 份"]
    en = await answer(session, "Which agencies have reports?")
    assert say(en).splitlines() == ["1 agencies have reports:", "• 示例区教育局 (2022)",
                                    "• 1 reports whose agency was not identified"]
    assert "None" not in say(zh) + say(en)
