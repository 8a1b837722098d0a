"""Report -> findings: every rule and finding code of FORMAT.md.

Arithmetic comes from reports.relations (the same relations the parser used to read ambiguous
cells). A relation is only checked when every figure it uses was read with certainty; cells the
engine could not read are reported as such (unreadable-cell), never as the report's error.
"""

from __future__ import annotations

from reports.model import (
    S3_COLUMN_LABELS,
    S3_ROW_LABELS,
    S3_ROWS,
    S4_GROUP_LABELS,
    SECTION_TITLES,
    Cell,
    Finding,
    Location,
    Report,
    key_label,
    key_section,
)
from reports.narrative import narrative_findings
from reports.parse import Parsed
from reports.relations import Relation

Number = int | float


def _fmt(v: Number | None) -> str:
    if v is None:
        return "—"
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return f"{v:g}" if isinstance(v, float) else str(v)


def _loc(report: Report, key: str, **extra: str | int | None) -> Location:
    c = report.cells.get(key)
    parts = key.split(".")
    section = key_section(key) if key.startswith("s") and key[1].isdigit() else None
    row = column = None
    if key.startswith("s3.") and len(parts) >= 3:
        row, column = ".".join(parts[1:-1]), parts[-1]
    elif key.startswith("s4."):
        row, column = parts[1], parts[2]
    args: dict = {"section": section, "row": row, "column": column, "key": key,
                  "page": c.page if c else None, "line": c.line if c else None}
    args.update(extra)
    return Location(**args)


def check_report(parsed: Parsed) -> list[Finding]:
    r = parsed.report
    out: list[Finding] = []
    out += _identity(r, parsed.year_from_period)
    out += _sections(parsed)
    out += _tables(parsed)
    out += _cells(r, {prefix for t in parsed.tables.values() for prefix in t.resolved})
    out += _arithmetic(parsed)
    out += narrative_findings(r)
    return out


def _identity(r: Report, year_from_period: bool) -> list[Finding]:
    out: list[Finding] = []
    if not r.agency:
        out.append(Finding("unknown-agency", "warning", "报告标题未写明是哪个机关的年度报告。",
                           "The report does not say which agency it covers.", Location()))
    if not r.year or year_from_period:  # a year known only from the statistics period: the title lacks it
        out.append(Finding("unknown-year", "warning", "报告标题未写明报告年度。",
                           "The report does not say which year it covers.", Location()))
    if r.year and r.year >= 2021 and r.format in ("2019", "pre-2019"):
        out.append(Finding("old-format", "warning",
                           f"{r.year}年度报告应使用2021年版格式（国办公开办函〔2021〕30号），本报告使用的是"
                           f"{'2019年试行' if r.format == '2019' else '2019年以前的'}格式。",
                           f"A report on {r.year} must use the 2021 format; this one uses the "
                           f"{'2019 trial' if r.format == '2019' else 'pre-2019'} layout.", Location(section=2)))
    return out


def _sections(p: Parsed) -> list[Finding]:
    r = p.report
    out: list[Finding] = []
    for s, (zh, en) in SECTION_TITLES.items():
        if s not in r.sections:
            out.append(Finding("missing-section", "error", f"缺少第{zh[0]}部分“{zh}”。",
                               f"Section {en} is missing.", Location(section=s), expected=zh))
    order = sorted(p.headings, key=lambda s: p.headings[s])
    if order != sorted(order):
        out.append(Finding("section-order", "warning",
                           "各部分顺序与规定格式不一致：" + "、".join(SECTION_TITLES[s][0][:1] for s in order) + "。",
                           "The sections are out of order: " + ", ".join(str(s) for s in order) + ".",
                           Location(), actual=order))
    return out


