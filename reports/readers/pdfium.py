"""PDFium through ctypes, bound to the few functions the PDF reader calls.

The library is the one the pypdfium2 wheel ships (package pypdfium2_raw); the declarations below
are copied from its generated bindings (tests/test_pdfium_bindings.py holds them equal). Importing
pypdfium2 itself declares every PDFium function and builds its helper classes, which costs a fresh
process about as much as reading a whole report; `nianbao check` starts in a fresh process.

The classes mirror pypdfium2's helpers as far as the reader uses them (PdfDocument, its pages and
text pages, with the same results), and each passes as its handle to the functions here.
"""

from __future__ import annotations

import ctypes
import os
import sys
from ctypes import POINTER, Structure, c_double, c_float, c_int, c_uint, c_ulong, c_ushort, c_void_p

FPDF_ERR_PASSWORD = 4
FPDF_ERR_SECURITY = 5
FPDF_PAGEOBJ_TEXT = 1
FPDF_PAGEOBJ_PATH = 2
FPDF_PAGEOBJ_IMAGE = 3
FPDF_PAGEOBJ_FORM = 5
FPDF_SEGMENT_LINETO = 0
FPDF_SEGMENT_MOVETO = 2

_ERRORS = {0: "Success", 1: "Unknown error", 2: "File access error", 3: "Data format error",
           4: "Incorrect password error", 5: "Unsupported security scheme error", 6: "Page not found or content error"}


class FS_RECTF(Structure):  # noqa: N801 - PDFium's names
    _fields_ = [("left", c_float), ("top", c_float), ("right", c_float), ("bottom", c_float)]


class FS_MATRIX(Structure):  # noqa: N801
    _fields_ = [(name, c_float) for name in "abcdef"]


class _LibraryConfig(Structure):  # FPDF_LIBRARY_CONFIG
    _fields_ = [("version", c_int), ("m_pUserFontPaths", c_void_p), ("m_pIsolate", c_void_p),
                ("m_v8EmbedderSlot", c_uint), ("m_pPlatform", c_void_p), ("m_RendererType", c_int),
                ("m_FontLibraryType", c_int), ("m_BrotliEnabled", c_int), ("m_IsolatePerDocument", c_int)]


def _library_path() -> str:
    """libpdfium beside pypdfium2_raw's bindings, found without importing them; else the one they load."""
    from importlib.machinery import PathFinder

    if sys.platform.startswith(("win32", "cygwin", "msys")):
        name = "pdfium.dll"
    elif sys.platform.startswith(("darwin", "ios")):
        name = "libpdfium.dylib"
    else:
        name = "libpdfium.so"
    spec = PathFinder.find_spec("pypdfium2_raw")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        path = os.path.join(folder, name)
        if os.path.exists(path):
            return path
    from pypdfium2_raw.bindings import _libs  # a build against another pdfium: ask its loader

    return _libs["pdfium"]._name


_lib = ctypes.CDLL(_library_path())


def _fn(name: str, restype: object, *argtypes: object) -> ctypes._CFuncPtr:
    f = getattr(_lib, name)
    f.argtypes, f.restype = argtypes, restype
    return f


_P = c_void_p  # every PDFium handle (document, page, text page, object, font, path segment)
_PF = POINTER(c_float)

