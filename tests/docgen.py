"""Generator of realistic annual reports for tests and benchmarks: balanced figures, and the same
report rendered as text, DOCX or HTML.

`make_figures(seed)` draws figures that obey FORMAT.md rules 1–4. `report_text`, `report_docx` and
`report_html` lay a report out from them: title, preamble with the 统计期限, the six headings, a
narrative that states the number of applications and reviews, tables 2–4 shaped like the official
Word template (merged cells included) and a fee statement in section 六.

All three renderings come from one block model, so a table reads the same in each: in text, a table
row is one tab-separated field per grid column, a merged cell's text once (first row, first column
it spans) and '' in the other positions — exactly what the DOCX and HTML readers give back.

A figure missing from `figures` is written as a blank cell; a zero is written as `blanks`
("0", "", "—", "/", "无").

Keys of the 2019 试行 format (fmt="2019"), besides s3.* (with the single row s3.other.all.<column>
instead of the three s3.other.* rows) and s4.*:

| key | table 2 (2019) cell |
| --- | --- |
| s2.v2019.rules.made / .published / .total_public | 规章: 本年新制作数量 / 本年新公开数量 / 对外公开总数量 |
| s2.v2019.normative.made / .published / .total_public | 规范性文件: the same three columns |
| s2.v2019.licensing.prev / .change, s2.licensing | 行政许可: 上一年项目数量 / 本年增/减 / 处理决定数量 |
| s2.v2019.other_services.prev / .change / .decisions | 其他对外管理服务事项: the same three columns |
| s2.v2019.punishment.prev / .change, s2.punishment | 行政处罚: the same three columns |
| s2.v2019.coercion.prev / .change, s2.coercion | 行政强制: the same three columns |
| s2.v2019.fees.prev / .change | 行政事业性收费: 上一年项目数量 / 本年增/减 |
| s2.v2019.procurement.count / .amount | 政府集中采购: 采购项目数量 / 采购总金额 (万元, no unit written) |

The .change cells are signed counts, written "+3" / "-1".
"""

from __future__ import annotations

import html as _html
import io
import random
from dataclasses import dataclass

from reports.model import (
    CANONICAL_KEYS,
    DENIED,
    OTHER,
    REJECTED,
    S3_APPLICANT_COLUMNS,
    S3_COLUMNS,
    S3_OTHER_2019,
    S3_RESULT_ITEMS,
    S3_RESULT_ITEMS_2019,
    S4_GROUPS,
    S4_OUTCOMES,
    UNAVAILABLE,
)

Figures = dict[str, int | float]

BLANK_MARKERS = ("0", "", "—", "/", "无")

V2019_KEYS: tuple[str, ...] = (
    "s2.v2019.rules.made", "s2.v2019.rules.published", "s2.v2019.rules.total_public",
    "s2.v2019.normative.made", "s2.v2019.normative.published", "s2.v2019.normative.total_public",
    "s2.v2019.licensing.prev", "s2.v2019.licensing.change",
    "s2.v2019.other_services.prev", "s2.v2019.other_services.change", "s2.v2019.other_services.decisions",
    "s2.v2019.punishment.prev", "s2.v2019.punishment.change",
    "s2.v2019.coercion.prev", "s2.v2019.coercion.change",
    "s2.v2019.fees.prev", "s2.v2019.fees.change",
    "s2.v2019.procurement.count", "s2.v2019.procurement.amount",
)
_SIGNED = {k for k in V2019_KEYS if k.endswith(".change")}

# How many applications of each kind of applicant, and how likely each outcome is.
_COLUMN_SCALE = {"person": 40, "business": 10, "research": 2, "nonprofit": 2, "legal": 6, "org_other": 4}
_ITEM_ODDS = {"granted": 0.9, "partial": 0.5, "unavailable.not_held": 0.6, "rejected.repeated": 0.3}


