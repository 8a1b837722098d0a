"""Readers turn file bytes into a Document. The kind of file is told by its content, not its name."""

from __future__ import annotations

import re

from reports.document import Document, ReadError
from reports.lazyre import LazyPattern
from reports.readers.limits import check_document, check_text_bytes

_HTML_RE = LazyPattern(rb"<\s*(!doctype\s+html|html|body|table|p|div|meta|head)[\s>/]", re.I)
_IMAGE_MAGIC = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"II*\x00", b"MM\x00*", b"BM")


def sniff(data: bytes) -> str:
    """The kind of file: pdf, docx, zip, doc, image, html, text or binary."""
    head = data[:2048]
    if b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return "docx" if b"word/" in data[:65536] or b"[Content_Types].xml" in data[:65536] else "zip"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "doc"
    if head.startswith(_IMAGE_MAGIC) or head[4:12] in (b"ftypheic", b"ftypavif") or head[8:12] == b"WEBP":
        return "image"
    if head.startswith((b"\x1f\x8b", b"7z\xbc\xaf", b"Rar!")):
        return "binary"
    if _HTML_RE.search(data[:8192]):
        return "html"
    if b"\x00" in data[:8192] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "binary"  # text has no NUL bytes (UTF-16 without a BOM is not supported)
    return "text"


def read(data: bytes, kind: str | None = None) -> Document:
    """Read bytes into a Document, or raise ReadError saying why the file cannot be read.
    A document beyond the bounds of reports.readers.limits is refused (`unreadable-file`)."""
    return check_document(_read(data, kind or sniff(data)))


def _read(data: bytes, kind: str) -> Document:
    if kind == "pdf":
        from reports.readers.pdf import read_pdf

        return read_pdf(data)
    if kind == "docx":
        from reports.readers.docx import read_docx

        return read_docx(data)
    if kind == "html":
        from reports.readers.html import read_html

        return read_html(data)
    if kind == "text":
        from reports.readers.text import read_text

        check_text_bytes(data)

        return read_text(data)
    if kind == "doc":
        from reports.readers.docx import encrypted_error, is_encrypted_office

        if is_encrypted_office(data):  # a password-protected DOCX is an OLE file too
            raise encrypted_error()
        raise ReadError(
            "unsupported-format",
            "这是旧版 Word（.doc）文件，无法直接读取：请另存为 DOCX 或 PDF 后再发送。",
            "This is an old Word (.doc) file: save it as DOCX or PDF and send it again.",
        )
    if kind == "image" and data[:3] in (b"\x89PN", b"\xff\xd8\xff"):
        from reports.readers.ocr import available, read_image, unavailable_error

        reason = available()
        if reason is not None:
            raise unavailable_error(reason)
        return read_image(data)
    if kind == "image":
        raise ReadError(
            "not-a-report",
            "这是一张图片，不是报告文件：请发送报告的 PDF、Word（DOCX）、网页或文本文件。",
            "This is an image, not a report file: send the report as PDF, Word (DOCX), HTML or text.",
        )
    if kind == "zip":
        raise ReadError(
            "unreadable-file",
            "这是一个压缩包，不是 Word 文档：请直接发送报告文件。",
            "This is a zip archive, not a Word document: send the report file itself.",
        )
    raise ReadError(
        "unreadable-file",
        "无法识别该文件的格式：请发送 PDF、Word（DOCX）、网页（HTML）或文本（TXT/MD）格式的报告。",
        "The file's format is not recognised: send the report as PDF, Word (DOCX), HTML or text (TXT/MD).",
    )
