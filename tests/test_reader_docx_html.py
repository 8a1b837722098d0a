"""DOCX and HTML readers: the official template, the generated fixtures, hand-made markup, bad input."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import docx
import pdfplumber
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reports.document import Document, Line, ReadError
from reports.model import S3_COLUMNS, S4_GROUPS, S4_OUTCOMES
from reports.readers import read, sniff
from reports.readers.docx import read_docx
from reports.readers.html import decode_html, read_html
from reports.readers.text import read_text
from tests.docgen import make_figures, report_docx, report_html, report_text, s3_rows

FIXTURES = Path(__file__).parent / "fixtures"
TEMPLATE = Path(__file__).resolve().parents[2] / "shared" / "samples" / "template-2021.docx"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def expected(name: str) -> dict:
    return json.loads((FIXTURES / (name.rsplit(".", 1)[0] + ".expected.json")).read_text(encoding="utf-8"))


def table(doc: Document, index: int) -> list[list[str]]:
    return [line.cells for line in doc.lines if line.table == index]


def content(doc: Document) -> list[list[str]]:
    """The lines that hold any text."""
    return [line.cells for line in doc.lines if any(line.cells)]


def shown(v: int | float | None) -> str:
    """How the generator writes a figure (with blanks="0"); '' for None."""
    if v is None:
        return ""
    return str(v) if isinstance(v, int) or not float(v).is_integer() else str(int(v))


# --- the official template ------------------------------------------------------------------

S3_LABELS = [
    ["一、本年新收政府信息公开申请数量", "", ""],
    ["二、上年结转政府信息公开申请数量", "", ""],
    ["三、本年度办理结果", "（一）予以公开", ""],
    ["", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）", ""],
    ["", "（三）不予公开", "1.属于国家秘密"],
    ["", "", "2.其他法律行政法规禁止公开"],
    ["", "", "3.危及“三安全一稳定”"],
    ["", "", "4.保护第三方合法权益"],
    ["", "", "5.属于三类内部事务信息"],
    ["", "", "6.属于四类过程性信息"],
    ["", "", "7.属于行政执法案卷"],
    ["", "", "8.属于行政查询事项"],
    ["", "（四）无法提供", "1.本机关不掌握相关政府信息"],
    ["", "", "2.没有现成信息需要另行制作"],
    ["", "", "3.补正后申请内容仍不明确"],
    ["", "（五）不予处理", "1.信访举报投诉类申请"],
    ["", "", "2.重复申请"],
    ["", "", "3.要求提供公开出版物"],
    ["", "", "4.无正当理由大量反复申请"],
    ["", "", "5.要求行政机关确认或重新出具已获取信息"],
    ["", "（六）其他处理", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"],
    ["", "", "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"],
    ["", "", "3.其他"],
    ["", "（七）总计", ""],
    ["四、结转下年度继续办理", "", ""],
]


@pytest.fixture(scope="module")
def template() -> Document:
    if not TEMPLATE.exists():
        pytest.skip("samples/template-2021.docx not available")
    return read_docx(TEMPLATE.read_bytes())


def test_template_tables_and_headings(template: Document) -> None:
    assert template.kind == "docx"
    assert sorted({line.table for line in template.lines if line.table is not None}) == [0, 1, 2]
    assert [len(table(template, i)) for i in range(3)] == [14, 28, 4]
    assert {len(row) for row in table(template, 1)} == {10}
    assert {len(row) for row in table(template, 2)} == {15}
    paragraphs = [line.cells[0] for line in template.lines if line.table is None and line.cells[0]]
    assert paragraphs == [
        "政府信息公开工作年度报告格式模板", "一、总体情况", "（文字描述）", "二、主动公开政府信息情况",
        "三、收到和处理政府信息公开申请情况", "四、政府信息公开行政复议、行政诉讼情况",
        "五、存在的主要问题及改进情况", "（文字描述）", "六、其他需要报告的事项",
        "（文字描述，收取信息处理费情况在此处报告。）",
    ]
    # Body order: each table sits between its heading and the next one.
    order = [line.table if line.table is not None else line.cells[0][:2] for line in template.lines
             if line.table is not None or line.cells[0][:2] in ("二、", "三、", "四、", "五、")]
    assert order == ["二、", *[0] * 14, "三、", *[1] * 28, "四、", *[2] * 4, "五、"]


def test_template_table3_labels_and_header(template: Document) -> None:
    rows = table(template, 1)
    assert rows[0] == ["（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", "", "",
                       "申请人情况", "", "", "", "", "", ""]
    assert rows[1] == ["", "", "", "自然人", "法人或其他组织", "", "", "", "", "总计"]
    assert rows[2] == ["", "", "", "", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", ""]
    assert [row[:3] for row in rows[3:]] == S3_LABELS
    # The vertically merged label is read once, on its first row.
    assert sum(row.count("三、本年度办理结果") for row in rows) == 1


def test_template_every_number_cell_blank(template: Document) -> None:
    t2, t3, t4 = (table(template, i) for i in range(3))
    assert t2[2] == ["规章", "", "", ""]  # the template's cells hold only ideographic spaces
    assert t2[3] == ["行政规范性文件", "", "", ""]
    assert [row[0] for row in t2] == [
        "第二十条第（一）项", "信息内容", "规章", "行政规范性文件", "第二十条第（五）项", "信息内容", "行政许可",
        "第二十条第（六）项", "信息内容", "行政处罚", "行政强制", "第二十条第（八）项", "信息内容", "行政事业性收费",
    ]
    assert all(row[1:] == ["", "", ""] for row in (t2[6], t2[9], t2[10], t2[13]))
    assert all(row[3:] == [""] * 7 for row in t3[3:])
    assert t4[0][:6] == ["行政复议", "", "", "", "", "行政诉讼"]
    assert t4[3] == [""] * 15
    assert not any(ch.isdigit() for row in t3[3:] + [t4[3]] for cell in row[3:] for ch in cell)


# --- generated DOCX fixtures ----------------------------------------------------------------


def check_tables_against(doc: Document, exp: dict) -> None:
    """Every number of tables 2–4 in its exact grid position, as expected.json says."""
    fig = exp["figures"]
    t2, t3, t4 = (table(doc, i) for i in range(3))
    if exp["format"] == "2021":
        assert t2[2][1:] == [shown(fig[f"s2.rules.{c}"]) for c in ("issued", "repealed", "in_force")]
        assert t2[3][1:] == [shown(fig[f"s2.normative.{c}"]) for c in ("issued", "repealed", "in_force")]
        assert [t2[6][1], t2[9][1], t2[10][1], t2[13][1]] == [
            shown(fig[k]) for k in ("s2.licensing", "s2.punishment", "s2.coercion", "s2.fees")]
    cols = S3_COLUMNS if exp["total_column"] else S3_COLUMNS[:-1]
    body = t3[3:]
    assert len(body) == len(s3_rows(exp["format"]))
    for row, key in zip(body, s3_rows(exp["format"]), strict=True):
        assert row[3:] == [shown(fig[f"s3.{key}.{c}"]) for c in cols], key
    assert t4[3] == [shown(fig[f"s4.{g}.{o}"]) for g in S4_GROUPS for o in S4_OUTCOMES]


def test_balanced_docx_exact_cells() -> None:
    doc = read_docx(fixture("report-2021-balanced.docx"))
    assert content(doc)[0] == ["示例市工业和信息化局2023年政府信息公开工作年度报告"]
    t3 = table(doc, 1)
    assert t3[3] == ["一、本年新收政府信息公开申请数量", "", "", "38", "4", "4", "4", "7", "4", "61"]
    assert t3[5] == ["三、本年度办理结果", "（一）予以公开", "", "14", "0", "2", "2", "6", "3", "27"]
    assert t3[23] == ["", "（六）其他处理", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
                      "0", "0", "0", "0", "0", "0", "0"]
    assert table(doc, 0)[6] == ["行政许可", "515", "", ""]
    assert table(doc, 2)[3] == ["0", "1", "0", "0", "1", "0", "0", "3", "0", "3", "1", "1", "0", "0", "2"]
    check_tables_against(doc, expected("report-2021-balanced.docx"))
    text = doc.text
    assert "全年共收到政府信息公开申请61件" in text and "行政复议1件" in text
    assert "统计期限自2023年1月1日至2023年12月31日" in text and "本年度未收取信息处理费" in text


def test_2019_docx_exact_cells() -> None:
    doc = read_docx(fixture("report-2019-format.docx"))
    t2, t3 = table(doc, 0), table(doc, 1)
    assert t2[1] == ["信息内容", "本年新制作数量", "本年新公开数量", "对外公开总数量"]
    assert t2[2] == ["规章", "4", "4", "34"]
    assert t2[6] == ["行政许可", "12", "+2", "203"]
    assert t2[17] == ["政府集中采购", "6", "297.47", ""]
    assert len(t3) == 3 + 23
    assert t3[5] == ["三、本年度办理结果", "（一）予以公开", "", "30", "4", "2", "1", "5", "1", "43"]
    assert t3[23] == ["", "（六）其他处理", "", "0", "0", "0", "0", "0", "0", "0"]
    exp = expected("report-2019-format.docx")
    fig = exp["figures"]
    assert (fig["s2.v2019.licensing.change"], fig["s2.licensing"], fig["s2.v2019.procurement.amount"]) == (2, 203, 297.47)
    check_tables_against(doc, exp)


def test_imbalance_and_blank_docx() -> None:
    doc = read_docx(fixture("report-2021-column-imbalance.docx"))
    exp = expected("report-2021-column-imbalance.docx")
    check_tables_against(doc, exp)
    assert [d["location"]["column"] for d in exp["defects"]] == ["person", "total"]
    new, carried_in, *_, results, carried_out = (row[3:] for row in table(doc, 1)[3:])
    person = [int(row[0]) for row in (new, carried_in, results, carried_out)]
    assert person[0] + person[1] == person[2] + person[3] + 2

    doc = read_docx(fixture("report-2021-blank-cells.docx"))
    t3 = table(doc, 1)
    assert t3[4] == ["二、上年结转政府信息公开申请数量", "", "", "4", "1", "1", "", "", "1", "7"]
    assert t3[5] == ["三、本年度办理结果", "（一）予以公开", "", "31", "", "", "", "", "", "31"]
    assert "0" not in {cell for i in range(3) for row in table(doc, i) for cell in row}
    check_tables_against(doc, expected("report-2021-blank-cells.docx"))


@pytest.mark.parametrize(
    ("seed", "options"),
    [
        (1, {}),
        (2, {"fmt": "2019"}),
        (3, {"total_column": False, "blanks": ""}),
        (4, {"blanks": "—", "sections": (1, 3, 6), "fee_statement": False}),
        (5, {"narrative": False, "blanks": "/"}),
    ],
)
def test_docx_html_and_text_read_alike(seed: int, options: dict) -> None:
    """The three renderings of one report read as the same lines of cells."""
    fmt = options.get("fmt", "2021")
    figures = make_figures(seed, year_format=fmt)
    args = ("示例局", 2022, figures)
    from_text = content(read_text(report_text(*args, **options).encode()))
    from_docx = content(read_docx(report_docx(*args, **options)))
    from_html = content(read_html(report_html(*args, **options).encode()))
    assert from_docx == from_text
    assert from_html == from_text
    assert len(from_text) > 20


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10**6),
    fmt=st.sampled_from(["2021", "2019"]),
    zero=st.booleans(),
    total_column=st.booleans(),
    blanks=st.sampled_from(["0", "", "—", "/", "无"]),
    sections=st.sets(st.integers(1, 6), min_size=1).map(lambda s: tuple(sorted(s))),
)
def test_renderings_read_alike_property(seed: int, fmt: str, zero: bool, total_column: bool, blanks: str,
                                        sections: tuple[int, ...]) -> None:
    figures = make_figures(seed, zero=zero, year_format=fmt)
    options = {"fmt": fmt, "total_column": total_column, "blanks": blanks, "sections": sections}
    args = ("示例局", 2021, figures)
    from_text = content(read_text(report_text(*args, **options).encode()))
    assert content(read_docx(report_docx(*args, **options))) == from_text
    assert content(read_html(report_html(*args, **options).encode())) == from_text
    if 3 in sections:  # table 3 holds each figure in its grid position
        t3 = next(i for i, line in enumerate(from_text) if line[0].startswith("（本列数据"))
        rows = from_text[t3 + 3: t3 + 3 + len(s3_rows(fmt))]
        cols = S3_COLUMNS if total_column else S3_COLUMNS[:-1]
        for row, key in zip(rows, s3_rows(fmt), strict=True):
            assert row[3:] == [shown(figures[f"s3.{key}.{c}"]) if figures[f"s3.{key}.{c}"] or blanks == "0"
                               else blanks for c in cols]


# --- HTML -----------------------------------------------------------------------------------


def test_html_fixture_gbk_page() -> None:
    data = fixture("report-2021-portal.html")
    assert sniff(data) == "html"
    doc = read(data)
    assert doc.kind == "html"
    lines = content(doc)
    assert lines[0] == ["示例市自然资源和规划局2023年政府信息公开工作年度报告"]
    assert lines[-1] == ["本年度未收取信息处理费。"]
    for noise in ("首页", "网站标识码", "统计代码", "showVisits", "siteId", "font-family"):
        assert noise not in doc.text
    exp = expected("report-2021-portal.html")
    check_tables_against(doc, exp)
    assert f"全年共收到政府信息公开申请{exp['figures']['s3.new.total']}件" in doc.text


HAND_TABLE = """<html><head><meta charset="gbk"><title>t</title></head><body>
<div id="breadcrumb">首页 &gt; 年报</div>
<p>一、总体情况<br>全年共收到政府信息
  公开申请3件，办结 3 件。</p>
