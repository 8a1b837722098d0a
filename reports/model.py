"""The canonical report: figure keys of FORMAT.md, findings, and the report itself.

Everything here is plain data; parsing lives in reports.parse, checking in reports.rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field

TYPE_CHECKING = False  # as typing's; importing typing would cost each `nianbao check` process 2 ms
if TYPE_CHECKING:
    from typing import Any, Literal

    Severity = Literal["error", "warning", "info"]
Number = int | float

SECTION_TITLES: dict[int, tuple[str, str]] = {
    1: ("一、总体情况", "1. Overview"),
    2: ("二、主动公开政府信息情况", "2. Proactive disclosure"),
    3: ("三、收到和处理政府信息公开申请情况", "3. Applications received and handled"),
    4: ("四、政府信息公开行政复议、行政诉讼情况", "4. Administrative reviews and lawsuits"),
    5: ("五、存在的主要问题及改进情况", "5. Main problems and improvements"),
    6: ("六、其他需要报告的事项", "6. Other matters"),
}

# Table 2 (2021 format).
S2_KEYS: tuple[str, ...] = (
    "s2.rules.issued", "s2.rules.repealed", "s2.rules.in_force",
    "s2.normative.issued", "s2.normative.repealed", "s2.normative.in_force",
    "s2.licensing", "s2.punishment", "s2.coercion", "s2.fees",
)
S2_LABELS: dict[str, tuple[str, str]] = {
    "s2.rules.issued": ("规章 本年制发件数", "rules issued this year"),
    "s2.rules.repealed": ("规章 本年废止件数", "rules repealed this year"),
    "s2.rules.in_force": ("规章 现行有效件数", "rules in force"),
    "s2.normative.issued": ("行政规范性文件 本年制发件数", "normative documents issued this year"),
    "s2.normative.repealed": ("行政规范性文件 本年废止件数", "normative documents repealed this year"),
    "s2.normative.in_force": ("行政规范性文件 现行有效件数", "normative documents in force"),
    "s2.licensing": ("行政许可 本年处理决定数量", "licensing decisions"),
    "s2.punishment": ("行政处罚 本年处理决定数量", "punishment decisions"),
    "s2.coercion": ("行政强制 本年处理决定数量", "coercion decisions"),
    "s2.fees": ("行政事业性收费 本年收费金额（万元）", "administrative fees collected (10k yuan)"),
}

# Table 3: columns (申请人情况) and rows, in the order of the official table.
S3_COLUMNS: tuple[str, ...] = ("person", "business", "research", "nonprofit", "legal", "org_other", "total")
S3_APPLICANT_COLUMNS: tuple[str, ...] = S3_COLUMNS[:-1]
S3_COLUMN_LABELS: dict[str, tuple[str, str]] = {
    "person": ("自然人", "natural persons"),
    "business": ("商业企业", "businesses"),
    "research": ("科研机构", "research institutions"),
    "nonprofit": ("社会公益组织", "non-profit organisations"),
    "legal": ("法律服务机构", "legal service providers"),
    "org_other": ("其他", "other organisations"),
    "total": ("总计", "total"),
}
DENIED = ("state_secret", "prohibited", "security", "third_party", "internal", "process", "enforcement", "query")
UNAVAILABLE = ("not_held", "needs_making", "unclear")
REJECTED = ("petition", "repeated", "publication", "excessive", "confirmation")
OTHER = ("no_correction", "no_fee", "misc")
S3_ROWS: tuple[str, ...] = (
    "new", "carried_in", "granted", "partial",
    *(f"denied.{r}" for r in DENIED),
    *(f"unavailable.{r}" for r in UNAVAILABLE),
    *(f"rejected.{r}" for r in REJECTED),
    *(f"other.{r}" for r in OTHER),
    "results_total", "carried_out",
)
# The items that add up to results_total (rule 2), 2021 format.
S3_RESULT_ITEMS: tuple[str, ...] = S3_ROWS[2:-2]
# The 2019 试行 format has one row for （六）其他处理.
S3_OTHER_2019 = "other.all"
S3_RESULT_ITEMS_2019: tuple[str, ...] = tuple(r for r in S3_RESULT_ITEMS if not r.startswith("other.")) + (
    S3_OTHER_2019,
)
# Subtotal groups some reports add (not canonical figures, but checked against their items).
S3_GROUPS: dict[str, tuple[str, ...]] = {
    "denied": tuple(f"denied.{r}" for r in DENIED),
    "unavailable": tuple(f"unavailable.{r}" for r in UNAVAILABLE),
    "rejected": tuple(f"rejected.{r}" for r in REJECTED),
    "other": tuple(f"other.{r}" for r in OTHER),
}
S3_ROW_LABELS: dict[str, tuple[str, str]] = {
    "new": ("一、本年新收政府信息公开申请数量", "new applications this year"),
    "carried_in": ("二、上年结转政府信息公开申请数量", "carried over from last year"),
    "granted": ("（一）予以公开", "granted"),
    "partial": ("（二）部分公开", "partly granted"),
    "denied.state_secret": ("（三）不予公开 1.属于国家秘密", "denied: state secret"),
    "denied.prohibited": ("（三）不予公开 2.其他法律行政法规禁止公开", "denied: prohibited by other laws"),
    "denied.security": ("（三）不予公开 3.危及“三安全一稳定”", "denied: endangers security or stability"),
    "denied.third_party": ("（三）不予公开 4.保护第三方合法权益", "denied: third-party rights"),
    "denied.internal": ("（三）不予公开 5.属于三类内部事务信息", "denied: internal affairs"),
    "denied.process": ("（三）不予公开 6.属于四类过程性信息", "denied: process information"),
    "denied.enforcement": ("（三）不予公开 7.属于行政执法案卷", "denied: enforcement files"),
    "denied.query": ("（三）不予公开 8.属于行政查询事项", "denied: administrative query matters"),
    "unavailable.not_held": ("（四）无法提供 1.本机关不掌握相关政府信息", "unavailable: not held"),
    "unavailable.needs_making": ("（四）无法提供 2.没有现成信息需要另行制作", "unavailable: would need making"),
    "unavailable.unclear": ("（四）无法提供 3.补正后申请内容仍不明确", "unavailable: unclear after correction"),
    "rejected.petition": ("（五）不予处理 1.信访举报投诉类申请", "not handled: petitions and complaints"),
    "rejected.repeated": ("（五）不予处理 2.重复申请", "not handled: repeated"),
    "rejected.publication": ("（五）不予处理 3.要求提供公开出版物", "not handled: publications"),
    "rejected.excessive": ("（五）不予处理 4.无正当理由大量反复申请", "not handled: excessive"),
    "rejected.confirmation": ("（五）不予处理 5.要求行政机关确认或重新出具已获取信息", "not handled: confirmation"),
    "other.no_correction": ("（六）其他处理 1.逾期不补正", "other: no correction in time"),
    "other.no_fee": ("（六）其他处理 2.逾期未缴纳费用", "other: fee not paid"),
    "other.misc": ("（六）其他处理 3.其他", "other: misc"),
    "other.all": ("（六）其他处理", "other handling"),
    "results_total": ("（七）总计", "results total"),
    "carried_out": ("四、结转下年度继续办理", "carried over to next year"),
}

# Table 4.
S4_GROUPS: tuple[str, ...] = ("review", "suit_direct", "suit_after_review")
S4_OUTCOMES: tuple[str, ...] = ("upheld", "corrected", "other", "pending", "total")
S4_GROUP_LABELS: dict[str, tuple[str, str]] = {
    "review": ("行政复议", "administrative review"),
    "suit_direct": ("行政诉讼（未经复议直接起诉）", "lawsuits filed directly"),
    "suit_after_review": ("行政诉讼（复议后起诉）", "lawsuits after review"),
}
S4_OUTCOME_LABELS: dict[str, tuple[str, str]] = {
    "upheld": ("结果维持", "upheld"),
    "corrected": ("结果纠正", "corrected"),
    "other": ("其他结果", "other outcome"),
    "pending": ("尚未审结", "pending"),
    "total": ("总计", "total"),
}

S3_KEYS: tuple[str, ...] = tuple(f"s3.{r}.{c}" for r in S3_ROWS for c in S3_COLUMNS)
S3_KEYS_2019: tuple[str, ...] = tuple(f"s3.{S3_OTHER_2019}.{c}" for c in S3_COLUMNS)
S4_KEYS: tuple[str, ...] = tuple(f"s4.{g}.{o}" for g in S4_GROUPS for o in S4_OUTCOMES)
# The 200 canonical keys every `nianbao check --json` prints.
CANONICAL_KEYS: tuple[str, ...] = S2_KEYS + S3_KEYS + S4_KEYS

FORMATS = ("2021", "2019", "pre-2019", "unknown")


def key_section(key: str) -> int:
    """The section (2, 3 or 4) a figure key belongs to."""
    return int(key[1])


def key_label(key: str, lang: str = "zh") -> str:
    """A human label for a figure key, e.g. '（一）予以公开 / 自然人'."""
    i = 0 if lang == "zh" else 1
    if key.startswith("s2."):
        return S2_LABELS.get(key, (key, key))[i]
    if key.startswith("s3."):
        row, col = key[3:].rsplit(".", 1)
        sep = " / " if lang == "zh" else ", "
        return S3_ROW_LABELS.get(row, (row, row))[i] + sep + S3_COLUMN_LABELS.get(col, (col, col))[i]
    if key.startswith("s4."):
        _, group, outcome = key.split(".")
        sep = " / " if lang == "zh" else ", "
        return S4_GROUP_LABELS[group][i] + sep + S4_OUTCOME_LABELS[outcome][i]
    return key


def location_label(section: int | None, row: str | None, column: str | None, lang: str = "zh") -> str:
    """A place in a table in words: '第三部分表格 / （七）总计行 / 总计列'."""
    i = 0 if lang == "zh" else 1
    parts: list[str] = []
    if row:
        if section == 4 and row in S4_GROUP_LABELS:
            parts.append(S4_GROUP_LABELS[row][i])
        elif row.startswith("sub."):
            parts.append(f"{row[4:]} 小计" if lang == "zh" else f"{row[4:]} subtotal")
        else:
            label = S3_ROW_LABELS.get(row, (row, row))[i]
            parts.append(f"“{label}”行" if lang == "zh" else f"row '{label}'")
    if column:
        labels = S3_COLUMN_LABELS if section != 4 else S4_OUTCOME_LABELS
        label = labels.get(column, (column, column))[i]
        parts.append(f"“{label}”列" if lang == "zh" else f"column '{label}'")
    return " / ".join(parts)


@dataclass(frozen=True)
class Location:
    """Where something is: the report section, the table cell, and the place in the source file."""

    section: int | None = None
    row: str | None = None
    column: str | None = None
    key: str | None = None
    page: int | None = None
    line: int | None = None

    def to_json(self) -> dict[str, Any]:
        # The fields by name: asdict() deep-copies them, which for six scalars is wasted (ingest, per finding)
        values = (("section", self.section), ("row", self.row), ("column", self.column), ("key", self.key),
                  ("page", self.page), ("line", self.line))
        return {k: v for k, v in values if v is not None}


@dataclass
class Finding:
    code: str
    severity: Severity
    message_zh: str
    message_en: str
    location: Location = field(default_factory=Location)
    expected: Any = None
    actual: Any = None
    raw: str | None = None
    ocr_confidence: float | None = None  # the figure was read by OCR, with this confidence (0-1)
    # The figures a relation's finding rests on (every cell of the sum), for saying which were read by
    # OCR; not part of the public JSON.
    rests_on: tuple[str, ...] = field(default=(), repr=False, compare=False)

    def message(self, lang: str = "zh") -> str:
        return self.message_zh if lang == "zh" else self.message_en

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "code": self.code,
            "severity": self.severity,
            "message": self.message_zh,
            "message_en": self.message_en,
            "location": self.location.to_json(),
        }
        if self.expected is not None:
            out["expected"] = self.expected
        if self.actual is not None:
            out["actual"] = self.actual
        if self.raw is not None:
            out["raw"] = self.raw
        if self.ocr_confidence is not None:
            out["ocr_confidence"] = self.ocr_confidence
        return out


@dataclass
class Cell:
    """One figure as read: its value (None when blank or absent), the raw text, where it came from,
    and whether the reading is certain (False when the engine had to guess and could not confirm)."""

    value: Number | None
    raw: str = ""
    page: int | None = None
    line: int | None = None
    certain: bool = True
    blank: bool = False  # the cell was empty or held a zero-marker such as "—", "/", "无"
    # read | blank | marker | text | derived (deduced from the arithmetic) | unreadable
    status: str = "read"


# Findings that mean the file could not be read as a report at all: nothing of it is stored, the
# user is told why, and `nianbao check` exits 2.
READ_ERROR_CODES = frozenset({
    "unreadable-file", "no-text-layer", "encrypted", "not-a-report", "too-large", "empty-file", "timeout",
    "unsupported-format",
})


@dataclass
class Report:
    file: str = ""
    sha256: str = ""
    kind: str = ""  # pdf / docx / text / html
    title: str | None = None
    agency: str | None = None
    year: int | None = None
    format: str = "unknown"
    sections: list[int] = field(default_factory=list)
    cells: dict[str, Cell] = field(default_factory=dict)
    has_total_column: bool | None = None
    tables_found: list[int] = field(default_factory=list)
    section_text: dict[int, str] = field(default_factory=dict)  # narrative text per section
    preamble: str = ""
    findings: list[Finding] = field(default_factory=list)
    pages: int | None = None

    @property
    def figures(self) -> dict[str, Number | None]:
        """Every canonical key with its value (None when blank or absent), plus format-specific extras."""
        out: dict[str, Number | None] = {}
        for key in CANONICAL_KEYS:
            c = self.cells.get(key)
            out[key] = None if c is None else c.value
        for key, c in self.cells.items():
            if key not in out and not key.startswith("s3.sub."):  # subtotals are not canonical figures
                out[key] = c.value
        return out

    def value(self, key: str) -> Number | None:
        c = self.cells.get(key)
        return None if c is None else c.value

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]

    @property
    def verdict(self) -> str:
        return "fail" if self.errors else "pass"

    @property
    def read_errors(self) -> list[Finding]:
        """The findings that say why the file could not be read as a report (see READ_ERROR_CODES)."""
        return [f for f in self.findings if f.code in READ_ERROR_CODES]

    @property
    def unreadable(self) -> bool:
        """The file could not be read as a report at all."""
        return bool(self.read_errors)

    def _sources(self) -> dict[str, dict[str, int]]:
        """Where each figure was read: its page and line, those known (a loop: ingest calls this per report)."""
        out: dict[str, dict[str, int]] = {}
        for k, c in self.cells.items():
            page, line = c.page, c.line
            if page is not None:
                out[k] = {"page": page} if line is None else {"page": page, "line": line}
            elif line is not None:
                out[k] = {"line": line}
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "sha256": self.sha256,
            "agency": self.agency,
            "year": self.year,
            "format": self.format,
            "verdict": self.verdict,
            "sections": self.sections,
            "figures": self.figures,
            "sources": self._sources(),
            "findings": [f.to_json() for f in self.findings],
        }
