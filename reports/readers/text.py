"""Plain text and Markdown: decoding (UTF-8, UTF-8/16 with BOM, GB18030/GBK) and tab-separated rows."""

from __future__ import annotations

import re

from reports.document import Document, Line, ReadError

_SPLIT_RE = re.compile(r"\t|\u3000{2,}| {2,}")


def decode(data: bytes) -> str:
    """Decode report text, detecting the encoding; ReadError when the bytes are not text."""
    if data.startswith(b"\xef\xbb\xbf"):
        text = data[3:].decode("utf-8", errors="replace")
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = data.decode("utf-16", errors="replace")
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            try:
                text = data.decode("gb18030")
            except UnicodeDecodeError:
                text = ""
    if not text or not _looks_like_text(text):
        raise ReadError(
            "unreadable-file",
            "文件内容不是可读的文本（可能是二进制文件或编码无法识别）：请发送 PDF、Word 或 UTF-8/GBK 文本。",
            "The file is not readable text (binary data or an unknown encoding): send PDF, Word or UTF-8/GBK text.",
        )
    return text


def _plausible(ch: str) -> bool:
    o = ord(ch)
    return (
        32 <= o < 127 or ch in "\t\n\r\f"
        or 0x4E00 <= o <= 0x9FFF  # CJK unified ideographs
        or 0x3000 <= o <= 0x303F or 0xFF00 <= o <= 0xFFEF  # CJK punctuation, full-width forms
        or 0x2000 <= o <= 0x206F or 0x2460 <= o <= 0x25FF  # general punctuation, enclosed numbers, boxes
        or o in (0xA0, 0xB7, 0xD7, 0x2116, 0x3007)
    )


def _looks_like_text(text: str) -> bool:
    """Random bytes decode as GB18030 too, into rare characters and control codes: reject those."""
    sample = text[:20000]
    if not sample.strip():
        return False
    good = sum(1 for ch in sample if _plausible(ch))
    return good >= 0.9 * len(sample)


def split_cells(line: str) -> list[str]:
    """One line of text into cells: tabs (or runs of spaces) separate table cells."""
    if "\t" in line:
        return [c.strip() for c in line.split("\t")]
    if line and not line.strip():
        return [" "]  # a line holding only spaces: a table cell left blank (one cell per line)
    if line.lstrip().startswith("|") and line.rstrip().endswith("|"):
        return [line.strip()]  # a Markdown table row: its pipes, not its spaces, separate the cells
    return [c.strip() for c in _SPLIT_RE.split(line)]


def join_cell_lines(parts: list[str]) -> str:
    """Join the lines of one table cell: no space between CJK text (a label wrapped by hand), one
    space where either side is ASCII."""
    out = ""
    for part in parts:
        if not part:
            continue
        if out and (out[-1].isascii() or part[0].isascii()):
            out += " "
        out += part
    return out


def read_text(data: bytes) -> Document:
    text = decode(data).replace("\r\n", "\n").replace("\r", "\n")
    lines = [Line(cells=split_cells(raw), lineno=i) for i, raw in enumerate(text.split("\n"), start=1)]
    return Document(kind="text", lines=lines)
