"""reports.readers.pdfium declares the PDFium functions as pypdfium2's generated bindings do (for the
same library), and its helpers give what pypdfium2's give."""

from __future__ import annotations

import ctypes
from pathlib import Path

import pypdfium2
import pypdfium2_raw

from reports.readers import pdfium

SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "samples"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def _kind(t: object) -> str:
    """A ctypes type as the C ABI sees it: every pointer to an opaque PDFium struct is a handle."""
    if t is None:
        return "void"
    name = getattr(t, "__name__", repr(t))
    if name.startswith("LP_struct_fpdf_") or name == "c_void_p":
        return "handle"
    if name.startswith("LP_struct__FS_") or name.startswith("LP_struct_FPDF_LIBRARY_CONFIG") \
            or name in ("LP_FS_RECTF", "LP_FS_MATRIX", "LP__LibraryConfig"):
        return "struct*"
    return name


def test_every_function_is_declared_as_pypdfium2_declares_it() -> None:
    names = [n for n in dir(pdfium) if n.startswith("FPDF") and callable(getattr(pdfium, n))]
    assert len(names) == 35
    for name in names:
        ours, theirs = getattr(pdfium, name), getattr(pypdfium2_raw, name)
        assert [_kind(t) for t in ours.argtypes] == [_kind(t) for t in theirs.argtypes], name
        assert _kind(ours.restype) == _kind(theirs.restype), name


def test_constants_and_structs_match() -> None:
    for name in ("FPDF_ERR_PASSWORD", "FPDF_ERR_SECURITY", "FPDF_PAGEOBJ_TEXT", "FPDF_PAGEOBJ_PATH",
                 "FPDF_PAGEOBJ_IMAGE", "FPDF_PAGEOBJ_FORM", "FPDF_SEGMENT_LINETO", "FPDF_SEGMENT_MOVETO"):
        assert getattr(pdfium, name) == getattr(pypdfium2_raw, name), name
    for ours, theirs in ((pdfium.FS_RECTF, pypdfium2_raw.FS_RECTF), (pdfium.FS_MATRIX, pypdfium2_raw.FS_MATRIX),
                         (pdfium._LibraryConfig, pypdfium2_raw.FPDF_LIBRARY_CONFIG)):
        assert [f for f, _ in ours._fields_] == [f for f, _ in theirs._fields_]
        assert ctypes.sizeof(ours) == ctypes.sizeof(theirs)


def test_the_helpers_read_as_pypdfium2_reads() -> None:
    for path in (SAMPLES / "huaian-2024.pdf", FIXTURES / "pdf" / "ruled.pdf", FIXTURES / "pdf" / "unruled.pdf"):
        data = path.read_bytes()
        ours, theirs = pdfium.PdfDocument(data), pypdfium2.PdfDocument(data)
        try:
            assert len(ours) == len(theirs) > 0
            for i in range(len(ours)):
                a, b = ours[i], theirs[i]
                assert (a.get_rotation(), a.get_mediabox(), a.get_bbox()) == \
                    (b.get_rotation(), b.get_mediabox(), b.get_bbox())
                ta, tb = a.get_textpage(), b.get_textpage()
                assert ta.count_chars() == tb.count_chars()
                assert ta.get_text_bounded() == tb.get_text_bounded()
                assert ta.get_text_range() == tb.get_text_range()
        finally:
            ours.close()
            theirs.close()


def test_a_document_that_does_not_open_says_why() -> None:
    for name, code, reason in (("encrypted.pdf", 4, "Incorrect password error"), ("truncated.pdf", 3, "Data format error"),
                               ("not-really.pdf", 3, "Data format error")):
        data = (FIXTURES / "pdf" / name).read_bytes()
        errors = []
        for lib in (pdfium, pypdfium2):
            try:
                lib.PdfDocument(data).close()
            except lib.PdfiumError as exc:
                errors.append((str(exc), exc.err_code))
        assert errors == [(f"Failed to load document (PDFium: {reason}).", code)] * 2, name
