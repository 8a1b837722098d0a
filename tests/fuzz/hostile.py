"""Hostile files, built from a seed: what a fuzzer or an attacker sends instead of a report.

Every builder takes a `random.Random` and returns bytes. `KINDS` maps a kind name to its builder;
`generate(kind, seed)` gives one file. The files are small (a few KB to a few MB) but many of them
declare or expand to gigabytes: page trees reused at every level, flate bombs, zips whose headers lie
about their sizes, spans over thousands of columns, numbers of thousands of digits.
"""

from __future__ import annotations

import functools
import io
import random
import struct
import zipfile
import zlib
from collections.abc import Callable

# ---- PDF


def _pdf(objects: list[bytes], root: int = 1, *, xref: bool = True) -> bytes:
    """A PDF from numbered object bodies (object i+1 is objects[i]), with a correct xref table."""
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % i + body + b"\nendobj\n")
    start = out.tell()
    if xref:
        out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
        for off in offsets:
            out.write(b"%010d 00000 n \n" % off)
    out.write(b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, root, start))
    return out.getvalue()


def _stream(data: bytes, *, flate: bool = False, extra: bytes = b"") -> bytes:
    filt = b" /Filter /FlateDecode" if flate else b""
    return b"<< /Length %d%s%s >>\nstream\n" % (len(data), filt, extra) + data + b"\nendstream"


_FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"


def _text_content(lines: list[str]) -> bytes:
    ops = [b"BT /F1 10 Tf 40 800 Td 12 TL"]
    for line in lines:
        safe = line.encode("latin-1", "replace").replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")
        ops.append(b"(" + safe + b") '")
    ops.append(b"ET")
    return b"\n".join(ops)


def _one_page_pdf(content: bytes, *, flate: bool = False) -> bytes:
    return _pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        _stream(content, flate=flate),
        _FONT,
    ])


def _report_lines(rng: random.Random) -> list[str]:
    year = rng.randint(2019, 2025)
    lines = [f"Annual report {year} on government information disclosure"]
    for i in range(rng.randint(5, 40)):
        lines.append(" ".join(str(rng.randint(0, 999)) for _ in range(rng.randint(1, 9))) + f" row {i}")
    return lines


def pdf_page_tree(rng: random.Random) -> bytes:
    """A page tree whose every level reuses the same node: a few KB that declare up to 10^6+ pages."""
    fan = rng.randint(10, 40)
    depth = rng.randint(3, 5)
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>"]
    count = fan ** depth
    for level in range(depth):
        kids = b" ".join([b"%d 0 R" % (level + 3)] * fan)
        objects.append(b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, fan ** (depth - level)))
    page = len(objects) + 1
    objects.append(b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] /Contents %d 0 R "
                   b"/Resources << /Font << /F1 %d 0 R >> >> >>" % (page - 1, page + 1, page + 2))
    objects.append(_stream(_text_content(_report_lines(rng))))
    objects.append(_FONT)
    assert count > 0
    return _pdf(objects)


def pdf_many_pages(rng: random.Random) -> bytes:
    """A flat page tree of 100-3000 distinct (tiny) pages."""
    n = rng.choice([61, 150, 400, 1500, 3000])
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b""]
    content = len(objects) + 1
    objects.append(_stream(_text_content(["page text 1 2 3 report"])))
    font = len(objects) + 1
    objects.append(_FONT)
    kids = []
    for _ in range(n):
        kids.append(len(objects) + 1)
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents %d 0 R "
                       b"/Resources << /Font << /F1 %d 0 R >> >> >>" % (content, font))
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(b"%d 0 R" % k for k in kids), n)
    return _pdf(objects)


