"""The PDF reader: the rows of a real report's tables, small made-up PDFs, and bad input."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_raw
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reports.document import Document, Line, ReadError
from reports.model import S3_COLUMNS, S3_ROWS, S4_GROUPS, S4_OUTCOMES
from reports.readers import read
from reports.readers.pdf import _INVISIBLE, normalise, read_pdf

SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "samples"
FIXTURES = Path(__file__).parent / "fixtures" / "pdf"


@pytest.fixture(scope="module")
def huaian() -> Document:
    return read_pdf((SAMPLES / "huaian-2024.pdf").read_bytes())


@pytest.fixture(scope="module")
def expected() -> dict[str, float | int | None]:
    return json.loads((SAMPLES / "huaian-2024.expected.json").read_text("utf-8"))["figures"]


def _line(doc: Document, first_cell: str) -> Line:
    found = [line for line in doc.lines if line.cells and line.cells[0] == first_cell]
    assert len(found) == 1, [line.cells for line in found]
    return found[0]


def _numbers(line: Line) -> list[str]:
    return [c for c in line.cells if c.isdigit()]


# --- huaian-2024.pdf ----------------------------------------------------------------------------


def test_huaian_document(huaian: Document) -> None:
    assert huaian.kind == "pdf"
    assert huaian.pages == 6
    assert [line.page for line in huaian.lines] == sorted(line.page for line in huaian.lines)
    for page in range(1, 7):
        numbers = [line.lineno for line in huaian.lines if line.page == page]
        assert numbers == list(range(1, len(numbers) + 1))


def test_huaian_table3_new_row(huaian: Document) -> None:
    line = _line(huaian, "一、本年新收政府信息公开申请数量")
    assert line.cells == ["一、本年新收政府信息公开申请数量", "3001", "53", "0", "0", "61", "4", "3119"]
    assert line.page == 4


def test_huaian_table4_data_row(huaian: Document) -> None:
    line = _line(huaian, "72")
    assert line.cells == ["72", "64", "178", "37", "351", "13", "4", "8", "1", "26", "12", "1", "1", "6", "20"]
    assert line.page == 5


def test_huaian_table2_rows(huaian: Document) -> None:
    assert _line(huaian, "行政事业性收费").cells == ["行政事业性收费", "96171.6"]
    assert _line(huaian, "行政事业性收费").page == 4
    assert _line(huaian, "规章").cells == ["规章", "1", "0", "11"]
    assert _line(huaian, "行政规范性文件").cells == ["行政规范性文件", "8", "26", "66"]
    assert _line(huaian, "行政许可").cells == ["行政许可", "447228"]
    assert _line(huaian, "行政许可").page == 3
    assert _line(huaian, "行政处罚").cells == ["行政处罚", "3985758"]
    assert _line(huaian, "行政强制").cells == ["行政强制", "88283"]


def test_huaian_merged_labels_open_their_first_row(huaian: Document) -> None:
    assert _line(huaian, "三、本年度办理结果").cells == [
        "三、本年度办理结果", "（一）予以公开", "1288", "21", "0", "0", "50", "3", "1362",
    ]
    assert _line(huaian, "（三）不予公开").cells == ["（三）不予公开", "1.属于国家秘密", "2", "0", "0", "0", "0", "0", "2"]
    assert _line(huaian, "（二）部分公开（区分处理的，只计这一情形，不计其他情形）").cells[1:] == [
        "447", "7", "0", "0", "0", "0", "454",
    ]
    # The label 无法提供 is cut by the page break; its second half opens page 5 after an empty cell
    # for the column of the vertical label.
    first = [line for line in huaian.lines if line.page == 5][0]
    assert first.cells == ["", "法提供", "2.没有现成信息需要另行制作", "11", "0", "0", "0", "0", "0", "11"]
    assert _line(huaian, "（六）其他处理").cells[1] == "1、申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"


def test_huaian_every_table3_figure_in_order(huaian: Document, expected: dict) -> None:
    table = [line for line in huaian.lines if line.page in (4, 5) and len(_numbers(line)) == 7]
    assert len(table) == len(S3_ROWS)
    for row, line in zip(S3_ROWS, table, strict=True):
        assert [int(n) for n in _numbers(line)] == [expected[f"s3.{row}.{col}"] for col in S3_COLUMNS], row


def test_huaian_table4_matches_expected(huaian: Document, expected: dict) -> None:
    values = [int(n) for n in _line(huaian, "72").cells]
    assert values == [expected[f"s4.{g}.{o}"] for g in S4_GROUPS for o in S4_OUTCOMES]


def test_huaian_table_indices(huaian: Document) -> None:
    def table_of(first_cell: str) -> int | None:
        return _line(huaian, first_cell).table

    # Table 2 runs over pages 3-4, table 3 over pages 4-5: each keeps one index.
    assert table_of("规章") == table_of("行政事业性收费") == 0
    assert table_of("一、本年新收政府信息公开申请数量") == table_of("四、结转下年度继续办理") == 1
    assert table_of("72") == 2
    assert _line(huaian, "三、收到和处理政府信息公开申请情况").table is None


def test_huaian_headings_and_narrative(huaian: Document) -> None:
    texts = [(line.page, line.text) for line in huaian.lines]
    for page, heading in (
        (1, "一、总体情况"),
        (3, "二、主动公开政府信息情况"),
        (4, "三、收到和处理政府信息公开申请情况"),
        (5, "四、政府信息公开行政复议、行政诉讼情况"),
        (5, "五、存在的主要问题及改进情况"),
        (6, "六、其他需要报告的事项"),
    ):
        assert (page, heading) in texts
    assert texts[0] == (1, "淮安市人民政府")
    assert texts[-1] == (6, "办法》，全年收取政府信息公开信息处理费 3940 元。")
    # Page footers "- 3 -" are dropped.
    assert not [t for _, t in texts if t.startswith("- ")]
    # Narrative on a page with tables, read from positions: spaces around numbers, none inside CJK.
    assert (3, "季度监测指标，全年组织 4 次政府信息公开栏目全覆盖检查，并") in texts


def test_read_dispatches_pdf() -> None:
    doc = read((FIXTURES / "ruled.pdf").read_bytes())
    assert doc.kind == "pdf"
    assert doc.pages == 2


# --- made-up PDFs -------------------------------------------------------------------------------


def _cells(doc: Document) -> list[tuple[int | None, int | None, int | None, list[str]]]:
    return [(line.page, line.lineno, line.table, line.cells) for line in doc.lines]


def test_ruled_table_merged_cells_blank_and_continuation() -> None:
    doc = read_pdf((FIXTURES / "ruled.pdf").read_bytes())
    assert _cells(doc) == [
        (1, 1, None, ["三、收到和处理政府信息公开申请情况"]),
        (1, 2, None, ["以上数据截至 2024 年 12 月 31 日。"]),
        (1, 3, 0, ["信息内容", "甲", "乙", "合计"]),
        (1, 4, 0, ["（三）不予公开", "1.属于国家秘密", "5", "", "5"]),
        (1, 5, 0, ["2.重复申请", "1", "2", "3"]),
        (1, 6, 0, ["（七）总计", "6", "2", "8"]),
        (2, 1, 0, ["四、", "结转下年度继续办理", "0", "0", "0"]),
        (2, 2, None, ["五、存在的主要问题及改进情况"]),
        (2, 3, None, ["全年共办理申请 8 件。"]),
    ]


def test_unruled_table_keeps_blank_in_its_column() -> None:
    doc = read_pdf((FIXTURES / "unruled.pdf").read_bytes())
    assert _cells(doc) == [
        (1, 1, None, ["三、收到和处理政府信息公开申请情况"]),
        (1, 2, None, ["本年共收到申请 16 件，办结 15 件。"]),
        (1, 3, None, ["自然人", "商业企业", "总计"]),
        (1, 4, None, ["一、本年新收政府信息公开申请数量", "12", "", "12"]),
        (1, 5, None, ["二、上年结转政府信息公开申请数量", "3", "1", "4"]),
        (1, 6, None, ["（七）总计", "15", "1", "16"]),
    ]


def test_normalise() -> None:
    assert normalise("商 业 企\r\n业\r\n2024 年\xad\r\n（一） 予以公开\u3000甲") == "商业企\n业\n2024 年\n（一）予以公开甲"


# The definition normalise() keeps: runs of spaces between two characters of these ranges go.
_CJK_SPACES = re.compile(r"(?<=[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]) +(?=[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef])")
# Each range's edges and their neighbours, other text beyond Latin-1, Latin-1, spaces, line ends.
_ALPHABET = ("\u2e7f\u2e80\u9fff\ua000\uf8ff\uf900\ufaff\ufb00\ufeff\uff00\uffef\ufff0\U00020000"
             "商业企（）年Жαé a1\xff\u0100\u3000\xa0\t\r  \n")


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=_ALPHABET, max_size=40))
def test_normalise_drops_exactly_the_spaces_between_cjk_characters(text: str) -> None:
    plain = text.replace("\r\n", "\n").replace("\r", "\n").translate(_INVISIBLE)
    assert normalise(text) == _CJK_SPACES.sub("", plain)


# --- bad input ----------------------------------------------------------------------------------


def _error(name: str) -> ReadError:
    with pytest.raises(ReadError) as info:
        read_pdf((FIXTURES / name).read_bytes())
    return info.value


def test_encrypted() -> None:
    data = (FIXTURES / "encrypted.pdf").read_bytes()
    # The fixture is really encrypted: with its password it opens and has text.
    pdf = pdfium.PdfDocument(data, password="secret")
    assert "本年度共收到政府信息公开申请 3 件" in pdf[0].get_textpage().get_text_bounded()
    pdf.close()
    err = _error("encrypted.pdf")
    assert err.code == "encrypted"
    assert err.message_zh == "PDF 已加密（设置了打开密码），无法读取：请发送未加密的文件。"
    assert err.message_en == "The PDF is encrypted (it needs a password to open): send an unencrypted file."


def test_scanned_has_no_text_layer() -> None:
    err = _error("scanned.pdf")
    assert err.code == "no-text-layer"
    assert err.message_zh == "没有文字层（可能是扫描件）：请发送 Word 文件或经过 OCR 的 PDF"
    assert err.message_en == "no text layer: send the Word file or an OCR'd PDF"


@pytest.mark.parametrize("name", ["truncated.pdf", "not-really.pdf"])
def test_damaged(name: str) -> None:
    assert _error(name).code == "unreadable-file"


def test_empty_bytes() -> None:
    with pytest.raises(ReadError) as info:
        read_pdf(b"")
    assert info.value.code == "unreadable-file"


def test_every_cut_of_a_pdf_reads_or_says_why() -> None:
    data = (FIXTURES / "ruled.pdf").read_bytes()
    codes = set()
    for cut in range(0, len(data), 37):
        try:
            read_pdf(data[:cut])
        except ReadError as err:
            codes.add(err.code)
    assert codes == {"unreadable-file"}
    assert read_pdf(data).pages == 2


def _turned(data: bytes, rotation: int) -> bytes:
    """The same pages as seen, stored as landscape-style pages: the content drawn turned by
    -rotation and the page's /Rotate set to rotation."""
    pdf = pdfium.PdfDocument(data)
    for i in range(len(pdf)):
        page = pdf[i]
        w, h = page.get_size()
        matrix = {
            90: pdfium.PdfMatrix(0, 1, -1, 0, h, 0),
            180: pdfium.PdfMatrix(-1, 0, 0, -1, w, h),
            270: pdfium.PdfMatrix(0, -1, 1, 0, 0, w),
        }[rotation]
        for obj in list(page.get_objects(max_depth=0)):
            obj.transform(matrix)
        if rotation != 180:
            page.set_mediabox(0, 0, h, w)
        page.set_rotation(rotation)
        page.gen_content()
    buf = io.BytesIO()
    pdf.save(buf)
    pdf.close()
    return buf.getvalue()