FPDF_InitLibraryWithConfig = _fn("FPDF_InitLibraryWithConfig", None, POINTER(_LibraryConfig))
FPDF_LoadMemDocument64 = _fn("FPDF_LoadMemDocument64", _P, c_void_p, c_ulong, POINTER(ctypes.c_char))
FPDF_GetPageCount = _fn("FPDF_GetPageCount", c_int, _P)
FPDF_GetLastError = _fn("FPDF_GetLastError", c_ulong)
FPDF_CloseDocument = _fn("FPDF_CloseDocument", None, _P)
FPDF_LoadPage = _fn("FPDF_LoadPage", _P, _P, c_int)
FPDF_ClosePage = _fn("FPDF_ClosePage", None, _P)
FPDF_GetPageBoundingBox = _fn("FPDF_GetPageBoundingBox", c_int, _P, POINTER(FS_RECTF))
FPDFPage_GetRotation = _fn("FPDFPage_GetRotation", c_int, _P)
FPDFPage_GetMediaBox = _fn("FPDFPage_GetMediaBox", c_int, _P, _PF, _PF, _PF, _PF)
FPDFPage_CountObjects = _fn("FPDFPage_CountObjects", c_int, _P)
FPDFPage_GetObject = _fn("FPDFPage_GetObject", _P, _P, c_int)
FPDFFormObj_CountObjects = _fn("FPDFFormObj_CountObjects", c_int, _P)
FPDFFormObj_GetObject = _fn("FPDFFormObj_GetObject", _P, _P, c_ulong)
FPDFPageObj_GetType = _fn("FPDFPageObj_GetType", c_int, _P)
FPDFPageObj_GetBounds = _fn("FPDFPageObj_GetBounds", c_int, _P, _PF, _PF, _PF, _PF)
FPDFPageObj_GetMatrix = _fn("FPDFPageObj_GetMatrix", c_int, _P, POINTER(FS_MATRIX))
FPDFPath_CountSegments = _fn("FPDFPath_CountSegments", c_int, _P)
FPDFPath_GetPathSegment = _fn("FPDFPath_GetPathSegment", _P, _P, c_int)
FPDFPathSegment_GetPoint = _fn("FPDFPathSegment_GetPoint", c_int, _P, _PF, _PF)
FPDFPathSegment_GetType = _fn("FPDFPathSegment_GetType", c_int, _P)
FPDFPathSegment_GetClose = _fn("FPDFPathSegment_GetClose", c_int, _P)
FPDFTextObj_GetFont = _fn("FPDFTextObj_GetFont", _P, _P)
FPDFTextObj_GetText = _fn("FPDFTextObj_GetText", c_ulong, _P, _P, POINTER(c_ushort), c_ulong)
FPDFFont_GetIsEmbedded = _fn("FPDFFont_GetIsEmbedded", c_int, _P)
FPDFFont_GetBaseFontName = _fn("FPDFFont_GetBaseFontName", c_ulong, _P, POINTER(ctypes.c_char), c_ulong)
FPDFText_LoadPage = _fn("FPDFText_LoadPage", _P, _P)
FPDFText_ClosePage = _fn("FPDFText_ClosePage", None, _P)
FPDFText_CountChars = _fn("FPDFText_CountChars", c_int, _P)
FPDFText_GetUnicode = _fn("FPDFText_GetUnicode", c_uint, _P, c_int)
FPDFText_IsGenerated = _fn("FPDFText_IsGenerated", c_int, _P, c_int)
FPDFText_GetLooseCharBox = _fn("FPDFText_GetLooseCharBox", c_int, _P, c_int, POINTER(FS_RECTF))
FPDFText_GetText = _fn("FPDFText_GetText", c_int, _P, c_int, c_int, POINTER(c_ushort))
FPDFText_GetTextIndexFromCharIndex = _fn("FPDFText_GetTextIndexFromCharIndex", c_int, _P, c_int)
FPDFText_GetBoundedText = _fn("FPDFText_GetBoundedText", c_int, _P, c_double, c_double, c_double, c_double,
                              POINTER(c_ushort), c_int)

# As pypdfium2 does (PDFium ignores a second initialisation, so both may live in one process).
FPDF_InitLibraryWithConfig(_LibraryConfig(version=2))


class PdfiumError(RuntimeError):
    def __init__(self, msg: str, err_code: int | None = None) -> None:
        super().__init__(msg)
        self.err_code = err_code