<table><caption>表一</caption>
<tr><td colspan=2 rowspan=2>项目<td>A<td rowspan=3>合计
<tr><td>B
<tr><td rowspan="2">三、本年度办理结果<td>（一）予以公开<td>&nbsp;
<tr><td>（二）部分公开<td>2<td>2
<tr><td colspan="4"><p>备注</p><p>无</p></td></tr>
</table>
<div style="display: none">隐藏</div><script>var x = 1;</script>
<h3>六、其他需要报告的事项</h3>
</body></html>"""


def test_html_spans_and_sloppy_markup() -> None:
    doc = read_html(HAND_TABLE.encode("gbk"))
    assert content(doc) == [
        ["一、总体情况"],
        ["全年共收到政府信息公开申请3件，办结 3 件。"],
        ["表一"],
        ["项目", "", "A", "合计"],
        ["", "", "B", ""],
        ["三、本年度办理结果", "（一）予以公开", "", ""],
        ["", "（二）部分公开", "2", "2"],
        ["备注无", "", "", ""],
        ["六、其他需要报告的事项"],
    ]
    assert [line.table for line in doc.lines] == [None, None, None, 0, 0, 0, 0, 0, None]
    assert [line.lineno for line in doc.lines] == list(range(1, 10))


def test_html_layout_tables_read_as_flow() -> None:
    page = """<html><body><table width="980"><tr><td>
    <p>某局2023年政府信息公开工作年度报告</p><p>一、总体情况</p>
    <table><tr><td>规章</td><td>1</td></tr><tr><td>行政许可</td><td>5</td></tr></table>
    </td><td class="sidebar">相关链接</td></tr></table>
    <table><tr><td><p>五、存在的主要问题及改进情况</p><p>无</p></td></tr></table></body></html>"""
    doc = read_html(page.encode())
    assert [(line.cells, line.table) for line in doc.lines] == [
        (["某局2023年政府信息公开工作年度报告"], None),
        (["一、总体情况"], None),
        (["规章", "1"], 0),
        (["行政许可", "5"], 0),
        (["五、存在的主要问题及改进情况"], None),
        (["无"], None),
    ]


def test_html_charsets() -> None:
    body = "<p>王堃局2023年报告：镕</p>"  # 堃 and 镕 are in GBK, not in GB2312
    page = f'<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312"></head><body>{body}</body></html>'
    assert content(read_html(page.encode("gbk"))) == [["王堃局2023年报告：镕"]]
    wrong = page.replace("gb2312", "utf-8")  # declared UTF-8, bytes in GBK: detected
    assert content(read_html(wrong.encode("gbk"))) == [["王堃局2023年报告：镕"]]
    xhtml = f'<?xml version="1.0" encoding="gbk"?><html><body>{body}</body></html>'
    assert content(read_html(xhtml.encode("gbk"))) == [["王堃局2023年报告：镕"]]
    bom = "\ufeff<html><body><p>一、总体情况</p></body></html>"
    assert content(read_html(bom.encode("utf-8"))) == [["一、总体情况"]]
    assert decode_html(b'<meta charset="x-unknown-charset"><p>ok</p>') == '<meta charset="x-unknown-charset"><p>ok</p>'


def test_html_bad_input() -> None:
    with pytest.raises(ReadError) as err:
        read_html(b"")
    assert err.value.code == "unreadable-file"
    with pytest.raises(ReadError) as err:
        read_html(b"<html>\x00\x01\x02" + bytes(range(256)) * 8)
    assert err.value.code == "unreadable-file"


# --- DOCX structures made by hand -----------------------------------------------------------


def test_docx_nested_table_and_line_breaks() -> None:
    d = docx.Document()
    p = d.add_paragraph("一、总体情况")
    p.add_run().add_break()
    p.add_run("全年共收到政府信息公开申请3件。")
    outer = d.add_table(rows=2, cols=2)
    outer.cell(0, 0).text = "外层"
    outer.cell(0, 1).text = "1"
    inner = outer.cell(1, 0).add_table(rows=1, cols=2)
    inner.cell(0, 0).text = "内层"
    inner.cell(0, 1).text = "2"
    cell = outer.cell(1, 1)
    cell.text = "结果"
    cell.add_paragraph("维持")
    cell.paragraphs[1].add_run("（隐藏）").font.hidden = True
    d.add_paragraph("六、其他需要报告的事项")
    buf = io.BytesIO()
    d.save(buf)
    doc = read_docx(buf.getvalue())
    assert [(line.cells, line.table) for line in doc.lines] == [
        (["一、总体情况"], None),
        (["全年共收到政府信息公开申请3件。"], None),
        (["外层", "1"], 0),
        (["", "结果维持"], 0),
        (["内层", "2"], 1),
        (["六、其他需要报告的事项"], None),
    ]


# --- bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["bad-zip-bomb.docx", "bad-corrupt.docx", "bad-encrypted.docx", "bad-junk.txt", "empty.txt"]
)
def test_bad_fixtures(name: str) -> None:
    with pytest.raises(ReadError) as err:
        read(fixture(name))
    assert err.value.code == expected(name)["error_code"]
    assert err.value.message_zh and err.value.message_en


def test_zip_bomb_messages() -> None:
    data = fixture("bad-zip-bomb.docx")
    assert len(data) < 100_000 and sniff(data) == "docx"
    with pytest.raises(ReadError) as err:
        read_docx(data)
    assert (err.value.code, "压缩炸弹" in err.value.message_zh, "zip bomb" in err.value.message_en) == (
        "unreadable-file", True, True)


def test_real_zip_bomb_is_refused_before_expansion() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", b" " * (51 * 1024 * 1024))
    assert len(buf.getvalue()) < 200_000
    with pytest.raises(ReadError) as err:
        read_docx(buf.getvalue())
    assert "压缩炸弹" in err.value.message_zh


def test_docx_other_bad_input() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:  # a spreadsheet, not a Word document
        zf.writestr("[Content_Types].xml", '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>')
        zf.writestr("xl/workbook.xml", "<workbook/>")
    with pytest.raises(ReadError) as err:
        read_docx(buf.getvalue())
    assert err.value.code == "unreadable-file"
    with pytest.raises(ReadError) as err:
        read_docx(b"PK\x03\x04" + b"\x00" * 100)
    assert err.value.code == "unreadable-file"
    with pytest.raises(ReadError) as err:  # an old .doc (OLE without EncryptedPackage)
        read_docx(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 1024)
    assert err.value.code == "unsupported-format"
    with pytest.raises(ReadError) as err:
        read_docx(fixture("bad-encrypted.docx"))
    assert err.value.code == "encrypted"


# --- the other fixtures are what the README says --------------------------------------------


def test_text_fixtures_decode() -> None:
    gbk = fixture("report-2021-gbk.txt")
    assert gbk.decode("gbk").startswith("示例县卫生健康委员会2023年")
    doc = read_text(gbk)
    assert doc.lines[0].cells == ["示例县卫生健康委员会2023年政府信息公开工作年度报告"]
    t3_header = next(line.cells for line in doc.lines if line.cells[0].startswith("（本列数据"))
    assert len(t3_header) == 9  # no 总计 column
    bom = read_text(fixture("report-2021-utf8-bom.txt"))
    assert bom.lines[0].cells == ["示例县农业农村局2022年政府信息公开工作年度报告"]
    assert "2022年，本机关未收到政府信息公开申请。" in bom.text


@pytest.mark.parametrize(("name", "repeated"), [
    ("report-2021-split-table-repeat.pdf", True), ("report-2021-split-table-norepeat.pdf", False)])
def test_pdf_fixtures_split_table3(name: str, repeated: bool) -> None:
    with pdfplumber.open(FIXTURES / name) as pdf:
        pages = [page.extract_text() for page in pdf.pages]
    assert len(pages) == 3
    assert "三、收到和处理政府信息公开申请情况" in pages[1] and "一、本年新收" in pages[1]
    assert "（七）总计" in pages[2] and "四、结转下年度继续办理" in pages[2]
    assert ("申请人情况" in pages[2]) is repeated
    exp = expected(name)
    assert exp["figures"]["s3.results_total.total"] is not None


def test_line_contract() -> None:
    doc = read_docx(fixture("report-2021-balanced.docx"))
    assert all(isinstance(line, Line) and line.page is None for line in doc.lines)
    assert [line.lineno for line in doc.lines] == list(range(1, len(doc.lines) + 1))
    assert doc.pages is None
