"""The question grammar alone (no database): metrics, agencies, years, aggregations, language."""

from __future__ import annotations

import datetime as dt

import pytest

from reports import model as rm
from reports.questions import Query, parse_question
from reports.questions.when import cn_number

TODAY = dt.date(2025, 3, 1)
AGENCIES = ("灵宝市工业和信息化科技局", "新乡市工业和信息化局", "淮安市人民政府", "新乡市人民政府",
            "灵宝市市场监督管理局", "卫辉市工业和信息化局", "淮安市工业和信息化局", "淮安市淮阴区教育局",
            "徐州市商务局", "盐城市财政局")
T = [f"s3.{r}.total" for r in ("new",)]
D = [f"s3.denied.{r}.total" for r in rm.DENIED]


def parse(text: str) -> Query:
    return parse_question(text, today=TODAY, agencies=AGENCIES, years=(2022, 2023, 2024))


@pytest.mark.parametrize(("text", "metric"), [
    ("新收申请", ["s3.new.total"]),
    ("收到多少申请", ["s3.new.total"]),
    ("受理了几件", ["s3.new.total"]),
    ("予以公开", ["s3.granted.total"]),
    ("部分公开", ["s3.partial.total"]),
    ("不予公开", D),
    ("无法提供", [f"s3.unavailable.{r}.total" for r in rm.UNAVAILABLE]),
    ("不予处理", [f"s3.rejected.{r}.total" for r in rm.REJECTED]),
    ("其他处理", [*(f"s3.other.{r}.total" for r in rm.OTHER), "s3.other.all.total"]),
    ("办结多少", ["s3.results_total.total"]),
    ("结转下年度", ["s3.carried_out.total"]),
    ("上年结转", ["s3.carried_in.total"]),
    ("行政复议", ["s4.review.total"]),
    ("行政诉讼", ["s4.suit_direct.total", "s4.suit_after_review.total"]),
    ("纠正", ["s4.review.corrected", "s4.suit_direct.corrected", "s4.suit_after_review.corrected"]),
    ("行政复议维持", ["s4.review.upheld"]),
    ("行政许可", ["s2.licensing"]),
    ("行政处罚", ["s2.punishment"]),
    ("行政强制", ["s2.coercion"]),
    ("规章", ["s2.rules.issued"]),
    ("现行有效规范性文件", ["s2.normative.in_force"]),
    ("废止规章", ["s2.rules.repealed"]),
    ("收费", ["s2.fees"]),
    ("自然人申请", ["s3.new.person"]),
    ("企业申请", ["s3.new.business"]),
    ("法人或其他组织申请", [f"s3.new.{c}" for c in ("business", "research", "nonprofit", "legal", "org_other")]),
    ("自然人予以公开", ["s3.granted.person"]),
    ("new applications", ["s3.new.total"]),
    ("applications granted", ["s3.granted.total"]),
    ("applications denied", D),
    ("lawsuits", ["s4.suit_direct.total", "s4.suit_after_review.total"]),
    ("administrative reviews", ["s4.review.total"]),
    ("penalties", ["s2.punishment"]),
    ("fees", ["s2.fees"]),
    ("applications from businesses", ["s3.new.business"]),
    ("applications handled", ["s3.results_total.total"]),
    ("pending applications", ["s3.carried_out.total"]),
    ("pending lawsuits", ["s4.suit_direct.pending", "s4.suit_after_review.pending"]),
])
def test_metric(text: str, metric: list[str]) -> None:
    q = parse(("新乡工信2023年" if not text.isascii() else "Xinxiang industry bureau 2023 ") + text)
    assert q.metric == metric


def test_total_column_fallback_is_the_six_applicant_columns() -> None:
    q = parse("灵宝工信2023年收到多少申请")
    assert q.fallback == [f"s3.new.{c}" for c in rm.S3_APPLICANT_COLUMNS]
    assert parse("灵宝工信2023年自然人申请").fallback == []


@pytest.mark.parametrize(("text", "years"), [
    ("2023年", [2023]), ("23年", [2023]), ("二〇二三年", [2023]), ("二零二二年度", [2022]),
    ("去年", [2024]), ("今年", [2025]), ("前年", [2023]), ("last year", [2024]), ("in 2022", [2022]),
    ("", []),
])
def test_years(text: str, years: list[int]) -> None:
    assert parse(f"淮安市政府{text}收到多少申请").years == years


@pytest.mark.parametrize(("text", "agency"), [
    ("灵宝市工信局", "灵宝市工业和信息化科技局"),
    ("灵宝 工业和信息化科技局", "灵宝市工业和信息化科技局"),
    ("灵宝市工业信息化科技局", "灵宝市工业和信息化科技局"),
    ("新乡工信", "新乡市工业和信息化局"),
    ("新乡市工业和信息化据", "新乡市工业和信息化局"),
    ("Xinxiang industry bureau", "新乡市工业和信息化局"),
    ("淮安市政府", "淮安市人民政府"),
    ("淮安", "淮安市人民政府"),  # a city alone: its people's government
    ("Huai'an government", "淮安市人民政府"),
    ("灵宝市监局", "灵宝市市场监督管理局"),
    ("Lingbao market regulation bureau", "灵宝市市场监督管理局"),
    ("淮阴教育局", "淮安市淮阴区教育局"),
    ("徐州商务局", "徐州市商务局"),
    ("盐城财政局", "盐城市财政局"),
])
def test_agency_resolved(text: str, agency: str) -> None:
    q = parse(f"{text} 2023年收到多少申请")
    assert (q.agency_status, q.agencies, q.kind) == ("resolved", [agency], "value")


