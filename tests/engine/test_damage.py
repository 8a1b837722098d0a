"""The damage real files carry (FORMAT.md, issue list): each read exactly or reported as unreadable."""

from __future__ import annotations

import pytest

from reports.model import S3_COLUMNS
from tests.docgen import make_figures, report_text
from tests.engine.helpers import AGENCY, check_text, codes

FULL_WIDTH = str.maketrans("0123456789()", "０１２３４５６７８９（）")


def _fig(seed: int) -> dict:
    return make_figures(seed)


def _lines(text: str) -> list[str]:
    return text.split("\n")


def _row_index(lines: list[str], part: str) -> int:
    return next(i for i, line in enumerate(lines) if part in line and "\t" in line)


@pytest.mark.parametrize("marker", ["—", "/", "无", "-", "——"])
def test_zero_markers_read_as_zero_and_flagged(marker: str) -> None:
    f = _fig(31)
    r = check_text(report_text(AGENCY, 2023, f, blanks="—").replace("\t—", "\t" + marker))
    assert r.verdict == "pass"
    assert {k: r.figures[k] for k in f} == f
    zero_cells = {k for k, v in f.items() if v == 0 and k.startswith(("s3.", "s4."))}
    flagged = {x.location.key for x in r.findings if x.code == "zero-marker"}
    assert zero_cells <= flagged
    assert {x.severity for x in r.findings if x.code == "zero-marker"} == {"info"}


def test_blank_cells_are_null_counted_as_zero_and_warned() -> None:
    f = _fig(32)
    r = check_text(report_text(AGENCY, 2023, f, blanks=""))
    assert r.verdict == "pass"
    for k, v in f.items():
        assert r.figures[k] == (None if v == 0 else v), k
    blank = {x.location.key for x in r.findings if x.code == "blank-cell"}
    assert blank == {k for k, v in f.items() if v == 0}


def test_full_width_digits_and_brackets() -> None:
    f = _fig(33)
    text = report_text(AGENCY, 2023, f)
    head, rest = text.split("二、主动公开政府信息情况", 1)
    r = check_text(head + "二、主动公开政府信息情况" + rest.translate(FULL_WIDTH))
    assert {k: r.figures[k] for k in f} == f
    assert r.verdict == "pass"


def test_thousands_separators_and_spaces() -> None:
    f = _fig(34)
    f["s2.licensing"] = 447228
    f["s2.punishment"] = 3985758
    text = report_text(AGENCY, 2023, f).replace("\t447228", "\t447,228").replace("\t3985758", "\t3,985,758")
    r = check_text(text)
    assert (r.figures["s2.licensing"], r.figures["s2.punishment"]) == (447228, 3985758)


def test_digits_run_together_split_by_the_row_total() -> None:
    f = _fig(35)
    f.update({"s3.granted.person": 80, "s3.granted.business": 1, "s3.granted.research": 0,
              "s3.granted.nonprofit": 0, "s3.granted.legal": 0, "s3.granted.org_other": 0, "s3.granted.total": 81})
    _rebalance(f)
    lines = _lines(report_text(AGENCY, 2023, f))
    i = _row_index(lines, "（一）予以公开")
    lines[i] = "三、本年度办理结果\t（一）予以公开\t801000081"
    r = check_text("\n".join(lines))
    assert [r.figures[f"s3.granted.{c}"] for c in S3_COLUMNS] == [80, 1, 0, 0, 0, 0, 81]
    assert r.verdict == "pass"
    assert ("inferred-cell", "granted") in [(x.code, x.location.row) for x in r.findings]


def test_digits_run_together_that_cannot_be_split_are_unreadable_not_errors() -> None:
    f = _fig(36)
    lines = _lines(report_text(AGENCY, 2023, f))
    i = _row_index(lines, "（一）予以公开")
    # "11111111": many splits add up; with the column relations broken too, nothing decides.
    lines[i] = "三、本年度办理结果\t（一）予以公开\t11111111"
    r = check_text("\n".join(lines))
    # Not the report's error, but no pass either: the checks that use the row could not be made.
    assert [(x.code, x.location.section) for x in r.errors] == [("unchecked-relation", 3)]
    unreadable = {x.location.key for x in r.findings if x.code == "unreadable-cell"}
    assert unreadable and all(k.startswith("s3.granted.") for k in unreadable)
    assert all(r.figures[k] is None for k in unreadable)