def _zeros_deflate(total: int, chunk: int = 1 << 20) -> bytes:
    """A zlib stream of `total` zero bytes, built without deflating them all: after a full flush the
    compressor's output for one more chunk of zeros is always the same block."""
    co = zlib.compressobj(9)
    first = co.compress(b"\0" * chunk) + co.flush(zlib.Z_FULL_FLUSH)
    block = co.compress(b"\0" * chunk) + co.flush(zlib.Z_FULL_FLUSH)
    tail = co.flush(zlib.Z_FINISH)
    n = total // chunk
    body = first + block * (n - 1)
    # zlib's trailer checksum covers only the first two chunks: replace it with the right one.
    adler_b = (n * chunk) % 65521
    return body + tail[:-4] + struct.pack(">I", (adler_b << 16) | 1)


def pdf_flate_bomb(rng: random.Random) -> bytes:
    """A page whose content stream inflates to 0.5-4 GB of zeros (PDF whitespace)."""
    size = rng.choice([512, 1024, 2048, 4096]) << 20
    return _one_page_pdf(_zeros_deflate(size), flate=True)


def pdf_text_bomb(rng: random.Random) -> bytes:
    """A page that shows millions of characters (a compressed content stream of repeated text ops)."""
    return _text_bomb(rng.choice([2_000, 20_000, 50_000, 100_000]))


@functools.lru_cache(maxsize=8)
def _text_bomb(ops: int) -> bytes:
    op = b"BT /F1 1 Tf 10 10 Td (" + b"8" * 200 + b") Tj ET\n"
    return _one_page_pdf(zlib.compress(op * ops, 9), flate=True)


def pdf_truncated(rng: random.Random) -> bytes:
    data = _one_page_pdf(_text_content(_report_lines(rng)))
    return data[: rng.randint(8, len(data) - 1)]


def pdf_garbled(rng: random.Random) -> bytes:
    data = bytearray(_one_page_pdf(zlib.compress(_text_content(_report_lines(rng))), flate=True))
    for _ in range(rng.randint(1, 60)):
        data[rng.randrange(9, len(data))] = rng.randrange(256)
    return bytes(data)


def pdf_deep_nesting(rng: random.Random) -> bytes:
    """Arrays or dictionaries nested tens of thousands deep, or a self-referencing Kids chain."""
    depth = rng.choice([1000, 10_000, 100_000])
    junk = b"[" * depth + b"]" * depth if rng.random() < 0.5 else b"<< /A " * depth + b">>" * depth
    return _pdf([
        b"<< /Type /Catalog /Pages 2 0 R /X " + junk + b" >>",
        b"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
    ])


# ---- DOCX

_CT = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
       b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
       b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
       b'<Default Extension="xml" ContentType="application/xml"/>'
       b'<Override PartName="/word/document.xml" '
       b'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>')
_RELS = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
         b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
         b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
         b'officeDocument" Target="word/document.xml"/></Relationships>')
_W = b'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def _docx(body: bytes, *, level: int = 9) -> bytes:
    doc = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document ' + _W + b"><w:body>" + body + \
        b"</w:body></w:document>"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as zf:
        zf.writestr("[Content_Types].xml", _CT)
        zf.writestr("_rels/.rels", _RELS)
        zf.writestr("word/document.xml", doc)
    return buf.getvalue()


def _p(text: str) -> bytes:
    return b"<w:p><w:r><w:t>" + text.encode() + b"</w:t></w:r></w:p>"


def _tc(text: str = "", span: int = 1) -> bytes:
    pr = b"<w:tcPr><w:gridSpan w:val=\"%d\"/></w:tcPr>" % span if span != 1 else b""
    return b"<w:tc>" + pr + _p(text) + b"</w:tc>"


def docx_wide_spans(rng: random.Random) -> bytes:
    """One row of thousands of cells, each spanning up to 64 (or absurdly many) columns."""
    span = rng.choice([64, 63, 1000, 10**9, 10**30])
    cells = b"".join(_tc(str(i), span) for i in range(rng.choice([200, 2000, 5000])))
    rows = b"<w:tr>" + cells + b"</w:tr>"
    return _docx(_p("2023年政府信息公开工作年度报告") + b"<w:tbl>" + rows * rng.choice([1, 3, 50]) + b"</w:tbl>")


