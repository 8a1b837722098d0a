"""Each rule on crafted reports that break exactly one relation, and one that breaks none."""

from __future__ import annotations

from reports.model import S3_COLUMNS
from tests.docgen import make_figures, report_text
from tests.engine.helpers import AGENCY, check_text, codes, places

ARITH = {"column-balance", "results-total", "row-total", "appeal-total", "subtotal-mismatch"}


def _report(figures: dict, **kw):
    return check_text(report_text(AGENCY, 2023, figures, **kw))


def test_balanced_report_passes_with_no_finding() -> None:
    r = _report(make_figures(11))
    assert r.verdict == "pass"
    assert r.findings == []


def test_column_balance_alone() -> None:
    f = make_figures(12)
    f["s3.carried_out.person"] += 2
    r = _report(f, total_column=False)
    assert codes(r, "error") == ["column-balance"]
    (finding,) = r.errors
    assert (finding.location.section, finding.location.column) == (3, "person")
    assert finding.expected == f["s3.new.person"] + f["s3.carried_in.person"]
    assert finding.actual == finding.expected + 2
    assert "相差2" in finding.message_zh and "difference 2" in finding.message_en


def test_results_total_alone() -> None:
    f = make_figures(13)
    f["s3.granted.business"] += 3
    r = _report(f, total_column=False)
    assert codes(r, "error") == ["results-total"]
    (finding,) = r.errors
    assert (finding.location.row, finding.location.column) == ("results_total", "business")
    assert finding.actual == f["s3.results_total.business"]
    assert finding.expected == f["s3.results_total.business"] + 3


def test_row_total_only() -> None:
    f = make_figures(14)
    assert f["s3.partial.total"] >= 1
    f["s3.granted.total"] += 1
    f["s3.partial.total"] -= 1  # the results total still adds up: only the two rows break
    r = _report(f)
    assert codes(r, "error") == ["row-total", "row-total"]
    assert places(r, "row-total") == [(3, "granted", "total"), (3, "partial", "total")]


def test_appeal_total_alone() -> None:
    f = make_figures(15)
    f["s4.suit_direct.total"] += 4
    r = _report(f, narrative=False)
    assert codes(r, "error") == ["appeal-total"]
    (finding,) = r.errors
    assert (finding.location.section, finding.location.row) == (4, "suit_direct")
    assert finding.actual - finding.expected == 4


def test_subtotal_row_checked_against_its_items() -> None:
    f = make_figures(16)
    text = report_text(AGENCY, 2023, f)
    sums = [sum(f[f"s3.denied.{r}.{c}"] for r in ("state_secret", "prohibited", "security", "third_party",
                                                   "internal", "process", "enforcement", "query"))
            for c in S3_COLUMNS]
    good = "\t（三）不予公开\t\t" + "\t".join(str(v) for v in sums)
    lines = text.split("\n")
    at = next(i for i, line in enumerate(lines) if "1.属于国家秘密" in line)
    ok = check_text("\n".join([*lines[:at], good, *lines[at:]]))
    assert ok.verdict == "pass", [f.message_en for f in ok.findings]
    assert ok.figures["s3.denied.state_secret.person"] == f["s3.denied.state_secret.person"]
    assert not any(k.startswith("s3.sub.") for k in ok.figures)
    bad_sums = list(sums)
    bad_sums[0] += 5
    bad_sums[6] += 5
    bad = "\t（三）不予公开\t\t" + "\t".join(str(v) for v in bad_sums)
    r = check_text("\n".join([*lines[:at], bad, *lines[at:]]))
    assert places(r, "subtotal-mismatch") == [(3, "sub.denied", "person"), (3, "sub.denied", "total")]
    assert codes(r, "error") == ["subtotal-mismatch", "subtotal-mismatch"]


def test_negative_count() -> None:
    f = make_figures(17)
    f["s2.licensing"] = -5
    r = _report(f)
    assert codes(r, "error") == ["negative"]
    assert r.errors[0].location.key == "s2.licensing"


def test_not_a_number() -> None:
    f = make_figures(18)
    text = report_text(AGENCY, 2023, f)
    line = next(x for x in text.split("\n") if "（一）予以公开" in x)
    cells = line.split("\t")
    cells[4] = "若干"  # the business column
    r = check_text(text.replace(line, "\t".join(cells)))
    assert ("not-a-number", "s3.granted.business") in [(x.code, x.location.key) for x in r.errors]
    assert r.figures["s3.granted.business"] is None
    # A cell that cannot be read is not a balance error built on a guess.
    assert "results-total" not in codes(r)


def test_missing_section_and_order() -> None:
    f = make_figures(19)
    r = _report(f, sections=(1, 2, 3, 4, 6))
    assert codes(r, "error") == ["missing-section"]
    assert r.errors[0].location.section == 5
    text = report_text(AGENCY, 2023, f)
    five = text.index("五、存在的主要问题")
    six = text.index("六、其他需要报告的事项")
    swapped = text[:five] + text[six:] + text[five:six]
    r = check_text(swapped)
    assert codes(r) == ["section-order"]