def test_six_numbers_in_a_seven_column_row_placed_by_arithmetic() -> None:
    f = _fig(37)
    f["s3.partial.person"], f["s3.partial.business"] = 5, 2
    _rebalance(f)
    lines = _lines(report_text(AGENCY, 2023, f))
    i = _row_index(lines, "（二）部分公开")
    cells = lines[i].split("\t")
    values = [str(f[f"s3.partial.{c}"]) for c in S3_COLUMNS]
    del values[2]  # the research cell is lost in the extraction
    lines[i] = "\t".join([*cells[:3], *values])
    r = check_text("\n".join(lines))
    assert [r.figures[f"s3.partial.{c}"] for c in S3_COLUMNS] == [f[f"s3.partial.{c}"] for c in S3_COLUMNS]
    assert r.verdict == "pass"


def test_label_wording_variants_and_half_width_brackets() -> None:
    f = _fig(38)
    text = report_text(AGENCY, 2023, f)
    text = (text.replace("2.其他法律行政法规禁止公开", "2.其他法律法规禁止公开")
                .replace("（一）予以公开", "(一)予以公开")
                .replace("3.危及“三安全一稳定”", "3.危及\"三安全一稳定\"")
                .replace("5.属于三类内部事务信息", "5、属于三类内部事务信息"))
    r = check_text(text)
    assert {k: r.figures[k] for k in f} == f
    assert r.findings == []


def test_row_label_wrapped_over_lines_and_group_label_in_the_middle() -> None:
    f = _fig(39)
    lines = _lines(report_text(AGENCY, 2023, f))
    i = _row_index(lines, "1.申请人无正当理由逾期不补正")
    nums = "\t".join(str(f[f"s3.other.no_correction.{c}"]) for c in S3_COLUMNS)
    # As pdf text extraction gives it: the label over three lines, numbers on the middle one,
    # the merged group label split into fragments around it.
    lines[i:i + 1] = ["1、申请人无正当理由逾期不补", "（六）其", f"正、行政机关不再处理其政府信 {nums}", "他处理",
                      "息公开申请"]
    r = check_text("\n".join(lines))
    assert {k: r.figures[k] for k in f} == f
    assert r.errors == []


def test_page_numbers_and_repeated_headers_inside_a_table() -> None:
    f = _fig(40)
    lines = _lines(report_text(AGENCY, 2023, f))
    i = _row_index(lines, "4.保护第三方合法权益")
    lines[i:i] = ["- 5 -", "", "第 5 页 共 9 页", "三、收到和处理政府信息公开申请情况"]
    r = check_text("\n".join(lines))
    assert {k: r.figures[k] for k in f} == f
    assert r.findings == []


def test_lost_headings_still_find_the_tables() -> None:
    f = _fig(41)
    text = report_text(AGENCY, 2023, f).replace("三、收到和处理政府信息公开申请情况\n", "")
    r = check_text(text)
    assert {k: r.figures[k] for k in f} == f
    assert 3 in r.sections and "missing-section" not in codes(r)


def test_markdown_and_bracket_headings() -> None:
    f = _fig(42)
    text = report_text(AGENCY, 2023, f)
    text = text.replace("一、总体情况", "## 一、总体情况").replace("五、存在的主要问题及改进情况", "（五）存在的主要问题及 改进情况")
    r = check_text(text)
    assert r.sections == [1, 2, 3, 4, 5, 6]
    assert r.findings == []


def test_gbk_and_bom_text() -> None:
    f = _fig(43)
    text = report_text(AGENCY, 2023, f)
    for data in (text.encode("gbk"), text.encode("gb18030"), b"\xef\xbb\xbf" + text.encode("utf-8"),
                 text.encode("utf-16")):
        import reports

        r = reports.check(data, "report.txt")
        assert {k: r.figures[k] for k in f} == f
        assert r.agency == AGENCY and r.verdict == "pass"


def test_not_a_report() -> None:
    r = check_text("会议纪要\n今天讨论了食堂的菜单，决定下周增加一道青菜。\n")
    assert codes(r) == ["not-a-report"]
    assert r.verdict == "fail"


