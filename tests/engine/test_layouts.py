"""Layouts the label reading must handle (reports/stream.py, reports/anchored.py), and inputs built to
make the work explode, which must stay bounded. The families generator (families.py) renders every
sample in every layout; these are small exact cases that say what each rule does."""

from __future__ import annotations

import time

import pytest

from reports.model import S3_COLUMNS, S4_KEYS
from reports.rows import RawRow
from reports.tables import MAX_SPLITS, _digit_splits, glued_readings, joined_readings, row_readings
from reports.text import Token
from tests.docgen import make_figures, report_text
from tests.engine.helpers import AGENCY, check_text, codes

S3_LABELS = [
    "一、本年新收政府信息公开申请数量", "二、上年结转政府信息公开申请数量", "三、本年度办理结果（一）予以公开",
    "（二）部分公开（区分处理的，只计这一情形，不计其他情形）", "（三）不予公开1.属于国家秘密", "2.其他法律行政法规禁止公开",
    "3.危及“三安全一稳定”", "4.保护第三方合法权益", "5.属于三类内部事务信息", "6.属于四类过程性信息", "7.属于行政执法案卷",
    "8.属于行政查询事项", "（四）无法提供1.本机关不掌握相关政府信息", "2.没有现成信息需要另行制作", "3.补正后申请内容仍不明确",
    "（五）不予处理1.信访举报投诉类申请", "2.重复申请", "3.要求提供公开出版物", "4.无正当理由大量反复申请",
    "5.要求行政机关确认或重新出具已获取信息", "（六）其他处理1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
    "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请", "3.其他", "（七）总计", "四、结转下年度继续办理",
]
S3_KEYS = ["new", "carried_in", "granted", "partial", "denied.state_secret", "denied.prohibited", "denied.security",
           "denied.third_party", "denied.internal", "denied.process", "denied.enforcement", "denied.query",
           "unavailable.not_held", "unavailable.needs_making", "unavailable.unclear", "rejected.petition",
           "rejected.repeated", "rejected.publication", "rejected.excessive", "rejected.confirmation",
           "other.no_correction", "other.no_fee", "other.misc", "results_total", "carried_out"]
HEAD = (f"标题：{AGENCY}2023年政府信息公开工作年度报告\n发布机构：{AGENCY}\n"
        "一、总体情况\n本年度工作情况良好。\n")
TAIL = "五、存在的主要问题及改进情况\n无。\n六、其他需要报告的事项\n本年度未收取信息处理费。\n"
T2 = ("二、主动公开政府信息情况\n第二十条第（一）项\n信息内容\t本年制发件数\t本年废止件数\t现行有效件数\n规章\t0\t0\t0\n"
      "行政规范性文件\t3\t1\t12\n第二十条第（五）项\n信息内容\t本年处理决定数量\n行政许可\t25\n第二十条第（六）项\n"
      "信息内容\t本年处理决定数量\n行政处罚\t7\n行政强制\t0\n第二十条第（八）项\n信息内容\t本年收费金额（单位：万元）\n"
      "行政事业性收费\t0\n")
T3_HEAD = "三、收到和处理政府信息公开申请情况\n申请人情况\t自然人\t商业企业\t科研机构\t社会公益组织\t法律服务机构\t其他\t总计\n"
T4_HEAD = ("四、政府信息公开行政复议、行政诉讼情况\n行政复议\t行政诉讼\n结果维持\t结果纠正\t其他结果\t尚未审结\t总计\t"
           "未经复议直接起诉\t复议后起诉\n")


def _figures(seed: int) -> dict:
    return make_figures(seed)


def _row(f: dict, key: str) -> list[int]:
    return [f[f"s3.{key}.{c}"] for c in S3_COLUMNS]


def _s4(f: dict) -> list[int]:
    return [f[k] for k in S4_KEYS]


def _expect_tables(r, f: dict) -> None:
    got = {k: r.figures[k] for k in f if k.startswith(("s3.", "s4."))}
    assert got == {k: v for k, v in f.items() if k.startswith(("s3.", "s4."))}