def _tables(p: Parsed) -> list[Finding]:
    r = p.report
    out: list[Finding] = []
    names = {2: ("主动公开政府信息情况表", "the proactive-disclosure table"),
             3: ("收到和处理政府信息公开申请情况表", "the applications table"),
             4: ("行政复议、行政诉讼情况表", "the review and lawsuit table")}
    for s in (2, 3, 4):
        if s not in r.tables_found:
            zh, en = names[s]
            out.append(Finding("missing-table", "error", f"第{SECTION_TITLES[s][0][0]}部分找不到{zh}。",
                               f"Section {s}: {en} cannot be found.", Location(section=s)))
    t3 = p.tables.get(3)
    if t3 and t3.found:
        if t3.has_total is False:
            out.append(Finding("missing-total-column", "warning", "第三部分表格缺少“总计”列。",
                               "Table 3 has no total column.", Location(section=3, column="total")))
        expected_rows = [x for x in S3_ROWS if not (r.format == "2019" and x.startswith("other."))]
        if r.format == "2019":
            expected_rows.insert(expected_rows.index("results_total"), "other.all")
        for row in expected_rows:
            if row not in t3.rows:
                out.append(Finding("missing-row", "warning",
                                   f"第三部分表格找不到“{S3_ROW_LABELS[row][0]}”这一行。",
                                   f"Table 3: the row '{S3_ROW_LABELS[row][1]}' cannot be found.",
                                   Location(section=3, row=row)))
        for code, raw in t3.notes:
            if code == "duplicate-row":
                out.append(Finding("duplicate-row", "warning",
                                   f"第三部分表格中这一行重复出现：{raw.raw}",
                                   f"Table 3: this row appears twice: {raw.raw}",
                                   Location(section=3, page=raw.page, line=raw.line), raw=raw.raw))
            if code == "unmatched-row":
                out.append(Finding("unreadable-row", "warning",
                                   f"第三部分表格有一行无法识别是哪一项：{raw.raw}",
                                   f"Table 3: a row could not be matched to the format: {raw.raw}",
                                   Location(section=3, page=raw.page, line=raw.line), raw=raw.raw))
    for s in r.tables_found:
        keys = [k for k in r.cells if key_section(k) == s and not k.startswith("s3.sub.")]
        if not any(r.cells[k].status in ("read", "marker", "blank", "derived") for k in keys):
            zh, en = names[s]
            out.append(Finding("missing-table", "error",
                               f"第{SECTION_TITLES[s][0][0]}部分找到了{zh}，但其中没有一个数字能够读取。",
                               f"Section {s}: {en} was found, but none of its figures could be read.",
                               Location(section=s)))
    for s in (2, 3, 4):
        keys = [k for k in r.cells if key_section(k) == s and not k.startswith("s3.sub.")]
        if keys and all(r.cells[k].status == "blank" for k in keys):
            out.append(Finding("empty-table", "error", f"第{SECTION_TITLES[s][0][0]}部分表格全部为空，没有填写任何数字。",
                               f"Table {s} is empty: no figure is filled in.", Location(section=s)))
    return out