def test_missing_table() -> None:
    f = make_figures(20)
    text = report_text(AGENCY, 2023, f)
    start = text.index("四、政府信息公开行政复议")
    end = text.index("五、存在的主要问题")
    r = check_text(text[:start] + "四、政府信息公开行政复议、行政诉讼情况\n本年度无。\n" + text[end:])
    assert places(r, "missing-table") == [(4, None, None)]
    assert all(r.figures[k] is None for k in r.figures if k.startswith("s4."))


def test_year_mismatch_between_title_and_period() -> None:
    text, _ = _text(21)
    r = check_text(text.replace("统计期限自2023年1月1日至2023年12月31日", "统计期限自2022年1月1日至2022年12月31日"))
    assert codes(r, "error") == ["year-mismatch"]
    assert (r.errors[0].expected, r.errors[0].actual) == (2023, 2022)


def test_fee_statement_missing() -> None:
    r = _report(make_figures(22), fee_statement=False)
    assert codes(r) == ["fee-statement-missing"]
    assert r.findings[0].location.section == 6
    assert r.verdict == "pass"


def test_narrative_mismatch() -> None:
    text, f = _text(23)
    stated = f"全年共收到政府信息公开申请{f['s3.new.total']}件"
    r = check_text(text.replace(stated, f"全年共收到政府信息公开申请{f['s3.new.total'] + 10}件"))
    assert codes(r) == ["narrative-mismatch"]
    assert (r.findings[0].expected, r.findings[0].actual) == (f["s3.new.total"], f["s3.new.total"] + 10)


def test_narrative_none_received_but_table_has_some() -> None:
    text, f = _text(24)
    stated = f"全年共收到政府信息公开申请{f['s3.new.total']}件"
    assert f["s3.new.total"] > 0
    r = check_text(text.replace(stated, "本年度未收到政府信息公开申请"))
    assert codes(r) == ["narrative-mismatch"]


def test_unknown_agency_and_year() -> None:
    text, _ = _text(25)
    r = check_text(text.replace(f"{AGENCY}2023年政府信息公开工作年度报告", "政府信息公开工作年度报告", 1))
    assert "unknown-year" in codes(r)
    # The agency is still found in the preamble ("…门户网站" does not name the author), so only
    # the missing year is certain to be reported.


def test_old_format() -> None:
    f = make_figures(26, year_format="2019")
    r = check_text(report_text(AGENCY, 2022, f, fmt="2019"))
    assert r.format == "2019"
    assert codes(r) == ["old-format"]
    r2019 = check_text(report_text(AGENCY, 2020, f, fmt="2019"))
    assert r2019.findings == [] and r2019.format == "2019"
    assert r2019.figures["s3.other.all.total"] == f["s3.other.all.total"]
    assert r2019.figures["s3.other.no_correction.total"] is None


def _text(seed: int) -> tuple[str, dict]:
    f = make_figures(seed)
    return report_text(AGENCY, 2023, f), f


def test_title_spellings() -> None:
    from reports.document import Line
    from reports.sections import find_title

    cases = {
        ("新乡市工业和信息化局", "政府信息公开工作年度报告", "（2023年度）"): ("新乡市工业和信息化局", 2023),
        ("新乡市工业和信息化局政府信息公开工作年度报告(2023年)",): ("新乡市工业和信息化局", 2023),
        ("新乡市工业和信息化局2023年度政府信息公开工作报告",): ("新乡市工业和信息化局", 2023),
        ("2023年度新乡市工业和信息化局政府信息公开工作年度报告",): ("新乡市工业和信息化局", 2023),
        ("新乡市工业和信息化局", "2023年政府信息公开工作年度报告"): ("新乡市工业和信息化局", 2023),
        ("新乡市工业和信息化局二〇二三年政府信息公开工作年度报告",): ("新乡市工业和信息化局", 2023),
        ("# 新乡市工业和信息化局 2023 年政府信息公开工作 年度报告",): ("新乡市工业和信息化局", 2023),
        ("关于新乡市工业和信息化局2023年政府信息公开工作年度报告",): ("新乡市工业和信息化局", 2023),
    }
    for lines, expected in cases.items():
        t = find_title([Line([x]) for x in lines], None)
        assert (t.agency, t.year) == expected, lines


def test_statistics_period_without_the_second_year() -> None:
    text, _ = _text(27)
    period = "统计期限自2023年1月1日至2023年12月31日"
    assert period in text
    assert check_text(text.replace(period, "统计期限自2023年1月1日起至12月31日止")).findings == []
    r = check_text(text.replace(period, "统计期限自2022年1月1日起至12月31日止"))
    assert codes(r, "error") == ["year-mismatch"]