@pytest.mark.parametrize("seed", [3, 17, 40])
def test_one_cell_per_line_with_crlf_and_blank_lines(seed: int) -> None:
    """Portal text: label, then each cell on its own line; a blank cell is a line holding a space."""
    f = _figures(seed)
    out = [HEAD, T2, "三、收到和处理政府信息公开申请情况", "申请人情况", "自", "然", "人", "商", "业", "企", "业", "总计"]
    for label, key in zip(S3_LABELS, S3_KEYS, strict=True):
        out.append(label.replace("1.", "\n1.") if "1." in label else label)
        out += [str(v) if v else " " for v in _row(f, key)[:-1]] + [str(_row(f, key)[-1])]
    out += ["四、政府信息公开行政复议、行政诉讼情况", "行政复议", "结果维持", "总计"] + [str(v) for v in _s4(f)]
    text = "\r\n".join(out) + "\r\n" + TAIL
    r = check_text(text)
    for key in S3_KEYS:
        for c, v in zip(S3_COLUMNS, _row(f, key), strict=True):
            assert r.figures[f"s3.{key}.{c}"] in ((v,) if v else (None, 0)), (key, c)
    assert [r.figures[k] for k in S4_KEYS] == _s4(f)
    assert (r.agency, r.year) == (AGENCY, 2023)


@pytest.mark.parametrize("seed", [5, 23])
def test_whole_report_on_one_line_with_glued_digits(seed: int) -> None:
    f = _figures(seed)
    t3 = "".join(label + "".join(str(v) for v in _row(f, key)) for label, key in zip(S3_LABELS, S3_KEYS, strict=True))
    text = (f"{AGENCY}2023年政府信息公开工作年度报告 一、总体情况 本年度工作情况良好。二、主动公开政府信息情况"
            "第二十条第（五）项信息内容本年处理决定数量行政许可25第二十条第（六）项信息内容本年处理决定数量行政处罚7行政强制0"
            "三、收到和处理政府信息公开申请情况申请人情况自然人法人或其他组织总计商业企业科研机构社会公益组织法律服务机构其他"
            + t3 + "四、政府信息公开行政复议、行政诉讼情况行政复议行政诉讼结果维持结果纠正其他结果尚未审结总计"
            + " ".join(str(v) for v in _s4(f)) + " 五、存在的主要问题及改进情况无。六、其他需要报告的事项本年度未收取信息处理费。")
    r = check_text(text)
    assert r.sections == [1, 2, 3, 4, 5, 6]
    assert (r.figures["s2.licensing"], r.figures["s2.punishment"], r.figures["s2.coercion"]) == (25, 7, 0)
    # Every cell the text gives is read or left unread, never wrong; the totals are certain.
    for key in S3_KEYS:
        for c, v in zip(S3_COLUMNS, _row(f, key), strict=True):
            assert r.figures[f"s3.{key}.{c}"] in (v, None), (key, c)
    for key in ("new", "carried_in", "results_total", "carried_out"):
        assert r.figures[f"s3.{key}.total"] == f[f"s3.{key}.total"]


def test_dropped_blanks_and_a_single_zero_for_an_all_zero_table() -> None:
    """Crawled text drops blank cells: '46 0 46' is a seven-column row; table 四 of zeros is one '0'."""
    f = _figures(8)
    rows = []
    for label, key in zip(S3_LABELS, S3_KEYS, strict=True):
        vals = [v for v in _row(f, key) if v]  # the zeros were blank cells, dropped by the crawl
        rows.append(label + " " + (" ".join(str(v) for v in vals) if vals else "0"))
    text = (HEAD + T2 + "三、收到和处理政府信息公开申请情况\n申请人情况 自然人 法人或其他组织 总计\n" + "\n".join(rows)
            + "\n四、政府信息公开行政复议、行政诉讼情况\n行政复议 行政诉讼\n结果维持 结果纠正 其他结果 尚未审结 总计\n0\n" + TAIL)
    r = check_text(text)
    for key in ("new", "carried_in", "results_total", "carried_out"):
        assert r.figures[f"s3.{key}.total"] == f[f"s3.{key}.total"]
    assert [r.figures[k] for k in S4_KEYS] == [0] * 15
    wrong = {k: (f[k], r.figures[k]) for k in f if k.startswith("s3.") and r.figures[k] not in (f[k], None)}
    assert wrong == {}


