"""Word (DOCX) reader: the body in document order, paragraphs as one-cell lines, table rows as grid rows.

A table row becomes one cell per grid column. A merged cell's text appears once, in the first grid
column and the first row it spans; the other positions it covers are empty strings, so columns stay
aligned and a vertically merged label (三、本年度办理结果) is not repeated on every row. The positions
a cell covers to the right of its first column are marked (`Line.spanned`): a value spread over two
grid columns (rows that disagree on the grid, as Word tables often do) is one cell. Nested tables
are flattened: their rows follow the row that holds them.

Before python-docx sees the file, the zip is checked for declared sizes (zip bombs) and encrypted
Office files (OLE containers holding an EncryptedPackage) are told apart from damaged ones.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from collections.abc import Iterator

from lxml import etree

from reports.document import Document, Line, ReadError
from reports.readers.limits import (
    MAX_CELLS,
    MAX_LINES,
    MAX_TABLE_WIDTH,
    MAX_XML_TAGS,
    Budget,
    table_too_wide,
    too_big,
)
from reports.readers.text import join_cell_lines

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

# Bounds on what the zip may expand to (a real report is a few MB at most).
MAX_TOTAL_BYTES = 120 * 1024 * 1024
MAX_DOCUMENT_XML_BYTES = 30 * 1024 * 1024
MAX_ENTRIES = 5000
MAX_RATIO = 200  # uncompressed / compressed, for members big enough to matter
_RATIO_FLOOR = 10 * 1024 * 1024

_SPACE_RE = re.compile(r"[ \t\u00a0\u3000\u2002\u2003\u2009\u200b\ufeff]+")


def _w(tag: str) -> str:
    return f"{{{_W}}}{tag}"


_P, _TBL, _TR, _TC, _SDT, _SDT_CONTENT = _w("p"), _w("tbl"), _w("tr"), _w("tc"), _w("sdt"), _w("sdtContent")
_CUSTOM_XML, _SMART_TAG, _R = _w("customXml"), _w("smartTag"), _w("r")


def _unreadable(zh: str, en: str, detail: str | None = None) -> ReadError:
    return ReadError("unreadable-file", zh, en, detail)


def encrypted_error() -> ReadError:
    """The error for a password-protected Office file (code "encrypted", as for PDFs)."""
    return ReadError(
        "encrypted",
        "该 Word 文件设有打开密码（已加密），无法读取：请取消密码后另存为 DOCX 或 PDF 再发送。",
        "The Word file is password-protected (encrypted): remove the password, save it as DOCX or PDF and send it again.",
    )


def is_encrypted_office(data: bytes) -> bool:
    """True for an OLE container holding an encrypted OOXML package (a password-protected DOCX/XLSX)."""
    return data.startswith(_OLE_MAGIC) and "EncryptedPackage".encode("utf-16-le") in data[:1 << 20]


def _damaged(exc: BaseException) -> ReadError:
    return _unreadable(
        "Word 文件已损坏或不完整，无法打开：请重新导出后再发送。",
        "The Word file is damaged or truncated and cannot be opened: export it again and resend.",
        f"{type(exc).__name__}: {exc}",
    )


def _bomb(detail: str) -> ReadError:
    return _unreadable(
        "Word 文件解压后体积异常巨大（疑似压缩炸弹），已拒绝读取。",
        "The Word file would expand to an abnormal size (a suspected zip bomb), so it was not read.",
        detail,
    )


_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, NotImplementedError,
               RuntimeError, zlib.error)
_CHUNK = 1 << 16


def check_zip(data: bytes) -> zipfile.ZipFile:
    """Open the zip and bound what it declares it expands to; ReadError for damaged archives and zip bombs.
    The declared sizes may lie: `unpack` bounds what the members really expand to."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except _ZIP_ERRORS as exc:
        raise _damaged(exc) from exc
    if len(infos) > MAX_ENTRIES:
        raise _bomb(f"{len(infos)} entries")
    total = 0
    for info in infos:
        total += info.file_size
        if info.filename == "word/document.xml" and info.file_size > MAX_DOCUMENT_XML_BYTES:
            raise _bomb(f"document.xml declares {info.file_size} bytes")
        if info.file_size > _RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise _bomb(f"{info.filename} declares a ratio over {MAX_RATIO}")
    if total > MAX_TOTAL_BYTES:
        raise _bomb(f"{total} bytes declared")
    names = {i.filename for i in infos}
    if "word/document.xml" not in names and "[Content_Types].xml" not in names:
        raise _unreadable(
            "这是一个压缩包，不是 Word 文档：请直接发送报告文件。",
            "This is a zip archive, not a Word document: send the report file itself.",
        )
    return zf