@pytest.mark.parametrize("name", ["ruled.pdf", "unruled.pdf"])
@pytest.mark.parametrize("rotation", [90, 180, 270])
def test_rotated_pages_read_as_seen(name: str, rotation: int) -> None:
    data = (FIXTURES / name).read_bytes()
    turned = _turned(data, rotation)
    assert pdfium.PdfDocument(turned)[0].get_rotation() == rotation
    assert _cells(read_pdf(turned)) == _cells(read_pdf(data))


@pytest.fixture(scope="module")
def huaian_unruled() -> Document:
    """huaian-2024.pdf with every path (the tables' rulings) removed from its pages."""
    pdf = pdfium.PdfDocument((SAMPLES / "huaian-2024.pdf").read_bytes())
    for i in range(len(pdf)):
        page = pdf[i]
        for obj in list(page.get_objects(filter=[pdfium_raw.FPDF_PAGEOBJ_PATH], max_depth=0)):
            page.remove_obj(obj)
        page.gen_content()
    buf = io.BytesIO()
    pdf.save(buf)
    pdf.close()
    return read_pdf(buf.getvalue())


def test_huaian_without_rulings_keeps_rows_of_numbers(huaian_unruled: Document, expected: dict) -> None:
    doc = huaian_unruled
    assert all(line.table is None for line in doc.lines)
    assert _line(doc, "一、本年新收政府信息公开申请数量").cells == [
        "一、本年新收政府信息公开申请数量", "3001", "53", "0", "0", "61", "4", "3119",
    ]
    assert _line(doc, "行政事业性收费").cells == ["行政事业性收费", "96171.6"]
    assert _line(doc, "规章").cells == ["规章", "1", "0", "11"]
    # Numbers of narrow columns close together ("72 64") are still separate cells.
    assert _line(doc, "72").cells == ["72", "64", "178", "37", "351", "13", "4", "8", "1", "26", "12", "1", "1", "6", "20"]
    table = [_numbers(line) for line in doc.lines if line.page in (4, 5) and len(_numbers(line)) == 7]
    assert [[int(n) for n in row] for row in table] == [
        [expected[f"s3.{row}.{col}"] for col in S3_COLUMNS] for row in S3_ROWS
    ]
    assert not [line for line in doc.lines if line.text.startswith("- ")]


def test_glyphs_pdfium_drops_are_read_by_pdfminer() -> None:
    """PDFium leaves 年 and 月 of the non-embedded STSong-Light (UniGB-UCS2-H, as iText writes it)
    out of its text layer, whatever its version; such pages are read from pdfminer's characters."""
    from reports.readers.pdf import _has_unembedded_font, _may_lose_glyphs

    data = (FIXTURES / "ruled.pdf").read_bytes()
    assert _may_lose_glyphs(data) and _has_unembedded_font(pdfium.PdfDocument(data)[0])
    assert any("2024 年 12 月 31 日" in line.text for line in read_pdf(data).lines)


def test_embedded_fonts_are_read_by_pdfium_alone() -> None:
    from reports.readers.pdf import _may_lose_glyphs

    huaian = SAMPLES / "huaian-2024.pdf"
    if not huaian.exists():
        pytest.skip(f"no sample at {huaian}")
    assert not _may_lose_glyphs(huaian.read_bytes())