def test_numbers_split_over_lines_are_rejoined_by_the_arithmetic() -> None:
    f = _figures(12)
    f4 = [72, 64, 178, 37, 351, 1, 13, 4, 8, 26, 12, 1, 1, 6, 20]
    lines = [HEAD + T2 + T3_HEAD.rstrip("\n")]
    for label, key in zip(S3_LABELS, S3_KEYS, strict=True):
        lines.append(label + "\t" + "\t".join(str(v) for v in _row(f, key)))
    lines.append(T4_HEAD.rstrip("\n"))
    for v in f4:  # one number per line, two of them split: "35" "1" and "2" "6"
        lines += ["35", "1"] if v == 351 else ["2", "6"] if v == 26 else [str(v)]
    r = check_text("\n".join(lines) + "\n" + TAIL)
    assert [r.figures[k] for k in S4_KEYS] == f4


def test_markdown_with_subheadings_generic_headers_and_a_stray_header_row() -> None:
    f = _figures(21)
    out = [f"# {AGENCY} 2023 年 政府信息公开工作年度报告", "## 一、总体情况", "良好。", "## 二、主动公开政府信息情况",
           "| 信息内容 | 本年处理决定数量 |", "|---|---|", "| 行政许可 | 25 |", "## 三、收到和处理政府信息公开申请情况"]
    for i, (label, key) in enumerate(zip(S3_LABELS, S3_KEYS, strict=True)):
        out += [f"### {label}", "| 类别 | 数据1 | 数据2 | 数据3 | 数据4 | 数据5 | 数据6 | 总计 |", "|---|---|---|---|---|---|---|---|"]
        if i == 20:  # a header row of another table, in the middle of this one
            out += ["| 项目 | 本年新收件数 | 上年结转件数 | 予以公开 | 部分公开 | 不予公开 | 结转下年度 | 总计 |"]
        cells = [str(v) if v else " " for v in _row(f, key)]
        out.append("| " + label + " | " + " | ".join(cells) + " |")
    out += ["## 四、政府信息公开行政复议、行政诉讼情况", "### 行政复议", "| 结果维持 | 结果纠正 | 其他结果 | 尚未审结 | 总计 |",
            "|---|---|---|---|---|"]
    out.append("| " + " | ".join(str(v) for v in _s4(f)) + " |")
    r = check_text("\n".join(out) + "\n" + TAIL, "report.md")
    for key in S3_KEYS:
        assert [r.figures[f"s3.{key}.{c}"] or 0 for c in S3_COLUMNS] == _row(f, key), key
    assert [r.figures[k] for k in S4_KEYS] == _s4(f)
    assert r.figures["s2.licensing"] == 25
    assert (r.agency, r.year) == (AGENCY, 2023)


def test_bracket_numbered_headings_and_numbered_sub_items_of_section_one() -> None:
    f = _figures(30)
    text = report_text(AGENCY, 2023, f)
    for zh in ("一", "二", "三", "四", "五", "六"):
        text = text.replace(f"\n{zh}、", f"\n（{zh}）", 1) if zh != "一" else text.replace("一、总体情况", "（一）总体情况", 1)
    text = text.replace("（一）总体情况\n", "（一）总体情况\n1、主动公开\n本年主动公开信息。\n2、依申请公开\n本年依申请公开情况良好。\n", 1)
    r = check_text(text)
    _expect_tables(r, f)
    assert "missing-table" not in codes(r)


@pytest.mark.parametrize(("head", "agency", "year"), [
    ("标题：示例市交通运输局2022年政府信息公开工作年度报告\n", "示例市交通运输局", 2022),
    ("2024 年示例市科委政府信息公开工作\n年度报告\n", "示例市科委", 2024),
    ("首页\n政务公开\n政府信息公开\n示例县教育局2021年政府信息公开工作年度报告\n", "示例县教育局", 2021),
    ("# source: https://example.org/x/示例县2020年政府信息公开工作年度报告.txt\n"
     "示例县水利局2020年度政府信息公开工作年度报告\n", "示例县水利局", 2020),
])
def test_titles(head: str, agency: str, year: int) -> None:
    r = check_text(head + "一、总体情况\n良好。\n")
    assert (r.agency, r.year) == (agency, year)