def unpack(zf: zipfile.ZipFile) -> bytes:
    """The package again as a stored (uncompressed) zip, every member inflated in small chunks under a
    running byte cap. zipfile stops a member at its declared size and checks its CRC there, but a single
    read() inflates all of a member's compressed bytes at once: a 1 MB member declared as 1 KB becomes
    gigabytes before the check fails. python-docx reads this copy, where nothing is left to inflate."""
    out = io.BytesIO()
    total = 0
    try:
        with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as clean:
            for info in zf.infolist():
                if info.is_dir():
                    continue
                main = info.filename == "word/document.xml"
                cap = MAX_DOCUMENT_XML_BYTES if main else MAX_TOTAL_BYTES
                size = tags = 0
                with zf.open(info) as src, clean.open(info.filename, "w") as dst:
                    while chunk := src.read(_CHUNK):
                        size += len(chunk)
                        total += len(chunk)
                        if size > cap or total > MAX_TOTAL_BYTES:
                            raise _bomb(f"{info.filename} inflates past {min(cap, MAX_TOTAL_BYTES)} bytes")
                        if size > _RATIO_FLOOR and size > MAX_RATIO * max(info.compress_size, 1):
                            raise _bomb(f"{info.filename} inflates over {MAX_RATIO} times")
                        if main:  # refused before python-docx builds a tree of millions of elements
                            tags += chunk.count(b"<")
                            if tags > MAX_XML_TAGS:
                                raise too_big("XML 元素", "XML elements", tags, MAX_XML_TAGS)
                        dst.write(chunk)
    except ReadError:
        raise
    except _ZIP_ERRORS as exc:  # a CRC that fails at the declared size, a truncated member, a bad method
        raise _damaged(exc) from exc
    return out.getvalue()


def _norm(text: str) -> str:
    return _SPACE_RE.sub(" ", text).strip()


_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_SKIP = (_w("del"), _w("moveFrom"), _w("instrText"), _MC_FALLBACK)


def _hidden(run: etree._Element) -> bool:
    """A run formatted as hidden text (w:vanish), which Word neither shows nor prints."""
    rpr = run.find(_w("rPr"))
    vanish = rpr.find(_w("vanish")) if rpr is not None else None
    return vanish is not None and vanish.get(_w("val"), "true") not in ("0", "false", "off")


def _runs_text(el: etree._Element) -> Iterator[str]:
    """The visible text of a paragraph, '\\n' for line breaks; deleted text, field codes and fallbacks skipped."""
    for node in el:
        tag = node.tag
        if tag in _SKIP or not isinstance(tag, str):
            continue
        if tag == _R and _hidden(node):
            continue
        if tag == _w("t"):
            yield node.text or ""
        elif tag in (_w("tab"), _w("ptab")):
            yield " "
        elif tag in (_w("br"), _w("cr")):
            yield "\n"
        elif tag == _w("noBreakHyphen"):
            yield "-"
        else:
            yield from _runs_text(node)


def _paragraph_lines(p: etree._Element) -> list[str]:
    return [_norm(s) for s in "".join(_runs_text(p)).split("\n")]


def _children(el: etree._Element, tags: tuple[str, ...]) -> Iterator[etree._Element]:
    """Children of `el` with one of `tags`, looking through content controls and custom XML."""
    for child in el:
        if child.tag in tags:
            yield child
        elif child.tag in (_SDT, _CUSTOM_XML, _SMART_TAG):
            inner = child.find(_SDT_CONTENT) if child.tag == _SDT else child
            if inner is not None:
                yield from _children(inner, tags)


def _blocks(container: etree._Element) -> Iterator[etree._Element]:
    """Paragraphs and tables of a body or cell, in order."""
    return _children(container, (_P, _TBL))


def _rows(tbl: etree._Element) -> Iterator[etree._Element]:
    return _children(tbl, (_TR,))


def _cells(tr: etree._Element) -> Iterator[etree._Element]:
    return _children(tr, (_TC,))


MAX_SPAN = MAX_TABLE_WIDTH  # Word allows 63 columns; a larger span is damage or malice


def _int_attr(el: etree._Element | None, default: int) -> int:
    if el is None:
        return default
    try:
        return max(0, min(MAX_SPAN, int(str(el.get(_w("val"), default))[:6])))
    except ValueError:
        return default


