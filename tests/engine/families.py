"""Layout families: the same true figures rendered the many ways real reports reach the engine.

A *figure set* is one report's true figures (every key of its format, balanced by FORMAT.md rules
1–4), its agency and year, and which zero cells the report leaves blank. The sets are the samples of
../shared/samples (the three full readings, and the partial ones completed consistently with the
arithmetic) and random sets from tests/docgen.py (zeros, blanks, large numbers, the 2019 format).

A *family* renders a set as a complete report file (title with agency and year, the six sections
with narrative, tables 2, 3 and 4), with seeded random variation inside the family: spacing, "、" /
"." / "．" after item numbers, half- or full-width brackets, CRLF or LF, label variants of real
reports (其他法律法规禁止公开, 部分公开 without its note, 社会公益 …), zero markers (— - 无 /),
page furniture and site navigation around the text. Families (issue 9):

| family | what it is |
| --- | --- |
| tabs | text, one tab-separated line per table row (blanks keep their place) — the base family |
| lines | plain lines, a table row's cells separated by spaces; blank cells written as a zero marker |
| commas | a crawl that joined a row's label and cells with "，", "、" or "；" ("规章，0，0，3"); blank cells as 0 |
| html | a portal page with rowspan/colspan tables and &nbsp; for blank cells, UTF-8 or GBK, the title now and then only in <title>; in half of them rows that disagree on the grid (a value spread over two grid columns, its header not) |
| numbered | 1: headings （一）…（六）, sub-items "1." / "1、" in section 一 ("2、依申请公开") |
| portal | 2: a page rendered as text, one cell per line, CRLF, header words split over lines ("商\\n业\\n企\\n业"), "1." alone before "属于国家秘密", blank cells as lines holding a space |
| dropped | 3: a crawl where blank and zero cells vanished: "46 0 46" for a seven-column row, an all-zero row (and an all-zero table 四) as one "0" |
| oneline | 4: the whole report on one line, table cells glued with no separator ("…申请数量801000081二、上年结转…"), now and then a space between two cells |
| markdown | 5: converter/OCR markdown: pipe tables, a "### （一）予以公开" sub-heading before each row, headers 数据1…数据6, a stray header row, labels detached from numbers |
| split | 6: page text, one cell per line, numbers split over two lines ("1" then "62" for 162) |
| titles | 7: title variants: a crawler's "标题：" line, "2024 年…政府信息公开工作" / "年度报告" on two lines (year before the agency), 发布机构 lines, no year in the title (the statistics period has it) |
| docx | 8: Word (.docx bytes): vertical group labels, table 3 continued in a second table under a repeated header, section 二 split into four small tables, label variants, rows that disagree on the grid (as html) |
| pdf | 8: a PDF written byte by byte (tests/fixtures/pdf/make_fixtures.py): ruled tables, vertical group labels drawn one character per line, header repeated on the next page |

`render(family, figure_set, seed)` gives a `Rendering`: the file's bytes and name, and the truth a
correct reading gives — every figure key, None where the report has no such cell or leaves it blank.
Families that lose the difference between a blank and a zero (dropped, oneline, lines) expect 0 for
a blank cell. `unknowable` holds keys the rendering itself leaves undetermined (glued table 2 cells
with no arithmetic to split them; rows of glued or split numbers that can be read more than one way
that adds up, as tests/engine/glued.py finds them; table 2's last row followed by a bare page
number, one cell per line): a reading may leave them null, never give them a wrong value.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from reports.model import (
    S3_APPLICANT_COLUMNS,
    S3_COLUMNS,
    S4_GROUPS,
    S4_OUTCOMES,
)
from tests.docgen import (
    V2019_KEYS,
    Block,
    C,
    Figures,
    Para,
    Table,
    blocks,
    covering,
    docx_bytes,
    expected_figures,
    grid,
    html_page,
    make_figures,
    s3_rows,
)
from tests.engine.glued import digits, row_unknowable, table3_unknowable, table4_unknowable
from tests.engine.helpers import SAMPLES

Number = int | float
Truth = dict[str, Number | None]

# ---------------------------------------------------------------------------------------------
# Figure sets.


@dataclass(frozen=True)
class FigureSet:
    name: str
    agency: str
    year: int
    fmt: str  # "2021" or "2019"
    figures: Figures  # every figure key of the format, balanced
    blank: frozenset[str] = frozenset()  # zero cells the report leaves blank
    total_column: bool = True


# Totals the narrative states: never blank (docgen writes them into the text).
_NARRATIVE = frozenset({"s3.new.total", "s3.results_total.total", "s3.carried_out.total",
                        *(f"s4.{g}.total" for g in S4_GROUPS)})
FULL_SAMPLES = ("huaian-2024", "lingbao-2023", "xinxiang-2023")
PARTIAL_SAMPLES = ("pingtan-2019", "pingtan-2022", "shanghai-gov-office-2025", "shanghai-stcsm-2024",
                   "shuyang-2025", "shuyang-fgj-2023")
AGENCIES = ("示例市工业和信息化局", "示例县人民政府", "示例区教育局", "示例市生态环境局", "示例镇人民政府",
            "示例市自然资源和规划局", "示例自治州民族宗教事务委员会")


def _split(total: int, weights: list[float], rng: random.Random) -> list[int]:
    """Non-negative integers in roughly these proportions that add up to total."""
    s = sum(weights)
    if total == 0 or s == 0:
        return [0] * len(weights)
    parts = [int(total * w / s) for w in weights]
    parts[max(range(len(weights)), key=lambda i: weights[i] * (1 + rng.random()))] += total - sum(parts)
    return parts


def complete(known: dict[str, Number], fmt: str, seed: int) -> Figures:
    """Every figure of the format, consistent with rules 1–4, keeping the known ones (the totals
    column of table 3, table 4's group totals and any table 2 cells)."""
    rng = random.Random(seed)
    base = make_figures(seed, year_format=fmt)
    fig: Figures = {k: v for k, v in base.items() if k.startswith("s2.")}
    fig.update({k: v for k, v in known.items() if k.startswith("s2.")})
    t = {row: known.get(f"s3.{row}.total") for row in ("new", "carried_in", "results_total", "carried_out")}
    if t["carried_out"] is None and None not in (t["new"], t["carried_in"], t["results_total"]):
        t["carried_out"] = t["new"] + t["carried_in"] - t["results_total"]
    rt = int(t["results_total"] if t["results_total"] is not None else rng.randint(0, 40))
    co = int(t["carried_out"] if t["carried_out"] is not None else rng.randint(0, 3))
    ci = int(t["carried_in"] if t["carried_in"] is not None else min(rng.randint(0, 3), rt + co))
    rows = s3_rows(fmt)
    items = rows[2:-2]
    granted = int(known.get("s3.granted.total", rng.randint(0, rt)))
    rest = rt - granted
    others = [r for r in items if r != "granted"]
    item_total = dict(zip(others, _split(rest, [rng.random() ** 3 if rng.random() < 0.5 else 0 for _ in others]
                                         or [1.0], rng), strict=True))
    if rest and not any(item_total.values()):
        item_total["partial"] = rest
    item_total["granted"] = granted
    col_w = [8.0, 2.0, 0.3, 0.3, 1.0, 0.6]
    per_col: dict[str, list[int]] = {r: _split(item_total[r], [w * rng.random() for w in col_w], rng) for r in items}
    rt_c = [sum(per_col[r][i] for r in items) for i in range(6)]
    co_c = _split(co, [w * rng.random() for w in col_w], rng)
    cap = [rt_c[i] + co_c[i] for i in range(6)]
    ci_c = [min(cap[i], x) for i, x in enumerate(_split(ci, col_w, rng))]
    left = ci - sum(ci_c)
    for i in range(6):
        take = min(left, cap[i] - ci_c[i])
        ci_c[i] += take
        left -= take
    per_col.update(results_total=rt_c, carried_out=co_c, carried_in=ci_c,
                   new=[cap[i] - ci_c[i] for i in range(6)])
    for row in rows:
        for i, col in enumerate(S3_APPLICANT_COLUMNS):
            fig[f"s3.{row}.{col}"] = per_col[row][i]
        fig[f"s3.{row}.total"] = sum(per_col[row])
    for g in S4_GROUPS:
        total = int(known.get(f"s4.{g}.total", base[f"s4.{g}.total"]))
        parts = _split(total, [rng.random() ** 2 for _ in range(4)], rng)
        for o, v in zip(S4_OUTCOMES, [*parts, total], strict=True):
            fig[f"s4.{g}.{o}"] = v
    for k, v in known.items():  # the known figures must have survived
        if fig.get(k) != v:
            raise ValueError(f"cannot complete {k}={v} (got {fig.get(k)})")
    return fig


def sample_sets() -> list[FigureSet]:
    """The samples' true figures: the full readings as they are, the partial ones completed."""
    out: list[FigureSet] = []
    for i, name in enumerate(FULL_SAMPLES + PARTIAL_SAMPLES):
        path = SAMPLES / f"{name}.expected.json"
        if not path.exists():
            continue
        exp = json.loads(path.read_text(encoding="utf-8"))
        fmt = exp.get("format") or ("2019" if exp["year"] < 2021 else "2021")
        known = {k: v for k, v in exp["figures"].items() if v is not None}
        has_total = any(k.endswith(".total") and k.startswith("s3.") for k in known)
        if name in FULL_SAMPLES:
            fig = dict(known)
            for row in s3_rows(fmt):
                fig[f"s3.{row}.total"] = sum(fig[f"s3.{row}.{c}"] for c in S3_APPLICANT_COLUMNS)
        else:
            fig = complete(known, fmt, seed=1000 + i)
        out.append(FigureSet(name, exp["agency"], exp["year"], fmt, fig, total_column=has_total))
    return out


def random_set(seed: int, kind: str = "plain") -> FigureSet:
    """A random balanced set. kind: plain (with some blank zero cells), zero (no applications,
    reviews or lawsuits), large (six- and seven-digit figures), v2019 (the 2019 format)."""
    rng = random.Random(seed)
    fmt = "2019" if kind == "v2019" else "2021"
    fig = make_figures(seed, zero=kind == "zero", year_format=fmt)
    if kind == "large":
        k = rng.randint(40, 400)
        fig = {key: (v * k if key.startswith(("s3.", "s4.")) else v) for key, v in fig.items()}
        for key in ("s2.licensing", "s2.punishment", "s2.coercion"):
            fig[key] = rng.randint(10_000, 4_000_000)
        fig["s2.fees"] = round(rng.uniform(1000, 99999), 2)
    blank: frozenset[str] = frozenset()
    if kind == "plain":
        zeros = sorted(k for k, v in fig.items() if v == 0 and k not in _NARRATIVE)
        blank = frozenset(rng.sample(zeros, len(zeros) // 3))
    year = rng.choice((2019, 2020)) if fmt == "2019" else rng.randint(2021, 2025)
    return FigureSet(f"{kind}-{seed}", rng.choice(AGENCIES), year, fmt, fig, blank)


def figure_sets(random_seeds: tuple[int, ...] = (11,)) -> list[FigureSet]:
    """Every sample set, and one random set of each kind per seed."""
    out = sample_sets()
    for seed in random_seeds:
        out += [random_set(seed, kind) for kind in ("plain", "zero", "large", "v2019")]
    return out


# ---------------------------------------------------------------------------------------------
# Renderings.


@dataclass
class Rendering:
    family: str
    data: bytes
    filename: str
    agency: str
    year: int
    truth: Truth
    unknowable: frozenset[str] = field(default_factory=frozenset)
    blank: frozenset[str] = field(default_factory=frozenset)  # the set's blank cells
    # The values behind every cell, those the report leaves blank (0) or lacks (a 总计 column not
    # printed) included: a reading may give such a cell its value, never another.
    values: Figures = field(default_factory=dict)


def truth_of(fs: FigureSet, *, blanks_kept: bool = True) -> Truth:
    """What a correct reading gives: every key; a blank cell None (or 0 where the layout lost it)."""
    out = expected_figures(fs.figures, fmt=fs.fmt, total_column=fs.total_column)
    for k in fs.blank:
        if k in out and out[k] is not None:
            out[k] = None if blanks_kept else 0
    return out


def report_blocks(fs: FigureSet) -> list[Block]:
    fig: dict = {k: (None if k in fs.blank else v) for k, v in fs.figures.items()}
    return blocks(fs.agency, fs.year, fig, fmt=fs.fmt, total_column=fs.total_column)


# Label variants of real reports, each (pattern, choices); one choice per report.
_LABEL_VARIANTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("其他法律行政法规禁止公开", ("其他法律行政法规禁止公开", "其他法律法规禁止公开", "其他法律、行政法规禁止公开")),
    ("部分公开（区分处理的，只计这一情形，不计其他情形）",
     ("部分公开（区分处理的，只计这一情形，不计其他情形）", "部分公开", "部分公开(区分处理的,只计这一情形,不计其他情形)")),
    ("危及“三安全一稳定”", ("危及“三安全一稳定”", '危及"三安全一稳定"', "危及三安全一稳定")),
    ("社会公益组织", ("社会公益组织", "社会公益")),
    ("本年收费金额（单位：万元）", ("本年收费金额（单位：万元）", "本年收费金额(单位:万元)", "本年收费金额（万元）")),
)
# Variants met later: drawn from their own generator (seeded by the main one's state, which it leaves
# as it is), so that adding them changes no earlier rendering (the OCR fixtures are renderings).
_MORE_LABEL_VARIANTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("本年新收政府信息公开申请数量", ("本年新收政府信息公开申请数量", "本年度新收政府信息公开申请数量")),
    ("上年结转政府信息公开申请数量", ("上年结转政府信息公开申请数量", "上年度结转政府信息公开申请数量")),
    ("结转下年度继续办理", ("结转下年度继续办理", "结转下一年度继续办理", "结转至下年度继续办理")),
    ("信访举报投诉类申请", ("信访举报投诉类申请", "信访、举报、投诉类申请")),
    ("（七）总计", ("（七）总计", "（七）合计")),
)
_ITEM_NO = re.compile(r"^(\d)\.")
ZERO_MARKERS = ("—", "-", "无", "/")
_FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


@dataclass
class Style:
    """One report's random choices inside a family."""

    item_sep: str  # after an item number: "." "、" "．" ". "
    half_brackets: bool
    labels: dict[str, str]
    marker_odds: float  # chance that a zero cell is written as a zero marker
    marker: str
    crlf: bool
    space_odds: float = 0.0  # chance of a stray space inside a label
    fullwidth: bool = False  # digits written full-width (０-９)
    thousands: bool = False  # 1,234 for numbers of four digits and more

    @classmethod
    def draw(cls, rng: random.Random, *, markers: bool = True, fancy_numbers: bool = False) -> Style:
        more = random.Random(repr(rng.getstate()[1]))
        style = cls(
            item_sep=rng.choice((".", "、", "．", ". ")),
            half_brackets=rng.random() < 0.3,
            labels={pat: rng.choice(choices) for pat, choices in _LABEL_VARIANTS},
            marker_odds=rng.choice((0.0, 0.0, 0.3, 1.0)) if markers else 0.0,
            marker=rng.choice(ZERO_MARKERS),
            crlf=rng.random() < 0.4,
            space_odds=rng.choice((0.0, 0.0, 0.1)),
            fullwidth=fancy_numbers and rng.random() < 0.15,
            thousands=fancy_numbers and rng.random() < 0.3,
        )
        style.labels.update({pat: more.choice(choices) for pat, choices in _MORE_LABEL_VARIANTS})
        return style

    def label(self, text: str, rng: random.Random | None = None) -> str:
        for pat, choice in self.labels.items():
            text = text.replace(pat, choice)
        text = _ITEM_NO.sub(lambda m: m.group(1) + self.item_sep, text)
        if self.half_brackets:
            text = re.sub(r"（([一二三四五六七八])）", r"(\1)", text)
        if rng is not None and len(text) > 4 and "\n" not in text and rng.random() < self.space_odds:
            cut = rng.randint(3, len(text) - 1)
            text = text[:cut] + " " + text[cut:]
        return text

    def number(self, text: str, rng: random.Random) -> str:
        if text == "0" and rng.random() < self.marker_odds:
            return self.marker
        if self.thousands and text.isdigit() and len(text) > 3:
            text = f"{int(text):,}"
        if self.fullwidth:
            text = text.translate(_FULLWIDTH)
        return text


def _is_number(text: str) -> bool:
    return bool(re.fullmatch(r"[+-]?\d+(?:\.\d+)?", text))


def styled(bl: list[Block], st: Style, rng: random.Random) -> list[Block]:
    """Blocks with the style's label variants and zero markers (table cells only)."""
    out: list[Block] = []
    for b in bl:
        if isinstance(b, Table):
            rows = [[replace(c, text=st.number(c.text, rng) if _is_number(c.text) else st.label(c.text, rng))
                     for c in row]
                    for row in b.rows]
            out.append(replace(b, rows=rows))
        else:
            out.append(b)
    return out


def _join(lines: list[str], crlf: bool) -> bytes:
    return ("\r\n" if crlf else "\n").join(lines).encode("utf-8") + (b"\r\n" if crlf else b"\n")


_NAV = ("首页", "政务公开", "政府信息公开", "政府信息公开年报", "当前位置：首页 > 政府信息公开 > 政府信息公开年报")
_FOOT = ("【打印本页】【关闭窗口】", "主办单位：{agency}", "网站标识码：3213220001 苏ICP备05012315号", "技术支持：大汉网络")


def _furniture(rng: random.Random, page: int) -> str:
    return rng.choice((f"— {page} —", f"- {page} -", f"第 {page} 页 共 8 页", f"{page}"))


def _text_lines(bl: list[Block], row_text: Callable[[Table], list[str]], rng: random.Random,
                furniture: bool = True, bare_after: list[Block] | None = None) -> list[str]:
    """Paragraphs one per line, tables as row_text gives them, page furniture between blocks
    (`bare_after` gets the blocks followed by a page number that is a bare number)."""
    lines: list[str] = []
    page = 1
    for b in bl:
        if isinstance(b, Para):
            lines.append(b.text)
        else:
            lines.extend(row_text(b))
        if furniture and rng.random() < 0.08:
            page += 1
            lines.append(_furniture(rng, page))
            if bare_after is not None and lines[-1].isdigit():
                bare_after.append(b)
    return lines


def _tab_rows(t: Table) -> list[str]:
    return ["\t".join(row) for row in grid(t)]


def _space_rows(t: Table) -> list[str]:
    return [" ".join(c.text for c in row if c.text) for row in t.rows]


def _cells(t: Table) -> list[str]:
    return [c.text for row in t.rows for c in row]


def render_tabs(fs: FigureSet, rng: random.Random) -> Rendering:
    st = Style.draw(rng, fancy_numbers=True)
    odds = rng.choice((0.0, 0.05))

    def rows(t: Table) -> list[str]:  # a page's foot and head can fall between two rows
        out: list[str] = []
        for line in _tab_rows(t):
            out.append(line)
            if rng.random() < odds:
                out.append(f"第 {rng.randint(2, 7)} 页 共 8 页")
        return out

    lines = _text_lines(styled(report_blocks(fs), st, rng), rows, rng)
    return Rendering("tabs", _join(lines, st.crlf), "report.txt", fs.agency, fs.year, truth_of(fs))


def render_lines(fs: FigureSet, rng: random.Random) -> Rendering:
    st = Style.draw(rng, fancy_numbers=True)
    st.marker_odds = max(st.marker_odds, 0.2)
    lines = _text_lines(styled(report_blocks(replace(fs, blank=frozenset())), st, rng), _space_rows, rng)
    return Rendering("lines", _join(lines, st.crlf), "report.txt", fs.agency, fs.year,
                     truth_of(fs, blanks_kept=False))


def irregular(t: Table, rng: random.Random, lines: int) -> Table:
    """The table as Word or a portal editor leaves it when its rows disagree on the grid: `lines`
    new grid lines drawn inside the value columns, and in each row the cell on one side or the
    other of a new line (chosen at random, header rows alike) spreads over the sliver it makes, so a
    value may cover two grid columns and a row's header above it may not."""
    for _ in range(lines):
        cover = covering(t)  # position -> (cell, where it starts): a cell is known by its start
        starts = [c for (r, c), (cell, _) in cover.items() if _is_number(cell.text.replace(",", ""))]
        if not starts:
            return t
        j = rng.randrange(min(starts), t.width)  # the new line goes right of grid column j
        rows_of: dict[tuple[int, int], set[int]] = {}
        for (r, _), (_, start) in cover.items():
            rows_of.setdefault(start, set()).add(r)
        wide: set[tuple[int, int]] = set()
        done: set[int] = set()  # rows whose sliver is covered
        for r in range(len(t.rows)):
            if r in done:
                continue
            left, right = cover[(r, j)][1], cover[(r, j + 1)][1] if (r, j + 1) in cover else None
            sides = [left] if left == right or right is None else [left, right]
            # a cell across the new line covers the sliver; else one side whose rows are all open
            pick = rng.choice([c for c in sides if not rows_of[c] & done])
            wide.add(pick)
            done |= rows_of[pick]
        rows = [[replace(c, colspan=c.colspan + 1) if start in wide else c
                 for c, start in zip(row, _starts(cover, r, len(row)), strict=True)] for r, row in enumerate(t.rows)]
        t = replace(t, width=t.width + 1, rows=rows)
    return t


def _starts(cover: dict[tuple[int, int], tuple[C, tuple[int, int]]], r: int, n: int) -> list[tuple[int, int]]:
    """Where the `n` cells listed in row `r` start, left to right."""
    return sorted({start for (_, start) in cover.values() if start[0] == r}, key=lambda s: s[1])[:n]


def _irregular_tables(bl: list[Block], rng: random.Random) -> list[Block]:
    """About half the reports: every table with a grid line or two of its own."""
    if rng.random() < 0.5:
        return bl
    return [irregular(b, rng, rng.randint(1, 2)) if isinstance(b, Table) else b for b in bl]


def render_commas(fs: FigureSet, rng: random.Random) -> Rendering:
    """A crawl that wrote each table row as its label and its cells joined by a separator
    ("规章，0，0，3"; "、" or "；" as well); blank cells written as 0."""
    st = Style.draw(rng, markers=False)
    sep = rng.choice(("，", "、", "；", "， "))

    def rows(t: Table) -> list[str]:
        out = []
        for row in t.rows:
            nums = [c.text for c in row if _is_number(c.text)]
            words = "".join(c.text for c in row if c.text and not _is_number(c.text))
            out.append(words + sep + sep.join(nums) if nums and words else sep.join(nums) or words)
        return out

    lines = _text_lines(styled(report_blocks(replace(fs, blank=frozenset())), st, rng), rows, rng)
    return Rendering("commas", _join(lines, st.crlf), "report.txt", fs.agency, fs.year,
                     truth_of(fs, blanks_kept=False))


def render_html(fs: FigureSet, rng: random.Random) -> Rendering:
    st = Style.draw(rng, fancy_numbers=True)
    charset = rng.choice(("utf-8", "gbk"))
    title = f"{fs.agency}{fs.year}年政府信息公开工作年度报告"
    bl = _irregular_tables(styled(report_blocks(fs), st, rng), rng)
    if rng.random() < 0.3:  # the article opens with its preamble: the title is the page's <title> alone
        bl, title = bl[1:], title + rng.choice(("", f"_{fs.agency}", "-政府信息公开年报"))
    page = html_page(bl, fs.agency, title, charset=charset)
    return Rendering("html", page.encode(charset), "report.html", fs.agency, fs.year, truth_of(fs))


_CN = "一二三四五六"


def render_numbered(fs: FigureSet, rng: random.Random) -> Rendering:
    """Family 1: headings （一）…（六）; section 一's sub-items numbered 1. / 1、."""
    st = Style.draw(rng)
    sub_sep = rng.choice(("、", ".", "．"))
    tabs = rng.random() < 0.7  # else cells separated by spaces, where a blank cannot show
    shown = fs if tabs else replace(fs, blank=frozenset())
    bl = []
    for b in styled(report_blocks(shown), st, rng):
        if isinstance(b, Para) and b.kind == "heading":
            no = _CN.index(b.text[0])
            b = Para(rng.choice(("（{}）", "({})")).format(_CN[no]) + b.text[2:], "heading")
        elif isinstance(b, Para) and b.kind == "subheading":
            no = _CN.index(b.text[1])
            b = Para(f"{no + 1}{sub_sep}{b.text[3:]}", "subheading")
        bl.append(b)
    lines = _text_lines(bl, _tab_rows if tabs else _space_rows, rng)
    return Rendering("numbered", _join(lines, st.crlf), "report.txt", fs.agency, fs.year,
                     truth_of(fs, blanks_kept=tabs))


_HEADER_WORDS = ("自然人", "法人或其他组织", "商业企业", "科研机构", "社会公益组织", "社会公益", "法律服务机构", "总计",
                 "申请人情况", "结果维持", "结果纠正", "其他结果", "尚未审结")


def _portal_cells(t: Table, rng: random.Random, *, split_header: float, split_item: float,
                  source: list[tuple[int, int]] | None = None) -> list[str]:
    """The table's cells one per line; `source` gets each line's (row, column) in the table."""
    out: list[str] = []
    for r, row in enumerate(t.rows):
        for c, cell in enumerate(row):
            text = cell.text
            if text in _HEADER_WORDS and len(text) > 2 and rng.random() < split_header:
                out.extend(text)
            elif (m := re.match(r"^(\d[.、．]\s?)(\S.*)$", text)) and rng.random() < split_item:
                out.extend((m.group(1).strip(), m.group(2)))
            elif text == "":
                out.append(" ")
            else:
                out.append(text)
            if source is not None:
                source.extend([(r, c)] * (len(out) - len(source)))
    return out


def _site(lines: list[str], fs: FigureSet, rng: random.Random) -> list[str]:
    head = list(_NAV[: rng.randint(2, len(_NAV))])
    foot = [x.format(agency=fs.agency) for x in _FOOT[: rng.randint(1, len(_FOOT))]]
    return head + lines + foot


def render_portal(fs: FigureSet, rng: random.Random) -> Rendering:
    """Family 2: a portal page as text, one cell per line, CRLF."""
    st = Style.draw(rng)
    sh, si = rng.choice((0.0, 0.5, 1.0)), rng.choice((0.0, 0.5, 1.0))
    lines = _text_lines(styled(report_blocks(fs), st, rng),
                        lambda t: _portal_cells(t, rng, split_header=sh, split_item=si), rng, furniture=False)
    crlf = rng.random() < 0.8
    return Rendering("portal", _join(_site(lines, fs, rng), crlf), "report.txt", fs.agency, fs.year, truth_of(fs))


def _dropped_rows(t: Table, rng: random.Random) -> list[str]:
    """Rows with their number cells; a row whose numbers are all 0 is one "0". In table 3, a row whose
    only non-zero cells are 自然人 and 总计 loses its zero cells (some of them, or all)."""
    out: list[str] = []
    keep_zero = rng.random()
    for row in t.rows:
        labels = [c.text for c in row if c.text and not _is_number(c.text)]
        nums = [c.text for c in row if _is_number(c.text)]
        if nums and all(float(x) == 0 for x in nums) and (t.number in (3, 4) or rng.random() < 0.5):
            nums = ["0"]
        elif t.number == 3 and len(nums) == 7 and all(float(x) == 0 for x in nums[1:6]):
            nums = [nums[0], *(x for x in nums[1:6] if rng.random() < keep_zero * 0.3)][:2] + [nums[6]]
        out.append(" ".join(labels + nums))
    return out


def render_dropped(fs: FigureSet, rng: random.Random) -> Rendering:
    """Family 3: a crawl that dropped blank and zero cells."""
    st = Style.draw(rng, markers=False)
    fs0 = replace(fs, blank=frozenset())
    lines = _text_lines(styled(report_blocks(fs0), st, rng), lambda t: _dropped_rows(t, rng), rng)
    return Rendering("dropped", _join(_site(lines, fs, rng), st.crlf), "report.txt", fs.agency, fs.year,
                     truth_of(fs, blanks_kept=False))


def _glued(t: Table, rng: random.Random, odds: float, spaced: dict[tuple[int, int], list[bool]]) -> str:
    """A table run together: a row's labels, then its numbers with no separator, except a space
    between two numbers now and then (with these odds; noted in `spaced` by (table, row))."""
    parts: list[str] = []
    for r, row in enumerate(t.rows):
        labels = "".join(c.text for c in row if c.text and not _is_number(c.text))
        nums = [c.text for c in row if _is_number(c.text)]
        if nums:
            gaps = [rng.random() < odds for _ in nums[1:]]
            spaced[(t.number, r)] = gaps
            run = "".join(n + (" " if i < len(gaps) and gaps[i] else "") for i, n in enumerate(nums))
            parts.append(f"{labels} {run}" if labels else run)
        else:
            parts.append(labels + " ")
    return "".join(parts)


def render_oneline(fs: FigureSet, rng: random.Random) -> Rendering:
    """Family 4: the whole report on one line, numbers of a row run together (now and then a space
    between two of them, as crawls keep it)."""
    st = Style.draw(rng, markers=False)
    fs0 = replace(fs, blank=frozenset())
    sep = rng.choice((" ", "", " "))
    odds = rng.choice((0.0, 0.0, 0.2, 0.5))
    spaced: dict[tuple[int, int], list[bool]] = {}
    text = sep.join(_glued(b, rng, odds, spaced) if isinstance(b, Table) else b.text
                    for b in styled(report_blocks(fs0), st, rng))
    head = [f"标题: {fs.agency}{fs.year}年政府信息公开工作年度报告", f"发布时间: {fs.year + 1}-02-20 15:07",
            "发布机构: ", "==================== 正文 ===================="]
    return Rendering("oneline", _join([*head, text], False), "report.txt", fs.agency, fs.year,
                     truth_of(fs, blanks_kept=False), frozenset(_glued_unknowable(fs, spaced)))


def _glued_unknowable(fs: FigureSet, spaced: dict[tuple[int, int], list[bool]]) -> set[str]:
    """The figures that rows run together leave undetermined (tests/engine/glued.py): table 2's rows
    of several cells have no arithmetic (in the 2019 rows an unsigned 本年增/减 is a lone 0, a signed
    one leaves its row unread, and the procurement amount is left out); tables 3 and 4 may be cut in
    more than one way that adds up."""
    out: set[str] = set()
    if fs.fmt == "2019":
        out |= {"s2.v2019.procurement.count", "s2.v2019.procurement.amount"}
        v2019 = "s2.v2019."
        rows = {2: [f"{v2019}rules.{c}" for c in ("made", "published", "total_public")],
                3: [f"{v2019}normative.{c}" for c in ("made", "published", "total_public")],
                6: [f"{v2019}licensing.prev", f"{v2019}licensing.change", "s2.licensing"],
                7: [f"{v2019}other_services.{c}" for c in ("prev", "change", "decisions")],
                10: [f"{v2019}punishment.prev", f"{v2019}punishment.change", "s2.punishment"],
                11: [f"{v2019}coercion.prev", f"{v2019}coercion.change", "s2.coercion"],
                14: [f"{v2019}fees.prev", f"{v2019}fees.change"]}  # rows of docgen's 2019 table 2
        for r, keys in rows.items():
            zero_at = next((i for i, k in enumerate(keys) if k.endswith(".change")), None)
            if zero_at is not None and fs.figures[keys[zero_at]] != 0:
                out |= set(keys)
                continue
            out |= row_unknowable(keys, digits([fs.figures[k] for k in keys], spaced[(2, r)]), zero_at)
    else:
        for i, name in enumerate(("rules", "normative")):
            keys = [f"s2.{name}.{c}" for c in ("issued", "repealed", "in_force")]
            out |= row_unknowable(keys, digits([fs.figures[k] for k in keys], spaced[(2, 2 + i)]))
    cols = S3_COLUMNS if fs.total_column else S3_APPLICANT_COLUMNS
    rows = {row: digits([fs.figures[f"s3.{row}.{c}"] for c in cols], spaced[(3, 3 + i)])
            for i, row in enumerate(s3_rows(fs.fmt))}
    out |= table3_unknowable(rows, fs.fmt, fs.total_column)
    values = [fs.figures[f"s4.{g}.{o}"] for g in S4_GROUPS for o in S4_OUTCOMES]
    return out | table4_unknowable(digits(values, spaced[(4, 3)]))


def _pipe(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _md_table3(t: Table, st: Style, rng: random.Random, detach: float) -> list[str]:
    width = t.width - 3
    head = ["类别", *(f"数据{i + 1}" for i in range(6))] + (["总计"] if width == 7 else [])
    stray = ["项目", "本年新收件数", "上年结转件数", "予以公开", "部分公开", "不予公开", "结转下年度", "总计"][: width + 1]
    note = t.rows[0][0].text
    out = [note, "", f"### {st.label('申请人情况')}", ""]
    if rng.random() < 0.5:  # the header as three dummy tables, as a converter leaves it
        orgs = ["商业企业", "科研机构", st.label("社会公益组织"), "法律服务机构", "其他"]
        out = [note, ""]
        for sub, cells in (("自然人", ["(数据项目)", "数量"]), ("法人或其他组织", orgs), ("总计", ["(数据项目)", "数量"])):
            out += [f"### 申请人情况 ({sub})", _pipe(cells), _pipe(["---"] * len(cells)), _pipe(["-"] * len(cells)), ""]
    heading = None
    group, group_left = "", 0
    stray_at = rng.randint(6, len(t.rows) - 1) if rng.random() < 0.6 else -1
    for i, row in enumerate(t.rows[3:], start=3):
        labels = [c.text for c in row[:-width]]
        nums = [c.text for c in row[-width:]]
        if len(labels) > 1 and labels[0].startswith("三"):
            out += ["", f"### {labels[0]}"]
            labels = labels[1:]
        if len(labels) > 1:
            group, group_left = labels[0], row[len(row) - width - 2].rowspan
        label = labels[-1]
        new_heading = group if group_left > 0 else label
        group_left -= 1
        if new_heading != heading:
            heading = new_heading
            out += ["", f"### {heading}", _pipe(head), _pipe(["---"] * len(head))]
        if i == stray_at:
            out += [_pipe(stray), _pipe(["---"] * len(stray))]
        in_group = new_heading != label
        shown = "" if not in_group and rng.random() < detach else re.sub(r"^[（(][一二三四五六七][）)]\s?", "", label)
        out.append(_pipe([shown, *nums]))
    return out


def _md_table(t: Table, st: Style, rng: random.Random, detach: float) -> list[str]:
    if t.number == 3:
        return _md_table3(t, st, rng, detach)
    if t.number == 4:
        vals = [c.text for c in t.rows[3]]
        out: list[str] = []
        for i, g in enumerate(("行政复议", "行政诉讼（未经复议直接起诉）", "行政诉讼（复议后起诉）")):
            out += [f"### {g}", _pipe(["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]),
                    _pipe(["----------"] * 5), _pipe(vals[5 * i: 5 * i + 5]), ""]
        return out
    out = []
    rows = list(t.rows)
    i = 0
    while i < len(rows):
        row = rows[i]
        if len(row) == 1:  # 第二十条第（x）项 spans the table: a sub-heading
            out += ["", f"### {row[0].text}"]
            if i + 1 < len(rows):
                out += [_pipe([c.text for c in rows[i + 1]]), _pipe(["---"] * len(rows[i + 1]))]
            i += 2
            continue
        out.append(_pipe([c.text for c in row]))
        i += 1
    return out


def _wrapped(text: str, rng: random.Random) -> list[str]:
    """A label as a converter breaks it over lines of 6 to 14 characters."""
    out: list[str] = []
    while text:
        n = rng.randint(6, 14)
        out.append(text[:n])
        text = text[n:]
    return out


def _md_converter(t: Table, rng: random.Random, detach: float) -> list[str]:
    """A table as a PDF converter leaves it: header words cut ("| 业 | 构 | 益组织 |"), and rows whose
    labels were lifted out of the table: their labels as text lines (wrapped, several rows' labels
    together, in order), then their numbers as label-less pipe rows."""
    width = t.width - 3  # the number columns of table 3
    head = [c.text for row in t.rows[:3] for c in row if c.text]
    out = [line for h in head for line in _wrapped(h, rng)[:1]]
    cut = [h[2:] if len(h) > 3 else h for h in head[-5:]]
    out += [_pipe(cut + [""] * 3), _pipe(["---"] * (len(cut) + 3))]
    pending_labels: list[str] = []
    pending_rows: list[str] = []

    def flush() -> None:
        out.extend(pending_labels)
        for r in pending_rows:
            out.extend((r, _pipe(["---"] * (r.count("|") - 1))))
        pending_labels.clear()
        pending_rows.clear()

    for row in t.rows[3:]:
        labels = [c.text.replace("\n", "") for c in row[:-width] if c.text]
        nums = [c.text for c in row[-width:]]
        if labels and rng.random() < detach:
            for label in labels:
                pending_labels.extend(_wrapped(label, rng))
            pending_rows.append(_pipe(nums))
            if rng.random() < 0.5:
                flush()
            continue
        flush()
        out.append(_pipe([" ".join(labels), *nums]))
    flush()
    return out


def render_markdown(fs: FigureSet, rng: random.Random) -> Rendering:
    """Family 5: markdown from a PDF converter or OCR."""
    st = Style.draw(rng)
    detach = rng.choice((0.0, 0.3, 1.0))
    converter = rng.random() < 0.4  # else the OCR layout: a ### sub-heading and a small table per row
    lines: list[str] = []
    for b in styled(report_blocks(fs), st, rng):
        if isinstance(b, Table) and converter and b.number == 3:
            lines += ["", *_md_converter(b, rng, detach), ""]
        elif isinstance(b, Table):
            lines += ["", *_md_table(b, st, rng, detach), ""]
        elif b.kind == "title":
            lines += [f"# {b.text}", ""]
        elif b.kind == "heading":
            lines += ["", f"## {b.text}", ""]
        elif b.kind == "subheading":
            lines += [f"### {b.text}"]
        else:
            lines += [b.text, ""]
    return Rendering("markdown", _join(lines, False), "report.md", fs.agency, fs.year, truth_of(fs))


def render_split(fs: FigureSet, rng: random.Random) -> Rendering:
    """Family 6: page text, one cell per line, numbers of several digits split over two lines."""
    st = Style.draw(rng)
    odds = rng.choice((0.2, 0.5))
    pieces: dict[int, dict[tuple[int, int], list[str]]] = {}  # table -> (row, column) -> the cell's lines

    def cells(t: Table) -> list[str]:
        out: list[str] = []
        source: list[tuple[int, int]] = []
        for text, at in zip(_portal_cells(t, rng, split_header=0.5, split_item=0.3, source=source), source,
                            strict=True):
            parts = [text]
            if t.number in (3, 4) and text.isdigit() and len(text) > 1 and rng.random() < odds:
                cut = rng.randint(1, len(text) - 1)
                parts = [text[:cut], text[cut:]]
            out += parts
            if t.number in (3, 4):  # a blank or a marker is a cell that joins nothing: ""
                pieces.setdefault(t.number, {}).setdefault(at, []).extend(parts if text.isdigit() else [""])
        return out

    bare: list[Block] = []
    lines = _text_lines(styled(report_blocks(fs), st, rng), cells, rng, bare_after=bare)
    # Rows with a number broken over lines may be read in more than one way that adds up.
    unknowable = _split_unknowable(fs, pieces)
    if any(isinstance(b, Table) and b.number == 2 for b in bare):
        # A page number alone on the line after table 2's last cell could as well be a cell of its
        # last row: nothing checks table 2.
        unknowable |= {"s2.fees"} if fs.fmt == "2021" else {k for k in V2019_KEYS if ".procurement." in k}
    return Rendering("split", _join(lines, st.crlf), "report.txt", fs.agency, fs.year, truth_of(fs),
                     frozenset(unknowable))


def _split_unknowable(fs: FigureSet, pieces: dict[int, dict[tuple[int, int], list[str]]]) -> set[str]:
    """The figures that numbers broken over lines leave undetermined (tests/engine/glued.py)."""
    def row(table: int, r: int, width: int) -> list[str]:
        cols = sorted(c for (rr, c) in pieces[table] if rr == r)[-width:]
        return [p for c in cols for p in pieces[table][(r, c)]]

    width = len(S3_COLUMNS if fs.total_column else S3_APPLICANT_COLUMNS)
    rows = {name: row(3, 3 + i, width) for i, name in enumerate(s3_rows(fs.fmt))}
    return table3_unknowable(rows, fs.fmt, fs.total_column) | table4_unknowable(row(4, 3, 15))


def _title_lines(fs: FigureSet, rng: random.Random) -> list[str]:
    full = f"{fs.agency}{fs.year}年政府信息公开工作年度报告"
    v = rng.randrange(5)
    if v == 4:  # no year in the title: the statistics period in the preamble says it
        return [f"{fs.agency}政府信息公开工作年度报告"]
    if v == 0:
        return [f"标题{rng.choice(('：', ':', ': '))}{full}", f"发布时间：{fs.year + 1}-01-2{rng.randint(0, 9)}",
                f"发布机构：{fs.agency}", "来源：本站", full]
    if v == 1:
        return [f"{fs.year} 年{fs.agency}政府信息公开工作", "年度报告"]
    if v == 2:
        return [f"发布机构：{fs.agency}", f"{fs.agency}", f"{fs.year}年政府信息公开工作年度报告"]
    return [fs.agency, "政府信息公开工作年度报告", f"（{fs.year}年）"]


def render_titles(fs: FigureSet, rng: random.Random) -> Rendering:
    """Family 7: the title in the ways crawlers and authors write it."""
    st = Style.draw(rng)
    bl = styled(report_blocks(fs), st, rng)
    body = _text_lines(bl[1:], _tab_rows, rng)
    return Rendering("titles", _join(_title_lines(fs, rng) + body, st.crlf), "report.txt", fs.agency, fs.year,
                     truth_of(fs))


def _vertical(text: str) -> str:
    return "\n".join(text)


def _split_table2(t: Table) -> list[Table]:
    parts: list[Table] = []
    for row in t.rows:
        if len(row) == 1 and row[0].text.replace(" ", "").startswith("第二十条"):
            parts.append(Table(width=t.width, rows=[row], number=2))
        else:
            parts[-1].rows.append(row)
    return parts


def _split_table3(t: Table, fmt: str, rng: random.Random, label_again: bool) -> list[Table]:
    """Table 3 as two tables, the second under a copy of the header rows (a page break in Word),
    cut before an item row that opens no group or opens one."""
    items = s3_rows(fmt)[2:-2]
    head, body = t.rows[:3], t.rows[3:]
    cuts = [i for i in range(1, len(items)) if "." not in items[i] or items[i] == "other.all"
            or items[i].split(".")[0] != items[i - 1].split(".")[0]]
    cut = rng.choice(cuts)
    lead = body[2][0]
    first = [*body[:2], [replace(lead, rowspan=cut), *body[2][1:]], *body[3:2 + cut]]
    second = [[C(lead.text if label_again else "", rowspan=lead.rowspan - cut), *body[2 + cut]], *body[3 + cut:]]
    copy = [[replace(c) for c in row] for row in head]
    return [replace(t, rows=head + first), replace(t, rows=copy + second)]


def docx_blocks(fs: FigureSet, rng: random.Random) -> list[Block]:
    st = Style.draw(rng, fancy_numbers=True)
    vertical, split2, split3 = rng.random() < 0.6, rng.random() < 0.6, rng.random() < 0.6
    out: list[Block] = []
    for b in styled(report_blocks(fs), st, rng):
        if isinstance(b, Table) and b.number == 3:
            if vertical:
                rows = [[replace(c, text=_vertical(c.text)) if r >= 3 and c.rowspan >= 3 else c for c in row]
                        for r, row in enumerate(b.rows)]
                b = replace(b, rows=rows)
            out.extend(_split_table3(b, fs.fmt, rng, rng.random() < 0.5) if split3 else [b])
        elif isinstance(b, Table) and b.number == 2 and split2:
            for part in _split_table2(b):
                out += [part, Para("")]
        else:
            out.append(b)
    return out


def render_docx(fs: FigureSet, rng: random.Random) -> Rendering:
    """Family 8: a Word file laid out the way agencies do it."""
    data = docx_bytes(_irregular_tables(docx_blocks(fs, rng), rng), repeat_header=rng.random() < 0.5)
    return Rendering("docx", data, "report.docx", fs.agency, fs.year, truth_of(fs))


def render_pdf(fs: FigureSet, rng: random.Random) -> Rendering:
    """Family 8 as a PDF: the Word layout drawn with ruled tables (tests/engine/families_pdf.py)."""
    from tests.engine.families_pdf import pdf_bytes

    return Rendering("pdf", pdf_bytes(docx_blocks(fs, rng), rng), "report.pdf", fs.agency, fs.year, truth_of(fs))


FAMILIES: dict[str, Callable[[FigureSet, random.Random], Rendering]] = {
    "tabs": render_tabs,
    "lines": render_lines,
    "commas": render_commas,
    "html": render_html,
    "numbered": render_numbered,
    "portal": render_portal,
    "dropped": render_dropped,
    "oneline": render_oneline,
    "markdown": render_markdown,
    "split": render_split,
    "titles": render_titles,
    "docx": render_docx,
    "pdf": render_pdf,
}


def render(family: str, fs: FigureSet, seed: int) -> Rendering:
    """The figure set rendered in a family, with the variation drawn from seed."""
    r = FAMILIES[family](fs, random.Random(f"{family}/{fs.name}/{seed}"))
    return replace(r, blank=fs.blank, values=fs.figures)


__all__ = ["FAMILIES", "FigureSet", "Rendering", "complete", "figure_sets", "random_set", "render",
           "sample_sets", "truth_of"]