def docx_many_rows(rng: random.Random) -> bytes:
    """A grid of up to 63 columns and tens of thousands of empty rows (padding rows x width)."""
    width = rng.choice([20, 63, 200])
    grid = b"<w:tblGrid>" + b"<w:gridCol/>" * width + b"</w:tblGrid>"
    rows = b"<w:tr>" + _tc("1") + b"</w:tr>"
    return _docx(b"<w:tbl>" + grid + rows * rng.choice([10_000, 50_000, 200_000]) + b"</w:tbl>")


def docx_grid_before(rng: random.Random) -> bytes:
    """gridBefore/gridAfter of huge values on every row."""
    val = rng.choice([64, 10**6, 2**31, 10**40])
    tr = (b'<w:tr><w:trPr><w:gridBefore w:val="%d"/><w:gridAfter w:val="%d"/></w:trPr>' % (val, val)) + _tc("x") + \
        b"</w:tr>"
    return _docx(b"<w:tbl>" + tr * rng.choice([100, 5000]) + b"</w:tbl>")


def docx_deep_nesting(rng: random.Random) -> bytes:
    """Tables nested in cells hundreds or thousands deep, or content controls nested deeply."""
    depth = rng.choice([200, 1000, 5000])
    if rng.random() < 0.5:
        body = b"<w:tbl><w:tr><w:tc>" * depth + _p("1") + b"</w:tc></w:tr></w:tbl>" * depth
    else:
        body = b"<w:sdt><w:sdtContent>" * depth + _p("1") + b"</w:sdtContent></w:sdt>" * depth
    return _docx(body)


def docx_false_sizes(rng: random.Random) -> bytes:
    """A zip whose headers declare small sizes for a member that inflates to hundreds of MB or GB."""
    real = rng.choice([256, 1024, 2048]) << 20
    payload = _zeros_deflate(real)[2:-4]  # raw deflate: drop the zlib header and trailer
    declared = rng.randint(1000, 100_000)
    name = b"word/document.xml"
    crc = rng.getrandbits(32)
    out = io.BytesIO()
    members = [("[Content_Types].xml", _CT), ("_rels/.rels", _RELS)]
    central = io.BytesIO()
    for fname, data in members:  # honest members first
        comp = zlib.compressobj(9, zlib.DEFLATED, -15)
        raw = comp.compress(data) + comp.flush()
        off = out.tell()
        fn = fname.encode()
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0, zlib.crc32(data), len(raw), len(data),
                              len(fn), 0) + fn + raw)
        central.write(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0, zlib.crc32(data), len(raw),
                                  len(data), len(fn), 0, 0, 0, 0, 0, off) + fn)
    off = out.tell()
    out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0, crc, len(payload), declared, len(name), 0)
              + name + payload)
    central.write(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0, crc, len(payload), declared,
                              len(name), 0, 0, 0, 0, 0, off) + name)
    cd = central.getvalue()
    cd_off = out.tell()
    out.write(cd)
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 3, 3, len(cd), cd_off, 0))
    return out.getvalue()


def docx_zip_bomb(rng: random.Random) -> bytes:
    """Honest headers, but a member (or many) that inflate far beyond any report."""
    return _zip_bomb(rng.random() < 0.5, rng.choice([60, 120]), rng.choice([6000, 20]))


@functools.lru_cache(maxsize=8)
def _zip_bomb(one: bool, mb: int, members: int) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("[Content_Types].xml", _CT)
        zf.writestr("_rels/.rels", _RELS)
        if one:
            zf.writestr("word/document.xml", b"<w:document " + _W + b"><w:body>" + b" " * (mb << 20))
        else:
            for i in range(members):
                zf.writestr(f"word/media/x{i}.bin", b"\0" * (1 << 20 if i < 20 else 1))
    return buf.getvalue()


