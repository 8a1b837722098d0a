"""The table picture: table 3 drawn like the official table (and table 4 when it has findings),
wrong cells in red with the expected value beside them, cells the engine inferred in blue.

Pillow only; the CJK font is Noto Sans SC (SIL Open Font License 1.1) from the
pylopdf-fonts-zh-cn package, a project dependency, never a font of the machine.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from PIL import Image, ImageDraw, ImageFont

from handlers.i18n import plain
from reports import model as rm
from storage.models import FindingRow, Report

BG = (255, 255, 255)
INK = (25, 25, 25)
GRID = (90, 90, 90)
HEAD_BG = (236, 240, 245)
ERR_BG = (253, 222, 222)
ERR_INK = (200, 0, 0)
INFO_BG = (224, 236, 252)
MUTED = (110, 110, 110)

PAD = 24
ROW_H = 46
LABEL_W = (150, 190, 300)  # the three label columns: 一、… / （一）… / 1.…
CELL_W = 112

DENIED_LABELS = ("1.属于国家秘密", "2.其他法律行政法规禁止公开", "3.危及“三安全一稳定”", "4.保护第三方合法权益",
                 "5.属于三类内部事务信息", "6.属于四类过程性信息", "7.属于行政执法案卷", "8.属于行政查询事项")
UNAVAILABLE_LABELS = ("1.本机关不掌握相关政府信息", "2.没有现成信息需要另行制作", "3.补正后申请内容仍不明确")
REJECTED_LABELS = ("1.信访举报投诉类申请", "2.重复申请", "3.要求提供公开出版物", "4.无正当理由大量反复申请",
                   "5.要求行政机关确认或重新出具已获取信息")
OTHER_LABELS = ("1.申请人无正当理由逾期不补正", "2.申请人逾期未按收费通知要求缴纳费用", "3.其他")


@lru_cache(maxsize=8)
def font(size: int) -> ImageFont.FreeTypeFont:
    from pylopdf_fonts_zh_cn import sans_path

    return ImageFont.truetype(str(sans_path()), size)


def _num(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return str(v)


class _Canvas:
    def __init__(self, width: int, height: int) -> None:
        self.img = Image.new("RGB", (width, height), BG)
        self.d = ImageDraw.Draw(self.img)

    def box(self, x: int, y: int, w: int, h: int, fill: tuple[int, int, int] = BG) -> None:
        self.d.rectangle((x, y, x + w, y + h), fill=fill, outline=GRID, width=1)

    def text(self, x: int, y: int, w: int, h: int, s: str, size: int = 17, color: tuple[int, int, int] = INK,
             align: str = "center") -> None:
        """Text fitted in a box: shrunk, then wrapped on two lines, when it does not fit."""
        f = font(size)
        while size > 11 and f.getlength(s) > w - 10:
            size -= 1
            f = font(size)
        lines = [s]
        if f.getlength(s) > w - 10:
            cut = len(s) // 2
            lines = [s[:cut], s[cut:]]
        total = len(lines) * (size + 4)
        ty = y + (h - total) / 2
        for line in lines:
            lw = f.getlength(line)
            tx = x + (w - lw) / 2 if align == "center" else x + 8
            self.d.text((tx, ty), line, font=f, fill=color)
            ty += size + 4

    def cell(self, x: int, y: int, w: int, h: int, label: str, fill: tuple[int, int, int] = BG, **kw: Any) -> None:
        self.box(x, y, w, h, fill)
        if label:
            self.text(x, y, w, h, label, **kw)


def _marks(findings: Sequence[FindingRow]) -> tuple[dict[str, Any], set[str]]:
    """Cells with an error (key -> expected value, None when unknown) and cells inferred by the engine."""
    wrong: dict[str, Any] = {}
    inferred: set[str] = set()
    for f in findings:
        if not f.key:
            continue
        if f.severity == "error":
            if wrong.get(f.key) is None:
                wrong[f.key] = f.expected
        elif f.code == "inferred-cell":
            inferred.add(f.key)
    return wrong, inferred


def _value_cell(c: _Canvas, x: int, y: int, w: int, h: int, key: str, figures: dict[str, Any],
                wrong: dict[str, Any], inferred: set[str], lang: str) -> None:
    value = _num(figures.get(key))
    if key in wrong:
        c.box(x, y, w, h, ERR_BG)
        expected = wrong[key]
        if expected is None:
            c.text(x, y, w, h, value or "—", size=18, color=ERR_INK)
        else:
            c.text(x, y, w, h // 2 + 6, value or "—", size=18, color=ERR_INK)
            note = plain("picture.expected", lang, expected=_num(expected))
            c.text(x, y + h // 2 - 2, w, h // 2, note, size=14, color=ERR_INK)
    else:
        c.cell(x, y, w, h, value, INFO_BG if key in inferred else BG, size=18)


def _table3_rows() -> list[tuple[str, str, str, str]]:
    """(row key, label A, label B, label C) in the official order; empty labels are spanned."""
    rows: list[tuple[str, str, str, str]] = [
        ("new", "一、本年新收政府信息公开申请数量", "", ""),
        ("carried_in", "二、上年结转政府信息公开申请数量", "", ""),
        ("granted", "三、本年度办理结果", "（一）予以公开", ""),
        ("partial", "", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）", ""),
    ]
    for group, title, labels, keys in (
        ("denied", "（三）不予公开", DENIED_LABELS, rm.DENIED),
        ("unavailable", "（四）无法提供", UNAVAILABLE_LABELS, rm.UNAVAILABLE),
        ("rejected", "（五）不予处理", REJECTED_LABELS, rm.REJECTED),
        ("other", "（六）其他处理", OTHER_LABELS, rm.OTHER),
    ):
        for i, (label, key) in enumerate(zip(labels, keys, strict=True)):
            rows.append((f"{group}.{key}", "", title if i == 0 else "", label))
    rows.append(("results_total", "", "（七）总计", ""))
    rows.append(("carried_out", "四、结转下年度继续办理", "", ""))
    return rows


def _draw_table3(c: _Canvas, x0: int, y0: int, figures: dict[str, Any], wrong: dict[str, Any],
                 inferred: set[str], lang: str, other_2019: bool) -> int:
    """Draws table 3 at (x0, y0); returns the y below it."""
    label_w = sum(LABEL_W)
    cols = rm.S3_COLUMNS
    # Header: three rows, like the official table.
    h = ROW_H
    c.cell(x0, y0, label_w, 3 * h, "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", HEAD_BG, size=15)
    xs = x0 + label_w
    c.cell(xs, y0, CELL_W * 7, h, "申请人情况", HEAD_BG)
    c.cell(xs, y0 + h, CELL_W, 2 * h, "自然人", HEAD_BG)
    c.cell(xs + CELL_W, y0 + h, CELL_W * 5, h, "法人或其他组织", HEAD_BG)
    for i, col in enumerate(cols[1:6]):
        c.cell(xs + CELL_W * (1 + i), y0 + 2 * h, CELL_W, h, rm.S3_COLUMN_LABELS[col][0], HEAD_BG, size=15)
    c.cell(xs + CELL_W * 6, y0 + h, CELL_W, 2 * h, "总计", HEAD_BG)
    y = y0 + 3 * h

    rows = _table3_rows()
    if other_2019:
        rows = [r for r in rows if not r[0].startswith("other.")]
        i = next(i for i, r in enumerate(rows) if r[0] == "results_total")
        rows.insert(i, (rm.S3_OTHER_2019, "", "（六）其他处理", ""))
    results = [i for i, r in enumerate(rows) if r[0] not in ("new", "carried_in", "carried_out")]
    # Spanning labels: column A over all result rows, column B over each group.
    a_top = y + results[0] * h
    c.cell(x0, a_top, LABEL_W[0], len(results) * h, "三、本年度办理结果", HEAD_BG, size=16)
    i = 0
    while i < len(rows):
        key, a, b, lbl = rows[i]
        ry = y + i * h
        if key in ("new", "carried_in", "carried_out"):
            c.cell(x0, ry, label_w, h, a, HEAD_BG, size=16, align="left")
        elif lbl:  # an item of a group: the group title spans its items
            n = 1
            while i + n < len(rows) and rows[i + n][3] and not rows[i + n][2]:
                n += 1
            c.cell(x0 + LABEL_W[0], ry, LABEL_W[1], n * h, b, HEAD_BG, size=16)
            for j in range(n):
                c.cell(x0 + LABEL_W[0] + LABEL_W[1], ry + j * h, LABEL_W[2], h, rows[i + j][3], HEAD_BG, size=15, align="left")
                for k, col in enumerate(cols):
                    _value_cell(c, xs + CELL_W * k, ry + j * h, CELL_W, h, f"s3.{rows[i + j][0]}.{col}", figures, wrong, inferred, lang)
            i += n
            continue
        else:
            c.cell(x0 + LABEL_W[0], ry, LABEL_W[1] + LABEL_W[2], h, b, HEAD_BG, size=16, align="left")
        for k, col in enumerate(cols):
            _value_cell(c, xs + CELL_W * k, ry, CELL_W, h, f"s3.{key}.{col}", figures, wrong, inferred, lang)
        i += 1
    return y + len(rows) * h


def _draw_table4(c: _Canvas, x0: int, y0: int, figures: dict[str, Any], wrong: dict[str, Any],
                 inferred: set[str], lang: str) -> int:
    h, w = ROW_H, 74
    c.cell(x0, y0, w * 5, 2 * h, "行政复议", HEAD_BG)
    c.cell(x0 + w * 5, y0, w * 10, h, "行政诉讼", HEAD_BG)
    c.cell(x0 + w * 5, y0 + h, w * 5, h, "未经复议直接起诉", HEAD_BG)
    c.cell(x0 + w * 10, y0 + h, w * 5, h, "复议后起诉", HEAD_BG)
    for gi, g in enumerate(rm.S4_GROUPS):
        for oi, o in enumerate(rm.S4_OUTCOMES):
            x = x0 + w * (gi * 5 + oi)
            c.cell(x, y0 + 2 * h, w, h, rm.S4_OUTCOME_LABELS[o][0], HEAD_BG, size=14)
            _value_cell(c, x, y0 + 3 * h, w, h, f"s4.{g}.{o}", figures, wrong, inferred, lang)
    return y0 + 4 * h


def table_picture(row: Report, findings: Sequence[FindingRow], lang: str = "zh") -> tuple[bytes | None, bool]:
    """The PNG of a stored report's table 3 (and table 4 when it has errors); (None, False) when the
    report has no table 3 figure at all. The flag says whether any cell is marked wrong."""
    figures: dict[str, Any] = (row.report_json or {}).get("figures", {})
    if not any(figures.get(k) is not None for k in rm.S3_KEYS + rm.S3_KEYS_2019):
        return None, False
    wrong, inferred = _marks(findings)
    other_2019 = any(figures.get(k) is not None for k in rm.S3_KEYS_2019)
    t4 = any(k.startswith("s4.") for k in wrong)
    n_rows = len(_table3_rows()) - (2 if other_2019 else 0)
    width = PAD * 2 + sum(LABEL_W) + CELL_W * 7
    height = PAD + 70 + (3 + n_rows) * ROW_H + 60 + (4 * ROW_H + 70 if t4 else 0) + PAD
    c = _Canvas(width, height)
    agency = row.agency_name or plain("unknown_agency", lang)
    year = f"{row.year} 年度" if row.year else ""
    c.d.text((PAD, PAD), f"{agency} {year}", font=font(24), fill=INK)
    c.d.text((PAD, PAD + 36), "三、收到和处理政府信息公开申请情况", font=font(18), fill=MUTED)
    y = _draw_table3(c, PAD, PAD + 70, figures, wrong, inferred, lang, other_2019)
    if t4:
        c.d.text((PAD, y + 24), "四、政府信息公开行政复议、行政诉讼情况", font=font(18), fill=MUTED)
        y = _draw_table4(c, PAD, y + 60, figures, wrong, inferred, lang)
    legend = plain("picture.legend", lang, id=row.id)
    c.d.text((PAD, y + 18), legend, font=font(15), fill=MUTED)
    buf = io.BytesIO()
    c.img.save(buf, "PNG", optimize=True)
    return buf.getvalue(), bool(wrong)


def bar_chart(title: str, rows: Sequence[dict[str, Any]], lang: str = "zh") -> bytes | None:
    """A horizontal bar chart of an answer's rows ({agency, year, value}); None without two numbers."""
    items = [(r, float(r["value"])) for r in rows if isinstance(r.get("value"), int | float)]
    if len(items) < 2:
        return None
    items = items[:20]
    label_f, value_f = font(16), font(15)

    def label(r: dict[str, Any]) -> str:
        parts = [str(r["agency"]) if r.get("agency") else "", f"{r['year']}" if r.get("year") else ""]
        return " ".join(p for p in parts if p) or "—"

    labels = [label(r) for r, _ in items]
    label_w = min(460, int(max(label_f.getlength(s) for s in labels)) + 16)
    bar_w, bar_h, gap = 520, 26, 12
    width = PAD * 2 + label_w + bar_w + 90
    height = PAD * 2 + 50 + len(items) * (bar_h + gap)
    c = _Canvas(width, height)
    c.d.text((PAD, PAD), title[:60], font=font(20), fill=INK)
    top = max(v for _, v in items) or 1.0
    y = PAD + 50
    for s, (_, v) in zip(labels, items, strict=True):
        c.d.text((PAD, y + 3), s if label_f.getlength(s) <= label_w - 8 else s[:24] + "…", font=label_f, fill=INK)
        w = int(bar_w * max(v, 0) / top)
        c.d.rectangle((PAD + label_w, y, PAD + label_w + max(w, 1), y + bar_h), fill=(70, 120, 190))
        c.d.text((PAD + label_w + w + 8, y + 4), _num(int(v) if v.is_integer() else v), font=value_f, fill=INK)
        y += bar_h + gap
    buf = io.BytesIO()
    c.img.save(buf, "PNG", optimize=True)
    return buf.getvalue()