class PdfDocument:
    """A document opened from bytes; close() closes its pages and text pages too."""

    def __init__(self, data: bytes) -> None:
        self._data = data  # PDFium reads from it as long as the document is open
        self._kids: list[PdfPage | PdfTextPage] = []
        handle = FPDF_LoadMemDocument64(data, len(data), None)
        if FPDF_GetPageCount(handle) < 1:
            code = FPDF_GetLastError()
            if handle:
                FPDF_CloseDocument(handle)
            raise PdfiumError(f"Failed to load document (PDFium: {_ERRORS.get(code, f'Unhandled constant {code}')}).",
                              err_code=code)
        self._as_parameter_: int | None = handle

    def __len__(self) -> int:
        return FPDF_GetPageCount(self)

    def __getitem__(self, index: int) -> PdfPage:
        handle = FPDF_LoadPage(self, index)
        if not handle:
            raise PdfiumError("Failed to load page.")
        page = PdfPage(handle, self)
        self._kids.append(page)
        return page

    def close(self) -> None:
        if self._as_parameter_ is None:
            return
        for kid in reversed(self._kids):
            kid.close()
        self._kids.clear()
        FPDF_CloseDocument(self)
        self._as_parameter_ = None


class PdfPage:
    def __init__(self, handle: int, pdf: PdfDocument) -> None:
        self._as_parameter_: int | None = handle
        self.pdf = pdf

    def get_rotation(self) -> int:
        """Clockwise rotation in degrees."""
        rotation = FPDFPage_GetRotation(self)
        if rotation == -1:
            raise PdfiumError("Failed to get page rotation.")
        return {0: 0, 1: 90, 2: 180, 3: 270}[rotation]

    def get_mediabox(self) -> tuple[float, float, float, float]:
        """(left, bottom, right, top); US Letter when the page has none."""
        left, bottom, right, top = c_float(), c_float(), c_float(), c_float()
        if not FPDFPage_GetMediaBox(self, left, bottom, right, top):
            return (0, 0, 612, 792)
        return (left.value, bottom.value, right.value, top.value)

    def get_bbox(self) -> tuple[float, float, float, float]:
        """The intersection of the media box and the crop box: (left, bottom, right, top)."""
        rect = FS_RECTF()
        if not FPDF_GetPageBoundingBox(self, rect):
            raise PdfiumError("Failed to get page bounding box.")
        return (rect.left, rect.bottom, rect.right, rect.top)

    def get_textpage(self) -> PdfTextPage:
        handle = FPDFText_LoadPage(self)
        if not handle:
            raise PdfiumError("Failed to load text page.")
        textpage = PdfTextPage(handle, self)
        self.pdf._kids.append(textpage)
        return textpage

    def close(self) -> None:
        if self._as_parameter_ is not None:
            FPDF_ClosePage(self)
            self._as_parameter_ = None


class PdfTextPage:
    def __init__(self, handle: int, page: PdfPage) -> None:
        self._as_parameter_: int | None = handle
        self.page = page

    def count_chars(self) -> int:
        n = FPDFText_CountChars(self)
        if n == -1:
            raise PdfiumError("Failed to get character count.")
        return n

    def get_text_bounded(self) -> str:
        """The text within the page's bounding box (all of its Unicode)."""
        left, bottom, right, top = self.page.get_bbox()
        n = FPDFText_GetBoundedText(self, left, top, right, bottom, None, 0)
        if n <= 0:
            return ""
        buffer = (c_ushort * n)()
        FPDFText_GetBoundedText(self, left, top, right, bottom, buffer, n)
        return bytes(buffer).decode("utf-16-le", "ignore")

    def get_text_range(self) -> str:
        """The text of all the page's characters (UCS-2; pdfium's own text order). As pypdfium2 does,
        characters without a place in the text at either end are left out of the range asked for."""
        index, count = 0, self.count_chars()
        start, end = 0, count - 1
        while start <= end:
            t_start = FPDFText_GetTextIndexFromCharIndex(self, start)
            if t_start == -1:
                start += 1
                continue
            t_end = FPDFText_GetTextIndexFromCharIndex(self, end)
            if t_end == -1:
                end -= 1
                continue
            break
        else:
            return ""
        index, count = start, end - start + 1
        buffer = (c_ushort * (t_end + 2 - t_start))()  # with the NUL at the end
        written = FPDFText_GetText(self, index, count, buffer)
        return bytes(memoryview(buffer)[:written - 1]).decode("utf-16-le", "ignore")

    def close(self) -> None:
        if self._as_parameter_ is not None:
            FPDFText_ClosePage(self)
            self._as_parameter_ = None