def docx_garbled(rng: random.Random) -> bytes:
    data = bytearray(_docx(_p("2023年政府信息公开工作年度报告") + b"".join(_p(str(rng.random())) for _ in range(30))))
    for _ in range(rng.randint(1, 40)):
        data[rng.randrange(4, len(data))] = rng.randrange(256)
    if rng.random() < 0.3:
        data = data[: rng.randrange(4, len(data))]
    return bytes(data)


def docx_entity_bomb(rng: random.Random) -> bytes:
    """Billion laughs in document.xml (lxml must not expand it)."""
    ents = b'<!ENTITY a0 "lollollollollol">' + b"".join(
        b'<!ENTITY a%d "%s">' % (i, b"&a%d;" % (i - 1) * 10) for i in range(1, 10))
    doc = (b'<?xml version="1.0"?><!DOCTYPE w:document [' + ents + b"]><w:document " + _W +
           b"><w:body><w:p><w:r><w:t>&a9;</w:t></w:r></w:p></w:body></w:document>")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", _CT)
        zf.writestr("_rels/.rels", _RELS)
        zf.writestr("word/document.xml", doc)
    return buf.getvalue()


# ---- HTML


def html_spans(rng: random.Random) -> bytes:
    """Cells with rowspan/colspan of 200, 1000, 65534, 10^30, or rowspan=0 (to the end)."""
    rs = rng.choice(["0", "200", "1000", "65534", "1" + "0" * 30])
    cs = rng.choice(["200", "1000", "65534", "1" + "0" * 30, "2"])
    rows = rng.choice([50, 200, 2000])
    cell = f'<td rowspan="{rs}" colspan="{cs}">1</td>'
    body = "".join(f"<tr>{cell * rng.randint(1, 20)}</tr>" for _ in range(rows))
    return f"<html><body><p>2023年政府信息公开工作年度报告</p><table>{body}</table></body></html>".encode()


def html_wide(rng: random.Random) -> bytes:
    """Rows of thousands of plain cells."""
    n = rng.choice([100, 1000, 10_000])
    row = "<tr>" + "<td>7</td>" * n + "</tr>"
    return f"<html><body><table>{row * rng.choice([1, 20, 200])}</table></body></html>".encode()


def html_deep_nesting(rng: random.Random) -> bytes:
    tag = rng.choice(["div", "span", "table><tr><td", "b"])
    depth = rng.choice([1000, 10_000, 100_000])
    close = "</td></tr></table>" if tag.startswith("table") else f"</{tag}>"
    return ("<html><body>" + f"<{tag}>" * depth + "2023年 1 2 3" + close * depth + "</body></html>").encode()


def html_giant_attr(rng: random.Random) -> bytes:
    return (f'<html><body><table><tr><td colspan="{"9" * rng.choice([5000, 50_000])}">x</td>'
            f'<td rowspan="{"9" * 6000}">y</td></tr></table></body></html>').encode()


# ---- text and numbers


def _report_head(rng: random.Random) -> str:
    return f"某某县人民政府{rng.randint(2019, 2025)}年政府信息公开工作年度报告\n一、总体情况\n"