def _rebalance(f: dict) -> None:
    """Recompute results_total, the row totals and new so that every relation holds again."""
    from reports.model import S3_APPLICANT_COLUMNS, S3_RESULT_ITEMS

    for c in S3_APPLICANT_COLUMNS:
        f[f"s3.results_total.{c}"] = sum(f[f"s3.{r}.{c}"] for r in S3_RESULT_ITEMS)
        f[f"s3.new.{c}"] = f[f"s3.results_total.{c}"] + f[f"s3.carried_out.{c}"] - f[f"s3.carried_in.{c}"]
        assert f[f"s3.new.{c}"] >= 0
    rows = {k.split(".", 1)[1].rsplit(".", 1)[0] for k in f if k.startswith("s3.")}
    for r in rows:
        f[f"s3.{r}.total"] = sum(f[f"s3.{r}.{c}"] for c in S3_APPLICANT_COLUMNS)


def _glue_tables(text: str, *, tight: bool) -> str:
    """Tables 3 and 4 as copied from a web portal: a row's digits run together with no separator
    (and with tight=True, run into the label too)."""
    head, rest = text.split("三、收到和处理政府信息公开申请情况", 1)
    body, tail = rest.split("五、存在的主要问题及改进情况", 1)
    out = []
    for line in body.split("\n"):
        cells = line.split("\t")
        labels = [c for c in cells if c and not c.isdigit()]
        nums = [c for c in cells if c.isdigit()]
        sep = "" if tight or not (labels and nums) else " "
        out.append(" ".join(labels) + sep + "".join(nums))
    return head + "三、收到和处理政府信息公开申请情况" + "\n".join(out) + "五、存在的主要问题及改进情况" + tail


@pytest.mark.parametrize("seed", range(50, 62))
@pytest.mark.parametrize("tight", [False, True])
def test_tables_with_digits_run_together_are_split_by_the_arithmetic(seed: int, tight: bool) -> None:
    f = _fig(seed)
    r = check_text(_glue_tables(report_text(AGENCY, 2023, f), tight=tight))
    assert {k: r.figures[k] for k in f} == f
    assert r.errors == []


@pytest.mark.parametrize("seed", range(70, 76))
def test_run_together_digits_in_a_table_that_does_not_add_up_are_never_guessed(seed: int) -> None:
    f = _fig(seed)
    f["s3.granted.person"] += 7  # the report itself is wrong: results-total and more break
    r = check_text(_glue_tables(report_text(AGENCY, 2023, f), tight=False))
    read = {k: v for k, v in r.figures.items() if k in f and v is not None}
    assert all(read[k] == f[k] for k in read), {k: (read[k], f[k]) for k in read if read[k] != f[k]}
    from reports.model import S3_APPLICANT_COLUMNS, S3_RESULT_ITEMS

    # Every arithmetic error is stated on the true figures: never on a guess.
    for x in r.errors:
        c, row = x.location.column, x.location.row
        if x.code == "results-total":
            truth = (sum(f[f"s3.{i}.{c}"] for i in S3_RESULT_ITEMS), f[f"s3.results_total.{c}"])
        elif x.code == "column-balance":
            truth = (f[f"s3.new.{c}"] + f[f"s3.carried_in.{c}"], f[f"s3.results_total.{c}"] + f[f"s3.carried_out.{c}"])
        elif x.code == "row-total":
            truth = (sum(f[f"s3.{row}.{a}"] for a in S3_APPLICANT_COLUMNS), f[f"s3.{row}.total"])
        else:
            continue
        assert (x.expected, x.actual) == truth, x.message_en


@pytest.mark.parametrize("seed", range(80, 86))
def test_a_subtotal_column_for_organisations_is_dropped(seed: int) -> None:
    """Some local templates add a 法人或其他组织 subtotal column after 其他: eight numbers a row."""
    from reports.model import S3_APPLICANT_COLUMNS, S3_ROWS

    f = _fig(seed)
    lines = _lines(report_text(AGENCY, 2023, f))
    for row in S3_ROWS:
        i = next((j for j, line in enumerate(lines) if line.count("\t") > 6 and _is_row(line, row, f)), None)
        assert i is not None, row
        cells = lines[i].split("\t")
        sub = sum(f[f"s3.{row}.{c}"] for c in S3_APPLICANT_COLUMNS[1:])
        cells.insert(len(cells) - 1, str(sub))  # before 总计
        lines[i] = "\t".join(cells)
    r = check_text("\n".join(lines))
    assert {k: r.figures[k] for k in f} == f
    assert r.errors == []


def _is_row(line: str, row: str, f: dict) -> bool:
    from reports.model import S3_COLUMNS

    values = [str(f[f"s3.{row}.{c}"]) for c in S3_COLUMNS]
    return line.split("\t")[-7:] == values