def test_agency_ambiguous_lists_candidates() -> None:
    q = parse("工信局2023年收到多少申请")
    assert q.agency_status == "ambiguous"
    assert q.agencies == ["灵宝市工业和信息化科技局", "新乡市工业和信息化局", "卫辉市工业和信息化局", "淮安市工业和信息化局"]
    q = parse("How many applications did Lingbao's bureau receive?")
    assert (q.agency_status, q.agencies) == ("ambiguous", ["灵宝市工业和信息化科技局", "灵宝市市场监督管理局"])


@pytest.mark.parametrize(("text", "mention", "first"), [
    ("郑州市工信局2023年收到多少申请", "郑州市工信局", None),
    ("灵宝市公安局2023年收到多少申请", "灵宝市公安局", None),
    ("Zhengzhou industry bureau new applications", "Zhengzhou", None),
    ("徐州市公安局收到多少申请", "徐州市公安局", "徐州市商务局"),
    # A Chinese place one character off is not guessed (新余 is no typo of 新乡): suggested instead.
    ("淮按市政府2024年收到多少申请", "淮按市政府", "淮安市人民政府"),
    ("灵保市工信局2023年收到多少申请", "灵保市工信局", "灵宝市工业和信息化科技局"),
    ("新余市工信局2023年收到多少申请", "新余市工信局", None),
    ("Weihai industry bureau new applications", "Weihai", None),  # weihui is stored; weihai is elsewhere
    ("Xinxaing industry bureau new applications", "Xinxaing", None),  # suggested (新乡), not answered
])
def test_agency_unknown_suggests(text: str, mention: str, first: str | None) -> None:
    q = parse(text)
    assert q.agency_status == "unknown"
    assert q.agency_mention == mention
    assert 1 <= len(q.suggestions) <= 3
    if first:
        assert q.suggestions[0] == first


def test_unknown_agency_never_borrows_a_neighbours_number() -> None:
    # Only 灵宝市's bureaus are stored; a question about its police gets no figure of another bureau.
    q = parse("灵宝市公安局收到多少申请")
    assert q.agencies == [] and q.agency_status == "unknown"


@pytest.mark.parametrize(("text", "kind", "extra"), [
    ("2023年全部单位共收到多少申请", "sum", {"years": [2023], "agency_status": "none"}),
    ("新乡市全部单位共收到多少申请", "sum", {"region": "新乡市", "agency_status": "region"}),
    ("收到多少申请", "sum", {"years": []}),
    ("哪些单位收到的申请最多", "top", {"n": 5, "order": "desc"}),
    ("前五", "top", {"n": 5, "metric": ["s3.new.total"]}),
    ("前三名予以公开", "top", {"n": 3, "metric": ["s3.granted.total"]}),
    ("哪个单位收到申请最少", "top", {"n": 1, "order": "asc"}),
    ("top 10 agencies by lawsuits", "top", {"n": 10}),
    ("新乡工信比去年多了多少申请", "compare", {"years": []}),
    ("新乡工信2023年比去年多了多少申请", "compare", {"years": [2022, 2023]}),
    ("新乡政府2022年和2023年收到申请对比", "compare", {"years": [2022, 2023]}),
    ("Xinxiang government new applications from 2022 to 2023", "compare", {"years": [2022, 2023]}),
    ("哪些报告没通过校验", "list_reports", {"verdict": "fail"}),
    ("哪些报告通过了校验", "list_reports", {"verdict": "pass"}),
    ("which reports failed?", "list_reports", {"verdict": "fail"}),
    ("有哪些单位的年报", "list_agencies", {}),
    ("库里有几份2023年的报告", "count", {"years": [2023], "count_of": "reports"}),
    ("有多少个单位", "count", {"count_of": "agencies"}),
    ("淮安市政府予以公开占比", "share", {"denominator": ["s3.results_total.total"]}),
    ("淮安市政府自然人申请占比", "share", {"denominator": ["s3.new.total"]}),
    ("淮安市政府行政复议纠正率", "share", {"denominator": ["s4.review.total"]}),
    ("今天天气怎么样", "help", {"reason": "leftover", "understood_not": ["今天天气"]}),
    ("信息处理费收了多少", "help", {"reason": "unsupported-metric"}),
    ("/help", "help", {"reason": "help"}),
])
def test_kinds(text: str, kind: str, extra: dict) -> None:
    q = parse(text)
    assert q.kind == kind
    for k, v in extra.items():
        assert getattr(q, k) == v, k


def test_language_follows_the_text() -> None:
    assert parse("淮安市政府收到多少申请").lang == "zh"
    assert parse("Huaian government new applications").lang == "en"
    assert parse("Huaian government new applications").label["en"] == "new applications for government information"


def test_query_is_json() -> None:
    d = parse("淮安市政府2024年收到多少申请").to_json()
    assert d["kind"] == "value" and d["metric"] == ["s3.new.total"] and d["years"] == [2024]
    assert d["agencies"] == ["淮安市人民政府"] and d["lang"] == "zh"


def test_without_stored_agencies_nothing_is_resolved() -> None:
    # A named agency the store does not hold is never widened to every agency.
    q = parse_question("淮安市政府2024年收到多少申请", today=TODAY)
    assert (q.kind, q.agency_status, q.agencies, q.agency_mention) == ("value", "unknown", [], "淮安市")


@pytest.mark.parametrize(("s", "n"), [("五", 5), ("十", 10), ("十二", 12), ("二十", 20), ("3", 3), ("ten", 10)])
def test_cn_number(s: str, n: int) -> None:
    assert cn_number(s) == n
