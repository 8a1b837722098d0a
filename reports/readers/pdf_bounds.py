"""What a PDF expands to, measured before pdfium sees it.

pdfium inflates a page's content stream whole when it loads the page; a 2 MB flate stream of zeros
becomes 2 GB, and pdfium aborts the process when memory runs out (no exception, no finding). Every
flate stream is therefore inflated here first, in small steps under a running cap, and thrown away:
content streams beyond `MAX_CONTENT_STREAM`, fonts beyond `MAX_FONT_STREAM`, or everything beyond
`MAX_INFLATED` refuse the file. Images are skipped (reading text never decodes them). Streams behind
another filter (ASCII85, chained flate) are not measured here; the address-space limit of the
process (reports.engine.limit_memory) bounds those.
"""

from __future__ import annotations

import re
import zlib

from reports.document import ReadError

MAX_CONTENT_STREAM = 8 << 20  # a page's drawing: real pages take tens or hundreds of KB
MAX_FONT_STREAM = 48 << 20  # a whole embedded CJK font is 10-20 MB
MAX_INFLATED = 160 << 20

_STREAM = re.compile(rb"stream\r?\n")
_DICT_BACK = 4096  # bytes before `stream` searched for the stream's dictionary
_STEP = 1 << 16
_FONT = re.compile(rb"/Length[123]\b|/Subtype\s*/(?:Type1C|CIDFontType0C|OpenType)\b")
_IMAGE = re.compile(rb"/Subtype\s*/Image\b")
_FLATE = re.compile(rb"/(?:FlateDecode|Fl)\b")


def _refuse(detail: str) -> ReadError:
    return ReadError(
        "unreadable-file",
        "PDF 文件中的压缩数据解压后体积异常巨大（疑似压缩炸弹），已拒绝读取。",
        "A compressed stream in the PDF would expand to an abnormal size (a suspected zip bomb), so it was "
        "not read.",
        detail,
    )


def _inflated(data: bytes, start: int, cap: int) -> int:
    """Bytes the zlib stream at `start` inflates to, counting stops just past `cap`."""
    d = zlib.decompressobj()
    out = 0
    pos = start
    try:
        while pos < len(data) and not d.eof and out <= cap:
            chunk = data[pos:pos + _STEP]
            pos += _STEP
            while chunk and not d.eof and out <= cap:  # output is held back by max_length: drain it
                got = d.decompress(chunk, _STEP)
                out += len(got)
                chunk = d.unconsumed_tail
                if not got:  # all input taken without output: more input is needed
                    break
    except zlib.error:
        pass  # damaged or not zlib at all: pdfium decides what it makes of it
    return out


def check_streams(data: bytes) -> None:
    """ReadError when a flate stream of the PDF inflates beyond the bounds above."""
    total = 0
    for m in _STREAM.finditer(data):
        if data[max(0, m.start() - 3):m.start()] == b"end":
            continue
        head = data[max(0, m.start() - _DICT_BACK):m.start()]
        head = head[head.rfind(b"obj") + 1:] if b"obj" in head else head
        if not _FLATE.search(head) or _IMAGE.search(head):
            continue
        cap = MAX_FONT_STREAM if _FONT.search(head) else MAX_CONTENT_STREAM
        size = _inflated(data, m.end(), min(cap, MAX_INFLATED - total))
        total += size
        if size > cap:
            raise _refuse(f"a stream at byte {m.end()} inflates past {cap} bytes")
        if total > MAX_INFLATED:
            raise _refuse(f"streams inflate past {MAX_INFLATED} bytes in all")
