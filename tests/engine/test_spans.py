"""Tables whose rows disagree on the grid, as Word and portal editors leave them: a value spread over
two grid columns is one cell, wherever its header's own spans fall.

The layout is that of 2019-format reports published as portal pages (FORMAT-NOTES.md, R-SH2019):
in table 二, 本年新公开数量 and its values cover two grid columns; under 上一年项目数量 (one column)
the values cover two, and under 本年增/减 (two columns) one; 采购总金额 carries its unit in the cell.
Table 三 has the 2019 single （六）其他处理 row, all blank when nothing was handled so. The random
variations of the same family (any table, any column, either side of a new grid line) are in
tests/engine/families.py (`irregular`, the html and docx families)."""

from __future__ import annotations

import pytest

from reports import check
from reports.document import Line
from reports.readers.docx import read_docx
from reports.readers.html import read_html
from tests.docgen import C, Figures, Table, blocks, docx_bytes, expected_figures, html_page, make_figures

AGENCY = "示例市人民政府办公室"


def _table2_2019(f: Figures) -> Table:
    """Table 二 of the 2019 format on a five-column grid whose rows disagree, as R-SH2019 has it."""
    def v(key: str, span: int = 1) -> C:
        value = f[key]
        return C("0" if value == 0 else f"{value:+d}" if key.endswith(".change") else str(value), colspan=span)

    rows = [[C("第二十条第（一）项", 5)],
            [C("信息内容"), C("本年新制作数量"), C("本年新公开数量", 2), C("对外公开总数量")]]
    for key, label in (("rules", "规章"), ("normative", "规范性文件")):
        rows.append([C(label), v(f"s2.v2019.{key}.made"), v(f"s2.v2019.{key}.published", 2),
                     v(f"s2.v2019.{key}.total_public")])
    for item, entries in (("（五）", (("licensing", "行政许可", "s2.licensing"),
                                    ("other_services", "其他对外管理服务事项", "s2.v2019.other_services.decisions"))),
                          ("（六）", (("punishment", "行政处罚", "s2.punishment"),
                                    ("coercion", "行政强制", "s2.coercion")))):
        rows.append([C(f"第二十条第{item}项", 5)])
        rows.append([C("信息内容"), C("上一年项目数量"), C("本年增/减", 2), C("处理决定数量")])
        for key, label, decisions in entries:
            rows.append([C(label), v(f"s2.v2019.{key}.prev", 2), v(f"s2.v2019.{key}.change"), v(decisions)])
    rows += [[C("第二十条第（八）项", 5)],
             [C("信息内容"), C("上一年项目数量", 2), C("本年增/减", 2)],
             [C("行政事业性收费"), v("s2.v2019.fees.prev", 2), v("s2.v2019.fees.change", 2)],
             [C("第二十条第（九）项", 5)],
             [C("信息内容"), C("采购项目数量", 2), C("采购总金额", 2)],
             [C("政府集中采购"), v("s2.v2019.procurement.count", 2),
              C(f"{f['s2.v2019.procurement.amount']}元", 2)]]
    return Table(width=5, rows=rows, number=2)


def _figures(seed: int) -> Figures:
    """A balanced 2019 set with nothing under （六）其他处理 (moved to 予以公开: every sum holds) and
    numbers that differ from their neighbours, so a value read from the wrong column shows."""
    f = make_figures(seed, year_format="2019")
    for col in ("person", "business", "research", "nonprofit", "legal", "org_other", "total"):
        f[f"s3.granted.{col}"] += f[f"s3.other.all.{col}"]
        f[f"s3.other.all.{col}"] = 0
    for i, key in enumerate(("rules", "normative")):
        f[f"s2.v2019.{key}.made"] = 11 + i
        f[f"s2.v2019.{key}.published"] = 7 + i
        f[f"s2.v2019.{key}.total_public"] = 300 + i
    for i, key in enumerate(("licensing", "other_services", "punishment", "coercion", "fees")):
        f[f"s2.v2019.{key}.prev"] = 40 + i
        f[f"s2.v2019.{key}.change"] = (-1) ** i * (i + 1)
    f["s2.v2019.procurement.count"] = 6
    f["s2.v2019.procurement.amount"] = 251000
    return f


def _report_blocks(f: Figures) -> list:
    # Zeros as blank cells: the all-zero （六）其他处理 row is a row of blanks.
    bl = blocks(AGENCY, 2019, f, fmt="2019", blanks="")
    return [_table2_2019(f) if isinstance(b, Table) and b.number == 2 else b for b in bl]


@pytest.mark.parametrize("kind", ["html", "docx"])
@pytest.mark.parametrize("seed", [3, 8])
def test_values_spread_over_two_grid_columns_are_one_cell(kind: str, seed: int) -> None:
    f = _figures(seed)
    bl = _report_blocks(f)
    if kind == "html":
        data, name = html_page(bl, AGENCY, f"{AGENCY}2019年政府信息公开工作年度报告").encode(), "r.html"
    else:
        data, name = docx_bytes(bl), "r.docx"
    rep = check(data, name)
    want = expected_figures(f, fmt="2019", blanks="")
    # Table 二 is written with its zeros, and the amount in 元 as the cell says.
    want.update({k: f[k] for k in want if k.startswith("s2.") and f.get(k) is not None})
    assert {k: rep.figures.get(k) for k in want} == want
    assert rep.format == "2019"
    assert "missing-row" not in {x.code for x in rep.findings}
    # Every relation holds: the report passes on its tables (the blank cells are warnings only).
    assert not [x for x in rep.findings if x.severity == "error"], rep.findings


def test_html_marks_the_positions_a_cell_covers_from_its_left() -> None:
    page = ("<table><tr><td rowspan='2' colspan='2'>规章</td><td colspan='2'>13</td><td>524</td></tr>"
            "<tr><td>1</td><td colspan='2'></td></tr></table>")
    rows = [line for line in read_html(page.encode()).lines if line.table is not None]
    assert [(r.cells, sorted(r.spanned)) for r in rows] == [
        (["规章", "", "13", "", "524"], [1, 3]),
        (["", "", "1", "", ""], [1, 4]),
    ]
    assert [r.own_cells for r in rows] == [["规章", "13", "524"], ["", "1", ""]]


def test_docx_marks_grid_spans() -> None:
    t = Table(width=5, rows=[[C("规章"), C("13", 2), C("7"), C("524")],
                             [C("行政许可"), C("0"), C("0", 3)]], number=2)
    rows = [line for line in read_docx(docx_bytes([t])).lines if line.table is not None]
    assert [(r.cells, sorted(r.spanned)) for r in rows] == [
        (["规章", "13", "", "7", "524"], [2]),
        (["行政许可", "0", "0", "", ""], [3, 4]),
    ]


def test_a_line_without_spans_is_its_cells() -> None:
    line = Line(cells=["a", "", "1"])
    assert line.own_cells is line.cells