def _cells(r: Report, resolved: set[str]) -> list[Finding]:
    out: list[Finding] = []
    derived: dict[str, list[str]] = {}
    empty_tables = {key_section(k) for k in r.cells} - {
        key_section(k) for k, c in r.cells.items() if c.status != "blank"}
    for key, c in r.cells.items():
        if key.startswith("s3.sub.") or key_section(key) in empty_tables:
            continue
        zh, en = key_label(key, "zh"), key_label(key, "en")
        loc = _loc(r, key)
        if c.status == "blank":
            if key.endswith(".total") and r.has_total_column is False:
                continue
            out.append(Finding("blank-cell", "warning", f"“{zh}”未填写（按0计算）。",
                               f"'{en}' is blank (counted as 0).", loc))
        elif c.status == "marker":
            out.append(Finding("zero-marker", "info", f"“{zh}”填写为“{c.raw.strip()}”，按0计算；应填写数字0。",
                               f"'{en}' holds '{c.raw.strip()}', read as 0; write the number 0.", loc, raw=c.raw))
        elif c.status == "text":
            out.append(Finding("not-a-number", "error", f"“{zh}”填写的“{c.raw.strip()}”不是数字。",
                               f"'{en}' holds '{c.raw.strip()}', which is not a number.", loc, raw=c.raw))
        elif c.status == "unreadable":
            out.append(Finding("unreadable-cell", "warning",
                               f"无法确定“{zh}”的数值（原文：{c.raw or '未找到'}），相关校验已跳过。",
                               f"Could not read '{en}' with certainty (text: {c.raw or 'not found'}); "
                               "checks that use it were skipped.", loc, raw=c.raw or None))
        elif c.status == "derived":
            derived.setdefault(key.rsplit(".", 1)[0], []).append(key)
        if c.value is not None and c.value < 0 and not key.startswith("s2.v2019."):
            out.append(Finding("negative", "error", f"“{zh}”为负数（{_fmt(c.value)}）。",
                               f"'{en}' is negative ({_fmt(c.value)}).", loc, actual=c.value))
        if (c.value is not None and isinstance(c.value, float) and not c.value.is_integer()
                and key != "s2.fees" and not key.startswith("s2.v2019.")):
            out.append(Finding("not-a-number", "error", f"“{zh}”应为整数（{_fmt(c.value)}）。",
                               f"'{en}' must be a whole number ({_fmt(c.value)}).", loc, actual=c.value))
    for prefix in resolved:
        keys = [k for k in r.cells if k.rsplit(".", 1)[0] == prefix]
        if keys and prefix not in derived and all(r.cells[k].status in ("read", "marker", "blank") for k in keys):
            derived[prefix] = keys  # read one of several ways: say which, with the values chosen
    for prefix, keys in sorted(derived.items(), key=lambda kv: (r.cells[kv[1][0]].line or 0, kv[0])):
        # One finding per row: the cells the text lost and the arithmetic restored.
        c = r.cells[keys[0]]
        zh_row, en_row = key_label(keys[0], "zh").split(" / ")[0], key_label(keys[0], "en").split(", ")[0]
        vals = {k.rsplit(".", 1)[1]: r.cells[k].value for k in keys}
        zh_cols = "、".join(f"{_col(col, 'zh')}={_fmt(v)}" for col, v in vals.items())
        en_cols = ", ".join(f"{_col(col, 'en')} = {_fmt(v)}" for col, v in vals.items())
        out.append(Finding("inferred-cell", "info",
                           f"“{zh_row}”行有单元格在原文中缺失或数字连在一起，已按表内勾稽关系推定：{zh_cols}。",
                           f"Row '{en_row}': cells are missing or run together in the text; the table's "
                           f"arithmetic gives {en_cols}.",
                           Location(section=key_section(keys[0]), row=prefix.split(".", 1)[1], page=c.page,
                                    line=c.line), expected=vals))
    return out


def _arith_value(c: Cell | None) -> Number | None:
    if c is None:
        return None
    if c.status in ("blank", "marker"):
        return c.value or 0
    if c.status in ("read", "derived"):
        return c.value
    return None


def _arithmetic(p: Parsed) -> list[Finding]:
    r = p.report
    out: list[Finding] = []
    for s, rels in sorted(p.relations.items()):
        unchecked: list[Relation] = []
        for rel in rels:
            vals = [_arith_value(r.cells.get(k)) for k in rel.keys]
            if any(v is None for v in vals):
                unchecked.append(rel)
                continue
            lhs = sum(vals[: len(rel.lhs)])  # type: ignore[arg-type]
            rhs = sum(vals[len(rel.lhs):])  # type: ignore[arg-type]
            if abs(lhs - rhs) < 1e-6:
                continue
            out.append(_relation_finding(r, rel, lhs, rhs))
        if unchecked:
            out.append(_unchecked_finding(r, s, unchecked))
    return out