@pytest.mark.parametrize("sep", ["，", "、", "；", "， "])
def test_rows_whose_cells_are_joined_by_separators(sep: str) -> None:
    """"规章，0，0，3": a full-width comma, 、 or ； separates cells (never thousands), and a 2019
    change cell keeps its sign between them."""
    f = _figures(5)
    t3 = "".join(f"{label}{sep}{sep.join(map(str, _row(f, key)))}\n" for label, key in zip(S3_LABELS, S3_KEYS, strict=True))
    t2 = (f"二、主动公开政府信息情况\n规章{sep}0{sep}0{sep}3\n行政规范性文件{sep}12{sep}5{sep}300\n行政许可{sep}1,234\n"
          f"行政处罚{sep}7\n行政强制{sep}0\n行政事业性收费{sep}0\n")
    t4 = T4_HEAD + sep.join(map(str, _s4(f))) + "\n"
    r = check_text(HEAD + t2 + T3_HEAD + t3 + t4 + TAIL)
    _expect_tables(r, f)
    assert [r.figures[f"s2.{k}"] for k in ("rules.issued", "rules.repealed", "rules.in_force", "normative.issued",
                                            "normative.repealed", "normative.in_force", "licensing")] == [0, 0, 3, 12, 5, 300, 1234]
    signed = ("二、主动公开政府信息情况\n第二十条第（五）项\n信息内容上一年项目数量本年增/减处理决定数量\n"
              f"行政许可{sep}28{sep}+1{sep}181\n行政处罚{sep}21{sep}-3{sep}430\n")
    r = check_text(HEAD.replace("2023", "2019") + signed + T3_HEAD + t3 + t4 + TAIL)
    assert [r.figures.get(k) for k in ("s2.v2019.licensing.prev", "s2.v2019.licensing.change", "s2.licensing",
                                       "s2.v2019.punishment.prev", "s2.v2019.punishment.change", "s2.punishment")] \
        == [28, 1, 181, 21, -3, 430]

_PERIOD = "本报告中所列数据统计期限为2023年1月1日至12月31日。\n"


def test_a_title_without_a_year_takes_the_statistics_period_and_still_says_the_title_lacks_it() -> None:
    r = check_text("示例县水利局政府信息公开工作年度报告\n" + _PERIOD + "一、总体情况\n良好。\n")
    assert (r.agency, r.year) == ("示例县水利局", 2023)
    assert "unknown-year" in codes(r) and "unknown-agency" not in codes(r)
    # A period over two years says no year.
    r = check_text("示例县水利局政府信息公开工作年度报告\n统计期限为2023年1月1日至2024年12月31日。\n一、总体情况\n良好。\n")
    assert (r.agency, r.year) == ("示例县水利局", None)


def _page(title: str, body_title: str = "", period: str = _PERIOD) -> bytes:
    return (f"<html><head><title>{title}</title></head><body><p>{body_title}</p><p>{period}</p>"
            "<p>一、总体情况</p><p>良好。</p></body></html>").encode()


@pytest.mark.parametrize(("title", "body_title", "period", "agency", "year"), [
    # the page's <title> alone names the report (a site's suffix after it)
    ("示例市工业和信息化局2023年政府信息公开工作年度报告_示例市人民政府门户网站", "", _PERIOD, "示例市工业和信息化局", 2023),
    # the article's own title comes first; a site name in <title> is no agency
    ("示例市人民政府门户网站", "示例市农业农村局2023年政府信息公开工作年度报告", _PERIOD, "示例市农业农村局", 2023),
    ("示例市农业农村局2022年政府信息公开工作年度报告", "示例市农业农村局2023年政府信息公开工作年度报告", _PERIOD,
     "示例市农业农村局", 2023),
    # a <title> whose year the statistics period contradicts is not taken
    ("示例市农业农村局2022年政府信息公开工作年度报告", "", _PERIOD, None, 2023),
    ("示例市农业农村局2022年政府信息公开工作年度报告", "", "", "示例市农业农村局", 2022),
    ("首页", "", _PERIOD, None, 2023),
])
def test_a_web_pages_title_is_the_fallback(title: str, body_title: str, period: str, agency: str | None,
                                           year: int) -> None:
    from reports import check

    r = check(_page(title, body_title, period), "report.html")
    assert (r.agency, r.year) == (agency, year)


# --------------------------------------------------------------------------- bounded work