def giant_numbers(rng: random.Random) -> bytes:
    """Numbers of 4,300-200,000 digits in table cells, narrative and headings."""
    digits = rng.choice([4301, 5000, 20_000, 200_000])
    big = "".join(rng.choice("123456789") for _ in range(digits))
    where = rng.choice(["cell", "narrative", "grouped", "decimal", "unit", "heading"])
    if where == "cell":
        body = f"三、收到和处理政府信息公开申请情况\n一、本年新收政府信息公开申请数量\t{big}\t1\t2\n"
    elif where == "narrative":
        body = f"三、收到和处理政府信息公开申请情况\n本年度共收到政府信息公开申请{big}件，行政复议{big}件，行政诉讼{big}件。\n"
    elif where == "grouped":
        body = "一、本年新收政府信息公开申请数量\t1" + ",123" * (digits // 3) + "\n"
    elif where == "decimal":
        body = f"一、本年新收政府信息公开申请数量\t{big}.5\t{big}件\n"
    elif where == "unit":
        body = f"一、本年新收政府信息公开申请数量\t{big}件\t{big}万元\n"
    else:
        body = f"{big}、收到和处理政府信息公开申请情况\n第{big}页\n{big}\n"
    return (_report_head(rng) + body).encode()


def digit_runs(rng: random.Random) -> bytes:
    """Rows of a statistics table whose numbers ran together into long digit runs."""
    run = "1" + "0" * rng.choice([20, 40, 60, 100])
    return (_report_head(rng) + "三、收到和处理政府信息公开申请情况\n"
            + f"一、本年新收政府信息公开申请数量 {run}\n二、上年结转政府信息公开申请数量 {run} {run}\n").encode()


def binary_junk(rng: random.Random) -> bytes:
    n = rng.choice([1, 100, 10_000, 1 << 20])
    head = rng.choice([b"", b"%PDF-", b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"<html>", b"\xff\xfe"])
    return head + rng.randbytes(n)


def gbk_junk(rng: random.Random) -> bytes:
    """Random GBK/GB18030 text: real CJK, half characters, table words and digits."""
    words = ["政府信息公开", "年度报告", "予以公开", "不予公开", "本年新收", "结转下年度", "一、", "三、", "\t", "\n",
             "2023年", "（一）", "—", "无"]
    text = "".join(rng.choice(words) if rng.random() < 0.5 else chr(rng.randint(0x4E00, 0x9FA5))
                   for _ in range(rng.choice([100, 5000, 100_000])))
    data = bytearray(text.encode("gb18030"))
    for _ in range(rng.randint(0, 30)):
        data.insert(rng.randrange(len(data)), rng.randrange(0x80, 0x100))
    return bytes(data)


def giant_lines(rng: random.Random) -> bytes:
    """One line of megabytes: CJK, digits and tabs, or a million tab-separated cells."""
    n = rng.choice([1 << 20, 5 << 20, 15 << 20])
    kind = rng.random()
    if kind < 0.3:
        line = "政府信息公开" * (n // 18)
    elif kind < 0.6:
        line = "1\t" * (n // 2)
    else:
        line = "一、本年新收政府信息公开申请数量 " + "1 " * (n // 2)
    return (_report_head(rng) + line + "\n").encode()


def many_lines(rng: random.Random) -> bytes:
    """Millions of short lines (headings, numbers, page numbers)."""
    n = rng.choice([200_000, 1_000_000])
    line = rng.choice(["一、总体情况", "1", "- 3 -", "予以公开 1 2 3", ""])
    return (_report_head(rng) + (line + "\n") * n).encode()


KINDS: dict[str, Callable[[random.Random], bytes]] = {
    "pdf-page-tree": pdf_page_tree,
    "pdf-many-pages": pdf_many_pages,
    "pdf-flate-bomb": pdf_flate_bomb,
    "pdf-text-bomb": pdf_text_bomb,
    "pdf-truncated": pdf_truncated,
    "pdf-garbled": pdf_garbled,
    "pdf-deep-nesting": pdf_deep_nesting,
    "docx-wide-spans": docx_wide_spans,
    "docx-many-rows": docx_many_rows,
    "docx-grid-before": docx_grid_before,
    "docx-deep-nesting": docx_deep_nesting,
    "docx-false-sizes": docx_false_sizes,
    "docx-zip-bomb": docx_zip_bomb,
    "docx-garbled": docx_garbled,
    "docx-entity-bomb": docx_entity_bomb,
    "html-spans": html_spans,
    "html-wide": html_wide,
    "html-deep-nesting": html_deep_nesting,
    "html-giant-attr": html_giant_attr,
    "giant-numbers": giant_numbers,
    "digit-runs": digit_runs,
    "binary-junk": binary_junk,
    "gbk-junk": gbk_junk,
    "giant-lines": giant_lines,
    "many-lines": many_lines,
}


def generate(kind: str, seed: int) -> bytes:
    return KINDS[kind](random.Random(f"{kind}:{seed}"))