def _unchecked_finding(r: Report, section: int, rels: list[Relation]) -> Finding:
    """A table whose arithmetic could not all be checked does not pass: say which checks and why."""
    cells = sorted({k for rel in rels for k in rel.keys if _arith_value(r.cells.get(k)) is None})
    rows = sorted({".".join(k.split(".")[1:-1]) for k in cells})
    zh_rows = "、".join(S3_ROW_LABELS.get(x, (x, x))[0] if section == 3 else S4_GROUP_LABELS.get(x, (x, x))[0]
                       for x in rows[:6]) + ("等" if len(rows) > 6 else "")
    en_rows = ", ".join(S3_ROW_LABELS.get(x, (x, x))[1] if section == 3 else S4_GROUP_LABELS.get(x, (x, x))[1]
                        for x in rows[:6]) + (" and more" if len(rows) > 6 else "")
    zh = (f"第{SECTION_TITLES[section][0][0]}部分表格有{len(cells)}个单元格无法读取或找不到（{zh_rows}），"
          f"其中{len(rels)}项勾稽关系未能校验，因此不能判定为通过。请核对这些单元格，或发送报告的 Word/PDF 原件。")
    en = (f"Table {section}: {len(cells)} cells could not be read or found ({en_rows}), so {len(rels)} of its "
          "checks could not be made and the report cannot pass. Check those cells, or send the report's "
          "Word/PDF original.")
    return Finding("unchecked-relation", "error", zh, en, Location(section=section), actual=len(rels))


def _col(c: str | None, lang: str) -> str:
    return S3_COLUMN_LABELS[c][0 if lang == "zh" else 1] if c in S3_COLUMN_LABELS else (c or "")


def _relation_finding(r: Report, rel: Relation, lhs: Number, rhs: Number) -> Finding:
    diff = _fmt(abs(lhs - rhs))
    L, R = _fmt(lhs), _fmt(rhs)
    first = r.cells.get(rel.lhs[0])
    loc = Location(section=rel.section, row=rel.row, column=rel.column, key=rel.lhs[0] if len(rel.lhs) == 1 else None,
                   page=first.page if first else None, line=first.line if first else None)
    if rel.code == "column-balance":
        zh = f"第三部分表格“{_col(rel.column, 'zh')}”列：第一项+第二项={L}，第三项+第四项={R}，相差{diff}。"
        en = (f"Table 3, column '{_col(rel.column, 'en')}': items 1+2 = {L}, items 3+4 = {R}, "
              f"difference {diff}.")
        return Finding(rel.code, "error", zh, en, loc, expected=lhs, actual=rhs, rests_on=rel.keys)
    if rel.code == "results-total":
        zh = (f"第三部分表格“{_col(rel.column, 'zh')}”列：（七）总计为{L}，但各项办理结果之和为{R}，相差{diff}。")
        en = (f"Table 3, column '{_col(rel.column, 'en')}': the results total is {L} but the results add up "
              f"to {R}, difference {diff}.")
        return Finding(rel.code, "error", zh, en, loc, expected=rhs, actual=lhs, rests_on=rel.keys)
    if rel.code == "row-total":
        row = rel.row or ""
        label_zh = S3_ROW_LABELS.get(row, (row, row))[0] if not row.startswith("sub.") else f"{row[4:]}小计"
        label_en = S3_ROW_LABELS.get(row, (row, row))[1] if not row.startswith("sub.") else f"{row[4:]} subtotal"
        zh = f"第三部分表格“{label_zh}”行：总计为{L}，但各类申请人之和为{R}，相差{diff}。"
        en = f"Table 3, row '{label_en}': the total is {L} but the applicant columns add up to {R}, difference {diff}."
        return Finding(rel.code, "error", zh, en, loc, expected=rhs, actual=lhs, rests_on=rel.keys)
    if rel.code == "appeal-total":
        g = rel.row or ""
        zh = f"第四部分表格“{S4_GROUP_LABELS[g][0]}”：总计为{L}，但维持、纠正、其他、尚未审结之和为{R}，相差{diff}。"
        en = (f"Table 4, '{S4_GROUP_LABELS[g][1]}': the total is {L} but upheld + corrected + other + pending = "
              f"{R}, difference {diff}.")
        return Finding(rel.code, "error", zh, en, loc, expected=rhs, actual=lhs, rests_on=rel.keys)
    # subtotal-mismatch
    g = (rel.row or "sub.")[4:]
    zh = f"第三部分表格“{g}”小计行“{_col(rel.column, 'zh')}”列为{L}，但其各项之和为{R}，相差{diff}。"
    en = f"Table 3, the {g} subtotal in column '{_col(rel.column, 'en')}' is {L} but its items add up to {R}."
    return Finding(rel.code, "error", zh, en, loc, expected=rhs, actual=lhs, rests_on=rel.keys)