def _items(fmt: str) -> tuple[str, ...]:
    return S3_RESULT_ITEMS_2019 if fmt == "2019" else S3_RESULT_ITEMS


def s3_rows(fmt: str = "2021") -> tuple[str, ...]:
    """Table 3 row keys of a format, in table order."""
    return ("new", "carried_in", *_items(fmt), "results_total", "carried_out")


def make_figures(seed: int | None = None, *, zero: bool = False, year_format: str = "2021") -> Figures:
    """Random figures for every key of a report, balanced by FORMAT.md rules 1–4.

    zero=True: no applications, reviews or lawsuits (tables 3 and 4 all zero; table 2 still drawn).
    year_format "2019": table 2 keys of the 2019 format (see the module docstring) and s3.other.all.*.
    """
    rng = random.Random(seed)
    fig: Figures = {}
    if year_format == "2019":
        for kind in ("rules", "normative"):
            made = rng.choice((0, 0, rng.randint(1, 6))) if kind == "rules" else rng.randint(0, 12)
            published = made
            fig[f"s2.v2019.{kind}.made"] = made
            fig[f"s2.v2019.{kind}.published"] = published
            fig[f"s2.v2019.{kind}.total_public"] = published + rng.randint(0, 40)
        for kind, scale in (("licensing", 300), ("other_services", 60), ("punishment", 150), ("coercion", 15)):
            fig[f"s2.v2019.{kind}.prev"] = rng.randint(0, 40)
            fig[f"s2.v2019.{kind}.change"] = rng.randint(-3, 3)
            decisions = rng.randint(0, scale)
            if kind == "other_services":
                fig["s2.v2019.other_services.decisions"] = decisions
            else:
                fig[f"s2.{kind}"] = decisions
        fig["s2.v2019.fees.prev"] = rng.randint(0, 8)
        fig["s2.v2019.fees.change"] = rng.randint(-2, 1)
        fig["s2.v2019.procurement.count"] = rng.randint(0, 12)
        fig["s2.v2019.procurement.amount"] = round(rng.uniform(5, 900), 2) if fig["s2.v2019.procurement.count"] else 0
        fig = {k: fig[k] for k in (*V2019_KEYS[:8], "s2.licensing", *V2019_KEYS[8:13], "s2.punishment",
                                   *V2019_KEYS[13:15], "s2.coercion", *V2019_KEYS[15:])}
    else:
        for kind in ("rules", "normative"):
            issued = rng.choice((0, 0, rng.randint(1, 3))) if kind == "rules" else rng.randint(0, 9)
            repealed = rng.randint(0, 2) if kind == "normative" else 0
            fig[f"s2.{kind}.issued"] = issued
            fig[f"s2.{kind}.repealed"] = repealed
            fig[f"s2.{kind}.in_force"] = issued + rng.randint(0, 35 if kind == "normative" else 4)
        fig["s2.licensing"] = rng.randint(0, 600)
        fig["s2.punishment"] = rng.randint(0, 200)
        fig["s2.coercion"] = rng.randint(0, 20)
        fig["s2.fees"] = round(rng.uniform(0.1, 80), 2) if rng.random() < 0.3 else 0
    items = _items(year_format)
    for col in S3_APPLICANT_COLUMNS:
        scale = _COLUMN_SCALE[col]
        vals = {}
        for item in items:
            odds = _ITEM_ODDS.get(item, 0.15) * (1 if col == "person" else 0.6)
            vals[item] = 0 if zero or rng.random() > odds else rng.randint(1, max(1, scale // (1 if item == "granted" else 3)))
        total = sum(vals.values())
        carried_out = 0 if zero else rng.choice((0, 0, rng.randint(0, max(1, scale // 8))))
        carried_in = 0 if zero else rng.randint(0, min(total + carried_out, max(1, scale // 8)))
        vals["new"] = total + carried_out - carried_in
        vals["carried_in"] = carried_in
        vals["results_total"] = total
        vals["carried_out"] = carried_out
        for row, v in vals.items():
            fig[f"s3.{row}.{col}"] = v
    s3: Figures = {}
    for row in s3_rows(year_format):
        for col in S3_APPLICANT_COLUMNS:
            s3[f"s3.{row}.{col}"] = fig.pop(f"s3.{row}.{col}")
        s3[f"s3.{row}.total"] = sum(s3[f"s3.{row}.{c}"] for c in S3_APPLICANT_COLUMNS)
    fig.update(s3)
    for group in S4_GROUPS:
        vals = [0 if zero or rng.random() > 0.25 else rng.randint(1, 3) for _ in range(4)]
        for outcome, v in zip(S4_OUTCOMES, [*vals, sum(vals)], strict=True):
            fig[f"s4.{group}.{outcome}"] = v
    return fig


def expected_figures(figures: Figures, *, fmt: str = "2021", total_column: bool = True,
                     blanks: str = "0") -> dict[str, int | float | None]:
    """What a correct reading of a generated report gives: every canonical key (and the format's
    extra keys), None where the report has no such cell or leaves it blank."""
    keys = list(CANONICAL_KEYS)
    if fmt == "2019":
        keys += [f"s3.{S3_OTHER_2019}.{c}" for c in S3_COLUMNS] + list(V2019_KEYS)
    shown = _shown_keys(fmt, total_column)
    out: dict[str, int | float | None] = {}
    for key in keys:
        v = figures.get(key) if key in shown else None
        if v is not None and v == 0 and blanks != "0":
            v = None
        out[key] = v
    return out


def _shown_keys(fmt: str, total_column: bool) -> set[str]:
    cols = S3_COLUMNS if total_column else S3_APPLICANT_COLUMNS
    keys = {f"s3.{r}.{c}" for r in s3_rows(fmt) for c in cols}
    keys |= {f"s4.{g}.{o}" for g in S4_GROUPS for o in S4_OUTCOMES}
    if fmt == "2019":
        keys |= set(V2019_KEYS) | {"s2.licensing", "s2.punishment", "s2.coercion"}
    else:
        keys |= {k for k in CANONICAL_KEYS if k.startswith("s2.")}
    return keys


# ---------------------------------------------------------------------------------------------
# The block model shared by the three renderings.


@dataclass
class C:
    """A table cell that starts at this row: text, spans, and whether it is a header/label cell."""

    text: str
    colspan: int = 1
    rowspan: int = 1


@dataclass
class Table:
    width: int
    rows: list[list[C]]
    header_rows: int = 0  # rows repeated at the top of each page (DOCX)
    number: int = 0  # 2, 3 or 4


@dataclass
class Para:
    text: str
    kind: str = "body"  # title, heading, subheading, body


Block = Para | Table


def covering(table: Table) -> dict[tuple[int, int], tuple[C, tuple[int, int]]]:
    """Every grid position (row, column) of the table: the cell that covers it, and where that cell
    starts (its top-left position, which tells two uses of one C object apart)."""
    cover: dict[tuple[int, int], tuple[C, tuple[int, int]]] = {}
    for r, row in enumerate(table.rows):
        c = 0
        for cell in row:
            while (r, c) in cover:
                c += 1
            if c + cell.colspan > table.width:
                raise ValueError(f"row {r} of table {table.number} is wider than {table.width}")
            for dr in range(cell.rowspan):
                for dc in range(cell.colspan):
                    cover[(r + dr, c + dc)] = (cell, (r, c))
            c += cell.colspan
    return cover


def grid(table: Table) -> list[list[str]]:
    """The table as rows of grid cells: a merged cell's text once, '' in the rest of its span."""
    out = [[""] * table.width for _ in table.rows]
    for (r, c), (cell, start) in covering(table).items():
        if (r, c) == start:
            out[r][c] = cell.text
    return out


def _fmt_number(v: int | float | None, blanks: str, signed: bool = False) -> str:
    if v is None:
        return ""
    if v == 0:
        return blanks
    s = f"{v:.4f}".rstrip("0").rstrip(".") if isinstance(v, float) and not v.is_integer() else str(int(v))
    return f"+{s}" if signed and v > 0 else s


_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
_S3_LABELS = {
    "new": "一、本年新收政府信息公开申请数量",
    "carried_in": "二、上年结转政府信息公开申请数量",
    "granted": "（一）予以公开",
    "partial": "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
    "denied": "（三）不予公开",
    "denied.state_secret": "1.属于国家秘密",
    "denied.prohibited": "2.其他法律行政法规禁止公开",
    "denied.security": "3.危及“三安全一稳定”",
    "denied.third_party": "4.保护第三方合法权益",
    "denied.internal": "5.属于三类内部事务信息",
    "denied.process": "6.属于四类过程性信息",
    "denied.enforcement": "7.属于行政执法案卷",
    "denied.query": "8.属于行政查询事项",
    "unavailable": "（四）无法提供",
    "unavailable.not_held": "1.本机关不掌握相关政府信息",
    "unavailable.needs_making": "2.没有现成信息需要另行制作",
    "unavailable.unclear": "3.补正后申请内容仍不明确",
    "rejected": "（五）不予处理",
    "rejected.petition": "1.信访举报投诉类申请",
    "rejected.repeated": "2.重复申请",
    "rejected.publication": "3.要求提供公开出版物",
    "rejected.excessive": "4.无正当理由大量反复申请",
    "rejected.confirmation": "5.要求行政机关确认或重新出具已获取信息",
    "other": "（六）其他处理",
    "other.no_correction": "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
    "other.no_fee": "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
    "other.misc": "3.其他",
    "other.all": "（六）其他处理",
    "results_total": "（七）总计",
    "carried_out": "四、结转下年度继续办理",
}
_GROUP_SIZES = {"denied": len(DENIED), "unavailable": len(UNAVAILABLE), "rejected": len(REJECTED), "other": len(OTHER)}


def table2(figures: Figures, fmt: str, blanks: str) -> Table:
    def v(key: str, span: int = 1) -> C:
        return C(_fmt_number(figures.get(key), blanks, key in _SIGNED), colspan=span)

    rows: list[list[C]] = []
    if fmt == "2019":
        rows.append([C("第二十条第（一）项", 4)])
        rows.append([C("信息内容"), C("本年新制作数量"), C("本年新公开数量"), C("对外公开总数量")])
        for key, label in (("rules", "规章"), ("normative", "规范性文件")):
            rows.append([C(label), *(v(f"s2.v2019.{key}.{c}") for c in ("made", "published", "total_public"))])
        three = [C("信息内容"), C("上一年项目数量"), C("本年增/减"), C("处理决定数量")]
        rows.append([C("第二十条第（五）项", 4)])
        rows.append(list(three))
        rows.append([C("行政许可"), v("s2.v2019.licensing.prev"), v("s2.v2019.licensing.change"), v("s2.licensing")])
        rows.append([C("其他对外管理服务事项"), *(v(f"s2.v2019.other_services.{c}") for c in ("prev", "change", "decisions"))])
        rows.append([C("第二十条第（六）项", 4)])
        rows.append(list(three))
        for key, label in (("punishment", "行政处罚"), ("coercion", "行政强制")):
            rows.append([C(label), v(f"s2.v2019.{key}.prev"), v(f"s2.v2019.{key}.change"), v(f"s2.{key}")])
        rows.append([C("第二十条第（八）项", 4)])
        rows.append([C("信息内容"), C("上一年项目数量"), C("本年增/减", 2)])
        rows.append([C("行政事业性收费"), v("s2.v2019.fees.prev"), v("s2.v2019.fees.change", 2)])
        rows.append([C("第二十条第（九）项", 4)])
        rows.append([C("信息内容"), C("采购项目数量"), C("采购总金额", 2)])
        rows.append([C("政府集中采购"), v("s2.v2019.procurement.count"), v("s2.v2019.procurement.amount", 2)])
    else:
        rows.append([C("第二十条第（一）项", 4)])
        rows.append([C("信息内容"), C("本年制发件数"), C("本年废止件数"), C("现行有效件数")])
        for key, label in (("rules", "规章"), ("normative", "行政规范性文件")):
            rows.append([C(label), *(v(f"s2.{key}.{c}") for c in ("issued", "repealed", "in_force"))])
        for item, header, entries in (
            ("（五）", "本年处理决定数量", (("s2.licensing", "行政许可"),)),
            ("（六）", "本年处理决定数量", (("s2.punishment", "行政处罚"), ("s2.coercion", "行政强制"))),
            ("（八）", "本年收费金额（单位：万元）", (("s2.fees", "行政事业性收费"),)),
        ):
            rows.append([C(f"第二十条第{item}项", 4)])
            rows.append([C("信息内容"), C(header, 3)])
            for key, label in entries:
                rows.append([C(label), v(key, 3)])
    return Table(width=4, rows=rows, number=2)


def table3(figures: Figures, fmt: str, blanks: str, total_column: bool = True) -> Table:
    cols = S3_COLUMNS if total_column else S3_APPLICANT_COLUMNS
    width = 3 + len(cols)
    items = _items(fmt)
    header2 = [C("自然人", rowspan=2), C("法人或其他组织", 5)] + ([C("总计", rowspan=2)] if total_column else [])
    rows: list[list[C]] = [
        [C(_NOTE, 3, 3), C("申请人情况", len(cols))],
        header2,
        [C("商业企业"), C("科研机构"), C("社会公益组织"), C("法律服务机构"), C("其他")],
    ]

    def nums(row: str) -> list[C]:
        return [C(_fmt_number(figures.get(f"s3.{row}.{c}"), blanks)) for c in cols]

    rows.append([C(_S3_LABELS["new"], 3), *nums("new")])
    rows.append([C(_S3_LABELS["carried_in"], 3), *nums("carried_in")])
    seen_groups: set[str] = set()
    for i, item in enumerate(items):
        lead = [C("三、本年度办理结果", rowspan=len(items) + 1)] if i == 0 else []
        group = item.split(".")[0] if "." in item and item != S3_OTHER_2019 else None
        if group is None:
            rows.append([*lead, C(_S3_LABELS[item], 2), *nums(item)])
        elif group not in seen_groups:
            seen_groups.add(group)
            rows.append([*lead, C(_S3_LABELS[group], rowspan=_GROUP_SIZES[group]), C(_S3_LABELS[item]), *nums(item)])
        else:
            rows.append([*lead, C(_S3_LABELS[item]), *nums(item)])
    rows.append([C(_S3_LABELS["results_total"], 2), *nums("results_total")])
    rows.append([C(_S3_LABELS["carried_out"], 3), *nums("carried_out")])
    return Table(width=width, rows=rows, header_rows=3, number=3)


def table4(figures: Figures, blanks: str) -> Table:
    labels = ("结果维持", "结果纠正", "其他结果", "尚未审结", "总计")
    rows = [
        [C("行政复议", 5), C("行政诉讼", 10)],
        [*(C(x, rowspan=2) for x in labels), C("未经复议直接起诉", 5), C("复议后起诉", 5)],
        [C(x) for x in labels * 2],
        [C(_fmt_number(figures.get(f"s4.{g}.{o}"), blanks)) for g in S4_GROUPS for o in S4_OUTCOMES],
    ]
    return Table(width=15, rows=rows, header_rows=3, number=4)


_FILLER = (
    "进一步健全政府信息公开工作机制，明确责任分工，规范发布流程，坚持“公开为常态、不公开为例外”原则，"
    "围绕中心工作和群众关切，及时准确发布各类政府信息，持续提升政府信息公开的质量和实效。"
)


def blocks(agency: str, year: int, figures: Figures, *, fmt: str = "2021", total_column: bool = True,
           blanks: str = "0", fee_statement: bool = True, sections: tuple[int, ...] = (1, 2, 3, 4, 5, 6),
           narrative: bool = True, padding: int = 0) -> list[Block]:
    """The report as paragraphs and tables. padding: extra filler paragraphs in section 一."""
    if blanks not in BLANK_MARKERS:
        raise ValueError(f"blanks must be one of {BLANK_MARKERS}")
    notice = "国办公开办函〔2019〕60号" if fmt == "2019" else "国办公开办函〔2021〕30号"
    out: list[Block] = [
        Para(f"{agency}{year}年政府信息公开工作年度报告", "title"),
        Para(
            f"本报告根据《中华人民共和国政府信息公开条例》（以下简称《条例》）和{notice}文件要求编制。"
            "全文包括总体情况、主动公开政府信息情况、收到和处理政府信息公开申请情况、政府信息公开行政复议和行政诉讼情况、"
            "存在的主要问题及改进情况、其他需要报告的事项。"
            f"本报告中所列数据的统计期限自{year}年1月1日至{year}年12月31日。"
            f"本报告电子版可在{agency}门户网站下载。如对本报告有疑问，请与{agency}办公室联系。"
        ),
    ]
    new_total = figures.get("s3.new.total", 0)
    done = figures.get("s3.results_total.total", 0)
    carried = figures.get("s3.carried_out.total", 0)
    review = figures.get("s4.review.total", 0)
    suits = figures.get("s4.suit_direct.total", 0) + figures.get("s4.suit_after_review.total", 0)
    for no in sections:
        out.append(Para(_HEADINGS[no], "heading"))
        if no == 1:
            if narrative:
                out.append(Para("（一）主动公开", "subheading"))
                out.append(Para(
                    f"{year}年，{agency}认真贯彻落实《条例》，通过门户网站、政务新媒体等渠道主动公开政府信息，"
                    "及时发布政策文件、工作动态和通知公告，做好政策解读和回应关切。"
                ))
                out.append(Para("（二）依申请公开", "subheading"))
                if new_total:
                    out.append(Para(
                        f"全年共收到政府信息公开申请{new_total}件，办结{done}件，结转下年度继续办理{carried}件，"
                        "均在法定期限内答复。"
                    ))
                else:
                    out.append(Para(f"{year}年，本机关未收到政府信息公开申请。"))
                out.append(Para("（三）政府信息管理", "subheading"))
                out.append(Para("严格落实公开前保密审查和合法性审查，动态调整主动公开基本目录。"))
                out.append(Para("（四）政府信息公开平台建设", "subheading"))
                out.append(Para("持续优化门户网站政府信息公开专栏，规范栏目设置，提升检索和下载的便利性。"))
                out.append(Para("（五）监督保障", "subheading"))
                out.append(Para(
                    f"加强组织领导和培训考核。全年发生政府信息公开行政复议{review}件、行政诉讼{suits}件。"
                ))
            else:
                out.append(Para("本机关认真贯彻落实《条例》，扎实推进政府信息公开工作，现将有关情况报告如下。"))
            out.extend(Para(_FILLER) for _ in range(padding))
        elif no == 2:
            out.append(table2(figures, fmt, blanks))
        elif no == 3:
            out.append(table3(figures, fmt, blanks, total_column))
        elif no == 4:
            out.append(table4(figures, blanks))
        elif no == 5:
            out.append(Para("一是公开内容的深度和广度有待拓展；二是政策解读形式较为单一。"))
            out.append(Para("下一步，将进一步丰富公开内容，创新解读形式，加强业务培训，提升工作水平。"))
        elif no == 6:
            out.append(Para("本年度未收取信息处理费。" if fee_statement else "无其他需要报告的事项。"))
    return out


_HEADINGS = {
    1: "一、总体情况",
    2: "二、主动公开政府信息情况",
    3: "三、收到和处理政府信息公开申请情况",
    4: "四、政府信息公开行政复议、行政诉讼情况",
    5: "五、存在的主要问题及改进情况",
    6: "六、其他需要报告的事项",
}


# ---------------------------------------------------------------------------------------------
# Renderings.


def report_text(agency: str, year: int, figures: Figures, *, fmt: str = "2021", total_column: bool = True,
                blanks: str = "0", fee_statement: bool = True, sections: tuple[int, ...] = (1, 2, 3, 4, 5, 6),
                narrative: bool = True) -> str:
    """The report as text: one line per paragraph, one tab-separated line per table row."""
    lines: list[str] = []
    for b in blocks(agency, year, figures, fmt=fmt, total_column=total_column, blanks=blanks,
                    fee_statement=fee_statement, sections=sections, narrative=narrative):
        if isinstance(b, Para):
            lines.append(b.text)
        else:
            lines.extend("\t".join(row) for row in grid(b))
    return "\n".join(lines) + "\n"


def report_docx(agency: str, year: int, figures: Figures, *, fmt: str = "2021", total_column: bool = True,
                blanks: str = "0", fee_statement: bool = True, sections: tuple[int, ...] = (1, 2, 3, 4, 5, 6),
                narrative: bool = True, repeat_header: bool = True, padding: int = 0) -> bytes:
    """The report as a Word file with real tables laid out like the official template (merged cells).

    repeat_header: mark table 3's and 4's header rows to repeat at the top of each page.
    padding: extra filler paragraphs in section 一 (to push table 3 across a page break).
    """
    return docx_bytes(blocks(agency, year, figures, fmt=fmt, total_column=total_column, blanks=blanks,
                             fee_statement=fee_statement, sections=sections, narrative=narrative, padding=padding),
                      repeat_header=repeat_header)


def docx_bytes(report_blocks: list[Block], *, repeat_header: bool = True) -> bytes:
    """A Word file of blocks: paragraphs, and tables with their merged cells."""
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt, Twips

    doc = docx.Document()
    section = doc.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)
    section.left_margin = section.right_margin = Cm(2.2)
    section.top_margin = section.bottom_margin = Cm(2.2)
    normal = doc.styles["Normal"]
    normal.font.name = "宋体"
    normal.font.size = Pt(10.5)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "宋体")

    for b in report_blocks:
        if isinstance(b, Para):
            p = doc.add_paragraph()
            run = p.add_run(b.text)
            if b.kind == "title":
                p.alignment = WD_ALIGN_PARAGRAPH.CENTER
                run.bold = True
                run.font.size = Pt(16)
            elif b.kind in ("heading", "subheading"):
                run.bold = b.kind == "heading"
            else:
                p.paragraph_format.first_line_indent = Pt(21)
            continue
        table = doc.add_table(rows=len(b.rows), cols=b.width)
        table.style = "Table Grid"
        table.autofit = False
        unmerged = table._cells  # one walk of the grid: table.cell() walks it again on every call
        widths = _column_widths(b)
        for col, width in zip(table.columns, widths, strict=True):
            col.width = Twips(width)
        for i, tc in enumerate(unmerged):
            tc.width = Twips(widths[i % b.width])
        texts = grid(b)
        for r, row in enumerate(texts):
            for c, text in enumerate(row):
                if text:
                    unmerged[r * b.width + c].text = text
        # Merge after filling: merged cells keep the text of their first grid position only.
        taken = [[False] * b.width for _ in b.rows]
        for r, row in enumerate(b.rows):
            c = 0
            for cell in row:
                while taken[r][c]:
                    c += 1
                for dr in range(cell.rowspan):
                    for dc in range(cell.colspan):
                        taken[r + dr][c + dc] = True
                if cell.rowspan > 1 or cell.colspan > 1:
                    # Merged regions never overlap: each corner is still its own grid cell.
                    unmerged[r * b.width + c].merge(unmerged[(r + cell.rowspan - 1) * b.width + c + cell.colspan - 1])
                c += cell.colspan
        for tc in table._cells:
            for para in tc.paragraphs:
                for run in para.runs:
                    run.font.size = Pt(8 if b.number == 3 else 9)
        for r, tr in enumerate(table.rows):
            tr_pr = tr._tr.get_or_add_trPr()
            tr_pr.append(OxmlElement("w:cantSplit"))  # a row never breaks across pages
            if repeat_header and r < b.header_rows:
                tr_pr.append(OxmlElement("w:tblHeader"))
        doc.add_paragraph()
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def _column_widths(table: Table) -> list[int]:
    """Column widths in twips, in the proportions of the official template (16.6 cm of text width)."""
    if table.number == 3:
        return [754, 921, 3271] + [(9400 - 4946) // (table.width - 3)] * (table.width - 3)
    return [9400 // table.width] * table.width


_PAGE_HEAD = """<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta http-equiv="Content-Type" content="text/html; charset={charset}">
<title>{title}_政府信息公开</title>
<style>body {{ font-family: "宋体"; }} table {{ border-collapse: collapse; }} td {{ border: 1px solid #000; }}</style>
<script type="text/javascript">var siteId = "gov"; document.write("<p>统计代码</p>");</script>
</head>
<body>
<div class="nav"><a href="/">首页</a> &gt; <a href="/zwgk/">政府信息公开</a> &gt; <a href="/zwgk/ndbg/">年度报告</a></div>
<div class="article">
"""
_PAGE_TAIL = """</div>
<div class="footer">主办单位：{agency}　网站标识码：4107000001　<script>showVisits();</script></div>
</body>
</html>
"""


def report_html(agency: str, year: int, figures: Figures, *, fmt: str = "2021", total_column: bool = True,
                blanks: str = "0", fee_statement: bool = True, sections: tuple[int, ...] = (1, 2, 3, 4, 5, 6),
                narrative: bool = True, charset: str = "utf-8") -> str:
    """The report as a portal web page: navigation, script and footer around the article, tables with
    rowspan/colspan. charset is only declared in the page; encode the string with it."""
    return html_page(blocks(agency, year, figures, fmt=fmt, total_column=total_column, blanks=blanks,
                            fee_statement=fee_statement, sections=sections, narrative=narrative),
                     agency, f"{agency}{year}年政府信息公开工作年度报告", charset=charset)


def html_page(report_blocks: list[Block], agency: str, title: str, *, charset: str = "utf-8") -> str:
    """A portal web page of blocks: navigation, script and footer around the article."""
    esc = _html.escape
    parts = [_PAGE_HEAD.format(charset=charset, title=esc(title))]
    for b in report_blocks:
        if isinstance(b, Para):
            if b.kind == "title":
                parts.append(f"<h1>{esc(b.text)}</h1>\n")
            elif b.kind == "heading":
                parts.append(f'<p style="text-indent:2em"><strong>{esc(b.text)}</strong></p>\n')
            else:
                parts.append(f'<p style="text-indent:2em">{esc(b.text)}</p>\n')
            continue
        parts.append('<table border="1" cellspacing="0" cellpadding="0" width="100%">\n<tbody>\n')
        for row in b.rows:
            cells = []
            for cell in row:
                attrs = (f' colspan="{cell.colspan}"' if cell.colspan > 1 else "") + (
                    f' rowspan="{cell.rowspan}"' if cell.rowspan > 1 else "")
                cells.append(f"<td{attrs}><p>{esc(cell.text) if cell.text else '&nbsp;'}</p></td>")
            parts.append("<tr>" + "".join(cells) + "</tr>\n")
        parts.append("</tbody>\n</table>\n")
    parts.append(_PAGE_TAIL.format(agency=esc(agency)))
    return "".join(parts)