class _Reader:
    def __init__(self) -> None:
        self.lines: list[Line] = []
        self.tables = 0
        self.budget = Budget()

    def add(self, cells: list[str], table: int | None = None, spanned: set[int] | None = None) -> None:
        line = Line(cells=cells, lineno=len(self.lines) + 1, table=table, spanned=frozenset(spanned or ()))
        self.budget.add(line)
        self.lines.append(line)

    def container(self, el: etree._Element) -> None:
        for block in _blocks(el):
            if block.tag == _P:
                for text in _paragraph_lines(block):
                    self.add([text])
            else:
                self.table(block)

    def table(self, tbl: etree._Element) -> None:
        index = self.tables
        self.tables += 1
        grid = tbl.find(_w("tblGrid"))
        # The declared grid pads short rows; a grid wider than any table can be (damage) pads nothing.
        width = len(grid.findall(_w("gridCol"))) if grid is not None else 0
        width = width if width <= MAX_TABLE_WIDTH else 0
        rows: list[tuple[list[str], set[int], list[etree._Element]]] = []
        pending = 0  # cells of the rows held before they are added
        for tr in _rows(tbl):
            tr_pr = tr.find(_w("trPr"))
            before = _int_attr(tr_pr.find(_w("gridBefore")) if tr_pr is not None else None, 0)
            after = _int_attr(tr_pr.find(_w("gridAfter")) if tr_pr is not None else None, 0)
            cells: list[str] = [""] * before
            covered: set[int] = set()  # positions a cell covers to the right of its first column
            nested: list[etree._Element] = []
            for tc in _cells(tr):
                tc_pr = tc.find(_w("tcPr"))
                span = max(1, _int_attr(tc_pr.find(_w("gridSpan")) if tc_pr is not None else None, 1))
                vmerge = tc_pr.find(_w("vMerge")) if tc_pr is not None else None
                hmerge = tc_pr.find(_w("hMerge")) if tc_pr is not None else None
                continued = (vmerge is not None and vmerge.get(_w("val"), "continue") == "continue") or (
                    hmerge is not None and hmerge.get(_w("val"), "continue") == "continue"
                )
                parts: list[str] = []
                for block in _blocks(tc):
                    if block.tag == _P:
                        parts.extend(_paragraph_lines(block))
                    else:
                        nested.append(block)
                if len(cells) + span + after > MAX_TABLE_WIDTH:  # refused before it is padded
                    raise table_too_wide(len(cells) + span + after)
                if hmerge is not None and hmerge.get(_w("val"), "continue") == "continue" and len(cells) > before:
                    covered.add(len(cells))  # the legacy horizontal merge: the cell on the left goes on
                cells.append("" if continued else join_cell_lines(parts))
                covered.update(range(len(cells), len(cells) + span - 1))
                cells.extend([""] * (span - 1))
            cells.extend([""] * after)
            rows.append((cells, covered, nested))
            pending += max(len(cells), width)  # padded to the grid's width when added
            if self.budget.cells + pending > MAX_CELLS:
                raise too_big("单元格", "cells", self.budget.cells + pending, MAX_CELLS)
            if self.budget.lines + len(rows) > MAX_LINES:
                raise too_big("行数", "lines", self.budget.lines + len(rows), MAX_LINES)
        width = max([width, *(len(c) for c, _, _ in rows)]) if rows else width
        for cells, covered, nested in rows:
            self.add(cells + [""] * (width - len(cells)), table=index, spanned=covered)
            for inner in nested:
                self.table(inner)


def read_docx(data: bytes) -> Document:
    """Read a DOCX file into a Document (kind "docx"); ReadError when it cannot be read."""
    if is_encrypted_office(data):
        raise encrypted_error()
    if data.startswith(_OLE_MAGIC):
        raise ReadError(
            "unsupported-format",
            "这是旧版 Word（.doc）文件，无法直接读取：请另存为 DOCX 或 PDF 后再发送。",
            "This is an old Word (.doc) file: save it as DOCX or PDF and send it again.",
        )
    with check_zip(data) as zf:
        package = unpack(zf)
    import docx  # python-docx: validates the package (content types, main part)

    try:
        word = docx.Document(io.BytesIO(package))
        body = word.element.body
    except Exception as exc:  # python-docx raises many kinds for damaged or foreign packages
        raise _unreadable(
            "无法读取该 Word 文件：文件已损坏，或不是 Word 文档（DOCX）。",
            "The file cannot be read as Word: it is damaged or not a Word document (DOCX).",
            f"{type(exc).__name__}: {exc}",
        ) from exc
    reader = _Reader()
    reader.container(body)
    return Document(kind="docx", lines=reader.lines)