def test_digit_splits_are_bounded_by_construction() -> None:
    # "1" and sixty zeros: no cut into seven counts exists (zeros stand alone, a count has ≤ 9 digits).
    assert _digit_splits("1" + "0" * 60, 7) == []
    assert _digit_splits("1" * 400, 7) == []  # longer than any row: not cut at all
    cuts = _digit_splits("801000081", 7)
    assert cuts is not None and ["80", "1", "0", "0", "0", "0", "81"] in cuts
    assert all("".join(c) == "801000081" and len(c) == 7 for c in cuts)
    # More ways than the limit: None, never a truncated list that would look certain.
    assert _digit_splits("123456789123456789", 7) is None
    assert glued_readings(["12345678912345678"], 7) is None


def test_rows_with_too_many_readings_are_unknown_not_truncated() -> None:
    row = RawRow(label="x", before="", slots=[Token("1", 1, "number")] * 8, structured=False, page=None,
                 line=1, index=0, raw="x")
    readings, _ = row_readings(row, 15)
    assert len(readings) <= MAX_SPLITS + 64
    assert len({tuple(t.value if t else None for t in r[:1]) for r in readings}) > 1 or readings == [[None] * 15]
    assert joined_readings([Token("1", 1, "number")] * 40, 7) is None  # too many ways to rejoin: unknown


HOSTILE = {
    "zeros": ("一、本年新收政府信息公开申请数量1" + "0" * 60 + "\n") * 100,
    "glued": "三、收到和处理政府信息公开申请情况 申请人情况 自然人 " + "".join(
        f"{label}{'1234567890' * 6}" for label in S3_LABELS) + "四、政府信息公开行政复议、行政诉讼情况 行政复议 " + "9" * 60,
    "anchors": "本年新收 1 上年结转 2 予以公开 3 总计 4 结转下年 5 " * 600,
    "ones": "".join(f"{label}{'11111111'}" for label in S3_LABELS),
    "split": T3_HEAD + "\n".join(label + "\n" + "\n".join("1" for _ in range(14)) for label in S3_LABELS),
    "dropped": T3_HEAD + "\n".join(f"{label} 1 2 3" for label in S3_LABELS),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_inputs_finish_fast_and_say_so(name: str) -> None:
    t = time.process_time()
    r = check_text(HOSTILE[name])
    assert time.process_time() - t < 5.0
    assert r.verdict == "fail" and all(x.message_zh and x.message_en for x in r.findings)


def test_total_cuts_find_exactly_the_cuts_that_add_up() -> None:
    """The pruned search for cuts whose last number is the sum of the others finds every such cut
    (compared with trying all cuts), or says it cannot (None): never a part of them."""
    import itertools
    import random

    from reports.tables import _total_cuts

    rnd = random.Random(5)
    for _ in range(150):
        n = rnd.choice([5, 7])
        vals = [rnd.choice([0, 0, 1, 2, 5, 13, 27, 104, 331, 1000]) for _ in range(n - 1)]
        text = "".join(map(str, [*vals, sum(vals)]))
        got = _total_cuts([text], n)
        assert got is not None
        every = []
        for cuts in itertools.combinations(range(1, len(text)), n - 1):
            ps = [text[a:b] for a, b in zip((0, *cuts), (*cuts, len(text)), strict=True)]
            if all((p == "0" or p[0] != "0") and len(p) <= 9 for p in ps) and sum(map(int, ps[:-1])) == int(ps[-1]):
                every.append(ps)
        assert sorted(got) == sorted(every), text


def test_table4_glued_into_one_run_is_cut_by_its_three_totals() -> None:
    from reports.tables import group_cuts

    cuts = group_cuts(["72641783735113481261211620"], 3, 5)
    assert cuts is not None
    # Groups 1 and 2 are certain; group 3 ("1211620") can be 12+1+1+6 or 1+2+1+16 or …: all = 20.
    assert {tuple(c[:10]) for c in cuts} == {("72", "64", "178", "37", "351", "13", "4", "8", "1", "26")}
    assert ["12", "1", "1", "6", "20"] in [c[10:] for c in cuts] and {c[14] for c in cuts} == {"20"}
    assert group_cuts(["9" * 60], 3, 5) in ([], None)
