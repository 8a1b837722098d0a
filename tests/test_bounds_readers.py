"""Bounded reading (issue 10, items 2, 3, 4, 7): hostile files built here are refused quickly with
`unreadable-file` and a zh/en message, and real-sized tables, pages and numbers still read."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import time
import zlib

import pytest

from reports.document import ReadError
from reports.engine import check
from reports.readers import read
from reports.readers.limits import MAX_CELLS, MAX_LINES, MAX_TABLE_WIDTH
from reports.readers.pdf import MAX_PAGE_CHARS, MAX_PAGES
from reports.text import MAX_NUMBER_DIGITS, parse_token
from tests.fuzz import hostile


def refused(data: bytes, detail: str) -> ReadError:
    start = time.perf_counter()
    with pytest.raises(ReadError) as err:
        read(data)
    assert time.perf_counter() - start < 2.0
    assert err.value.code == "unreadable-file"
    assert err.value.message_zh and err.value.message_en
    assert detail in (err.value.detail or ""), err.value.detail
    return err.value


# ---- item 2: table padding (DOCX)


@pytest.mark.parametrize("span", [64, 1000, 10**9, 10**30])
@pytest.mark.parametrize("cells", [2, 2000])
def test_docx_row_of_wide_spans_is_refused(span: int, cells: int) -> None:
    row = b"<w:tr>" + b"".join(hostile._tc(str(i), span) for i in range(cells)) + b"</w:tr>"
    err = refused(hostile._docx(b"<w:tbl>" + row + b"</w:tbl>"), "table width")
    assert err.detail == f"table width {min(span, 64) * 2} > 64"  # refused at the second cell


@pytest.mark.parametrize("width", [1, 7, MAX_TABLE_WIDTH])
def test_docx_table_up_to_the_widest_reads(width: int) -> None:
    rows = b"".join(b"<w:tr>" + b"".join(hostile._tc(str(r * 100 + c)) for c in range(width)) + b"</w:tr>"
                    for r in range(3))
    doc = read(hostile._docx(b"<w:tbl>" + rows + b"</w:tbl>"))
    assert [line.cells for line in doc.lines] == [[str(r * 100 + c) for c in range(width)] for r in range(3)]


def test_docx_grid_before_after_and_huge_grid() -> None:
    tr = b'<w:tr><w:trPr><w:gridBefore w:val="99999999999"/></w:trPr>' + hostile._tc("x") + b"</w:tr>"
    refused(hostile._docx(b"<w:tbl>" + tr + b"</w:tbl>"), "table width 65 > 64")
    # A declared grid of 500 columns pads nothing; the rows keep their own width.
    grid = b"<w:tblGrid>" + b"<w:gridCol/>" * 500 + b"</w:tblGrid>"
    doc = read(hostile._docx(b"<w:tbl>" + grid + b"<w:tr>" + hostile._tc("a") + hostile._tc("b") + b"</w:tr></w:tbl>"))
    assert [line.cells for line in doc.lines] == [["a", "b"]]


def test_docx_rows_times_width_is_bounded() -> None:
    grid = b"<w:tblGrid>" + b"<w:gridCol/>" * 63 + b"</w:tblGrid>"
    rows = (b"<w:tr>" + hostile._tc("1") + b"</w:tr>") * (MAX_CELLS // 63 + 1)
    refused(hostile._docx(b"<w:tbl>" + grid + rows + b"</w:tbl>"), "cells")


# ---- item 2: table padding (HTML)


def _html(rows: str) -> bytes:
    return f"<html><body><p>2023年政府信息公开工作年度报告</p><table>{rows}</table></body></html>".encode()


@pytest.mark.parametrize(("rowspan", "colspan"), [("200", "200"), ("0", "1"), ("65534", "3"),
                                                  ("1" + "0" * 30, "1" + "0" * 30), ("0", "0")])
def test_html_spans_over_many_rows_are_refused(rowspan: str, colspan: str) -> None:
    cell = f'<td rowspan="{rowspan}" colspan="{colspan}">1</td>'
    refused(_html(f"<tr>{cell * 2}</tr>" * 2000), "table width")


def test_html_rowspan_zero_runs_to_the_end() -> None:
    rows = '<tr><td rowspan="0">L</td><td>1</td><td>2</td></tr>' + "<tr><td>3</td><td>4</td></tr>" * 3
    doc = read(_html(rows))
    assert [line.cells for line in doc.lines][1:] == [["L", "1", "2"], ["", "3", "4"], ["", "3", "4"],
                                                      ["", "3", "4"]]


def test_html_spans_of_a_real_table_read() -> None:
    rows = ('<tr><td rowspan="2" colspan="2">申请人情况</td><td colspan="3">自然人</td></tr>'
            "<tr><td>a</td><td>b</td><td>c</td></tr>"
            '<tr><td colspan="9999">wide title</td></tr>')
    doc = read(_html(rows))
    assert [line.cells for line in doc.lines][1:] == [
        ["申请人情况", "", "自然人", "", ""] + [""] * 59,
        ["", "", "a", "b", "c"] + [""] * 59,
        ["wide title"] + [""] * 63,
    ]


def test_html_giant_span_attribute_costs_nothing() -> None:
    doc = read(_html(f'<tr><td colspan="{"9" * 50_000}">x</td></tr><tr><td rowspan="{"9" * 6000}">y</td><td>z</td></tr>'))
    assert [line.cells for line in doc.lines][1:] == [["x"] + [""] * 63, ["y", "z"] + [""] * 62]


# ---- documents beyond any report


def test_text_with_too_many_lines_or_cells_is_refused() -> None:
    refused(("一、总体情况\n" * (MAX_LINES + 1)).encode(), "lines")
    refused(("予以公开" + "\t1" * 64 + "\n").encode() * 5, "table width 65")
    refused(("1 " * 9_000 + "\n").encode() * 5, "words")
    refused(("政" * 20_001 + "\n").encode(), "characters in one line 20001 > 20000")
    assert len(read(("一、总体情况\n" * (MAX_LINES - 1)).encode()).lines) == MAX_LINES


# ---- item 3: PDF pages and text per page


def test_pdf_page_tree_reused_at_every_level_is_refused() -> None:
    data = hostile.pdf_page_tree(random.Random(1))
    assert len(data) < 4000
    err = refused(data, "pages")
    assert int(err.detail.split()[0]) > MAX_PAGES


def test_pdf_page_count_bound() -> None:
    def pdf(n: int) -> bytes:
        rng = random.Random(0)
        rng.choice = lambda seq: n  # type: ignore[method-assign]
        return hostile.pdf_many_pages(rng)

    assert read(pdf(MAX_PAGES)).pages == MAX_PAGES
    assert refused(pdf(MAX_PAGES + 1), "pages").detail == f"{MAX_PAGES + 1} pages"


@pytest.mark.parametrize("seed", range(4))
def test_pdf_flate_bomb_is_refused_before_pdfium(seed: int) -> None:
    refused(hostile.generate("pdf-flate-bomb", seed), "inflates past")


def test_pdf_page_with_too_much_text_is_refused() -> None:
    lines = ["".join(random.Random(i).choice("0123456789") for _ in range(250)) for i in range(100)]
    ops = [b"BT /F1 2 Tf"] + [b"1 0 0 1 5 %d Tm (%s) Tj" % (i * 8, s.encode()) for i, s in enumerate(lines)] + [b"ET"]
    err = refused(hostile._one_page_pdf(zlib.compress(b"\n".join(ops)), flate=True), "characters")
    assert err.detail.startswith("page 1: ") and int(err.detail.split()[2]) > MAX_PAGE_CHARS


def test_pdf_inflating_streams_of_a_real_report_pass() -> None:
    content = hostile._text_content(["Annual report 2023"] + [f"{i} {i * 2} {i * 3}" for i in range(50)])
    doc = read(hostile._one_page_pdf(zlib.compress(content), flate=True))
    assert doc.lines[0].cells == ["Annual report 2023"] and len(doc.lines) == 51


# ---- item 4: DOCX members inflated under a running cap


@pytest.mark.parametrize("seed", range(3))
def test_docx_false_sizes_fail_at_the_declared_size(seed: int) -> None:
    data = hostile.generate("docx-false-sizes", seed)
    start = time.perf_counter()
    err = refused(data, "")
    assert time.perf_counter() - start < 1.0
    assert "CRC" in err.detail or "Error" in err.detail, err.detail


def test_docx_honest_bomb_is_refused_while_inflating() -> None:
    from reports.readers import docx as docx_reader

    payload = b"<w:document " + hostile._W + b"><w:body>" + b" " * (docx_reader.MAX_DOCUMENT_XML_BYTES + 1)
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", hostile._CT)
        zf.writestr("word/document.xml", payload)
    data = bytearray(buf.getvalue())
    # Lie in both headers: document.xml declares 1,000 bytes.
    for sig, off in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        pos = data.find(sig, data.find(b"word/document.xml") - 60 if sig == b"PK\x03\x04" else 0)
        while pos != -1:
            name_at = pos + (30 if sig == b"PK\x03\x04" else 46)
            if data[name_at:name_at + 17] == b"word/document.xml":
                data[pos + off:pos + off + 4] = (1000).to_bytes(4, "little")
            pos = data.find(sig, pos + 4)
    refused(bytes(data), "")


# ---- item 7: numbers of thousands of digits


@pytest.mark.parametrize("raw", ["9" * 4301, "1" * 200_000, "1" + ",000" * 2000, "9" * 5000 + ".5", "9" * 5000 + "件",
                                 "1" * (MAX_NUMBER_DIGITS + 1)])
def test_giant_number_is_text(raw: str) -> None:
    tok = parse_token(raw)
    assert (tok.kind, tok.value) == ("text", None)


def test_longest_number_still_a_number() -> None:
    assert parse_token("1" * MAX_NUMBER_DIGITS).value == int("1" * MAX_NUMBER_DIGITS)
    assert parse_token("12,345").value == 12345


@pytest.mark.parametrize("seed", range(12))
def test_giant_numbers_in_a_report_are_no_figure(seed: int) -> None:
    report = check(hostile.generate("giant-numbers", seed), "r.txt")
    out = json.dumps(report.to_json(), ensure_ascii=False)
    # Read, or refused for its size (a line of 200,000 digits is over the line bound); never "damaged".
    assert all(f.code != "unreadable-file" or "characters in one line" in (f.raw or "") for f in report.findings), \
        report.findings
    assert all(v is None or abs(v) < 10**MAX_NUMBER_DIGITS for v in report.figures.values())
    assert "9" * 4301 not in out


# ---- item 3: `nianbao check` itself under an address-space limit


def _cli(*args: str, env: dict[str, str] | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bot.commands", "check", "--json", *args], capture_output=True,
                          text=True, timeout=timeout, env={**os.environ, **(env or {})})


def test_cli_bomb_hidden_from_the_scan_ends_in_a_finding(tmp_path) -> None:
    # A flate bomb whose stream claims to be an image: the pre-scan skips it, pdfium inflates it as
    # the page's content and aborts when the address space runs out; the child's death is a finding.
    content = hostile._zeros_deflate(1 << 30)
    data = hostile._pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        hostile._stream(content, flate=True, extra=b" /Subtype /Image"),
    ])
    bomb, good = tmp_path / "bomb.pdf", tmp_path / "good.txt"
    bomb.write_bytes(data)
    good.write_text("某县2023年政府信息公开工作年度报告\n一、总体情况\n", encoding="utf-8")
    p = _cli(str(bomb), str(good), env={"NIANBAO_MAX_MEMORY_MB": "400"})
    assert p.returncode == 2
    lines = [json.loads(line) for line in p.stdout.splitlines()]
    assert [o["file"] for o in lines] == ["bomb.pdf", "good.txt"]
    first = lines[0]["findings"][0]
    assert first["code"] == "unreadable-file" and first["message"] and first["message_en"]
    assert len(lines[0]["sha256"]) == 64
    assert "Traceback" not in p.stderr


def test_cli_refuses_a_fifo_at_once(tmp_path) -> None:
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)  # opening it would block for ever: it is refused before it is opened
    start = time.perf_counter()
    p = _cli("--timeout", "1", str(fifo))
    assert time.perf_counter() - start < 10
    assert json.loads(p.stdout.splitlines()[0])["error"]["code"] == "not-a-regular-file"


def test_markup_of_millions_of_elements_is_refused_before_parsing() -> None:
    from reports.readers.limits import MAX_HTML_TAGS, MAX_XML_TAGS

    refused(b"<html><body>" + b"<b>1</b>" * (MAX_HTML_TAGS // 2 + 1) + b"</body></html>", "tags")
    body = b"<w:p/>" * (MAX_XML_TAGS + 1)
    refused(hostile._docx(body), "XML elements")
