"""The metric grammar of questions: phrases (Chinese and English) -> canonical figure keys.

A question names table-3 rows (新收, 予以公开, 不予公开 …), applicant columns (自然人, 企业,
法人或其他组织 …), table-4 groups and outcomes (行政复议, 行政诉讼, 纠正 …) or table-2 items
(规章, 行政许可, 收费 …). `find_metric` matches them, longest and most specific first, and composes
the keys to add up, e.g. 不予公开 -> the eight s3.denied.*.total keys.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from reports.model import DENIED, OTHER, REJECTED, S3_APPLICANT_COLUMNS, S3_ROW_LABELS, UNAVAILABLE

ORG_COLUMNS: tuple[str, ...] = S3_APPLICANT_COLUMNS[1:]  # the five 法人或其他组织 columns
RESULT_ROWS: tuple[str, ...] = (
    "granted", "partial",
    *(f"denied.{r}" for r in DENIED),
    *(f"unavailable.{r}" for r in UNAVAILABLE),
    *(f"rejected.{r}" for r in REJECTED),
    *(f"other.{r}" for r in OTHER), "other.all",
)

_D = tuple(f"denied.{r}" for r in DENIED)
_U = tuple(f"unavailable.{r}" for r in UNAVAILABLE)
_R = tuple(f"rejected.{r}" for r in REJECTED)
_O = (*(f"other.{r}" for r in OTHER), "other.all")  # 2021 rows and the single 2019 row; one of them is blank
_S4 = ("review", "suit_direct", "suit_after_review")


@dataclass(frozen=True)
class Term:
    """One phrase: what it selects. kind: row / col / t4g / t4o / s2 / s2col / unsupported."""

    pattern: re.Pattern[str]
    kind: str
    values: tuple[str, ...] = ()
    weak: bool = False  # a generic word ("申请", "applications") that yields to any specific row


def _t(pattern: str, kind: str, *values: str, weak: bool = False) -> Term:
    return Term(re.compile(pattern, re.I), kind, values, weak)


# Order matters: a longer or more specific phrase comes before the phrases it contains.
ZH_TERMS: tuple[Term, ...] = (
    _t(r"信息处理费", "unsupported"),
    _t(r"上一?年度?结转|结转上一?年度?|去年结转|从上年结转", "row", "carried_in"),
    _t(r"结转(?:到|至)?下一?年度?(?:继续办理)?|转入下一?年度?|结转", "row", "carried_out"),
    _t(r"复议后(?:再)?(?:起诉|诉讼)|经(?:行政)?复议后?(?:起诉|诉讼)", "t4g", "suit_after_review"),
    _t(r"未经复议直接起诉|直接(?:起诉|诉讼)", "t4g", "suit_direct"),
    _t(r"行政复议|复议", "t4g", "review"),
    _t(r"行政诉讼|诉讼|起诉|打官司|官司|被告", "t4g", "suit_direct", "suit_after_review"),
    _t(r"结果维持|维持原?", "t4o", "upheld"),
    _t(r"结果纠正|被纠正|纠正|撤销|败诉", "t4o", "corrected"),
    _t(r"其他结果", "t4o", "other"),
    _t(r"尚未审结|未审结|未结案|审理中|在审", "t4o", "pending"),
    _t(r"不予公开|不公开|拒绝公开|不同意公开", "row", *_D),
    _t(r"国家秘密|涉密", "row", "denied.state_secret"),
    _t(r"(?:其他)?法律(?:行政)?法规禁止公开|(?:其他)?法律禁止公开|法律法规禁止|禁止公开", "row", "denied.prohibited"),
    _t(r"三安全一稳定|危及(?:国家|公共|经济)?安全", "row", "denied.security"),
    _t(r"(?:保护)?第三方(?:合法)?(?:权益|利益)?", "row", "denied.third_party"),
    _t(r"(?:三类)?内部事务", "row", "denied.internal"),
    _t(r"(?:四类)?过程性(?:信息)?", "row", "denied.process"),
    _t(r"(?:行政)?执法案卷", "row", "denied.enforcement"),
    _t(r"行政查询|查询事项", "row", "denied.query"),
    _t(r"部分公开(?:[（(]?区分处理的?[，,]?只计这一情形[，,]?不计其他情形[）)]?)?|区分处理", "row", "partial"),
    _t(r"予以公开|同意公开|全部公开|准予公开", "row", "granted"),
    _t(r"无法提供|不能提供|没法提供", "row", *_U),
    _t(r"(?:本机关)?不掌握", "row", "unavailable.not_held"),
    _t(r"另行制作|没有现成(?:信息)?", "row", "unavailable.needs_making"),
    _t(r"(?:补正后)?(?:申请)?内容仍?不明确", "row", "unavailable.unclear"),
    _t(r"不予处理|不处理|不予受理", "row", *_R),
    _t(r"信访|举报|投诉", "row", "rejected.petition"),
    _t(r"(?:无正当理由)?大量反复(?:申请)?", "row", "rejected.excessive"),
    _t(r"重复(?:申请)?", "row", "rejected.repeated"),
    _t(r"(?:要求提供)?公开出版物|出版物", "row", "rejected.publication"),
    _t(r"(?:要求行政机关)?确认或重新出具(?:已获取(?:的)?信息)?|重新出具(?:已获取(?:的)?信息)?", "row",
       "rejected.confirmation"),
    _t(r"(?:申请人)?(?:无正当理由)?逾期不补正|不补正", "row", "other.no_correction"),
    _t(r"(?:申请人)?(?:逾期)?未按收费通知(?:要求)?(?:缴纳费用)?|(?:逾期)?未缴(?:纳)?费用?|没(?:有)?缴费|不缴费",
       "row", "other.no_fee"),
    _t(r"[、，,]?行政机关不再处理其?政府信息公开申请", "row", weak=True),
    _t(r"其他处理(?:中|里)?的?其他(?:情形|原因|情况)?", "row", "other.misc"),
    _t(r"其他处理", "row", *_O),
    _t(r"办结|办理结果|处理结果|办理完毕|办完|答复", "row", "results_total", weak=True),
    _t(r"新收|收到|受理|接到|接收|新增申请|(?<=[多少])收", "row", "new"),
    _t(r"(?<!其他)法人(?:或|和|及)其他组织", "col", *ORG_COLUMNS),
    _t(r"其他法人或组织|其他法人|其他组织", "col", "org_other"),
    _t(r"法人|单位申请人", "col", *ORG_COLUMNS),
    _t(r"自然人|个人|公民|群众|老百姓", "col", "person"),
    _t(r"商业企业|企业|公司", "col", "business"),
    _t(r"科研机构|科研院所|科研单位", "col", "research"),
    _t(r"社会公益组织|公益组织", "col", "nonprofit"),
    _t(r"法律服务机构|律师事务所|律所|律师", "col", "legal"),
    _t(r"现行有效|有效", "s2col", "in_force"),
    _t(r"废止", "s2col", "repealed"),
    _t(r"制发|印发|出台|制定", "s2col", "issued"),
    _t(r"行政规范性文件|规范性文件", "s2", "normative"),
    _t(r"规章", "s2", "rules"),
    _t(r"行政许可|许可", "s2", "licensing"),
    _t(r"行政处罚|处罚", "s2", "punishment"),
    _t(r"行政强制|强制措施|强制", "s2", "coercion"),
    _t(r"行政事业性收费|收费金额|收费|收了多少钱", "s2", "fees"),
    _t(r"申请(?:数量|件数|数|量)?|件", "row", "new", weak=True),
)

EN_TERMS: tuple[Term, ...] = (
    _t(r"information[- ]processing fees?|processing fees?", "unsupported"),
    _t(r"carr(?:y|ied|ies) (?:over |forward )?(?:in|from (?:the )?(?:last|previous|prior) year)|brought forward|"
       r"carry-?in",
       "row", "carried_in"),
    _t(r"carried (?:over|forward)(?: (?:to|into) (?:the )?next year)?|carry-?overs?|carried out|carry-?forward",
       "row", "carried_out"),
    _t(r"(?:law)?suits? after (?:administrative )?review|after (?:an? )?(?:administrative )?review",
       "t4g", "suit_after_review"),
    _t(r"direct(?:ly filed)? (?:law)?suits?|(?:law)?suits? filed directly|filed directly", "t4g", "suit_direct"),
    _t(r"administrative reviews?|reconsiderations?|\breviews?\b|appeals?", "t4g", "review"),
    _t(r"lawsuits?|\bsuits?\b|litigations?|court cases?|\bsued\b", "t4g", "suit_direct", "suit_after_review"),
    _t(r"(?:applications? )?not corrected(?: in time)?|no correction|failed to correct|did not correct|"
       r"not supplemented", "row", "other.no_correction"),
    _t(r"fees? (?:were |was )?not paid(?: in time)?|unpaid fees?|not paying (?:the )?fees?|fees? unpaid",
       "row", "other.no_fee"),
    _t(r"\bupheld\b|maintained", "t4o", "upheld"),
    _t(r"\bcorrected\b|overturned|reversed", "t4o", "corrected"),
    _t(r"other outcomes?", "t4o", "other"),
    _t(r"not yet (?:concluded|decided)|undecided|still pending|\bpending\b", "t4o", "pending"),
    _t(r"not disclosed|\bdenied\b|\brefused\b|withheld|non-?disclosure|refusals?|denials?", "row", *_D),
    _t(r"state secrets?", "row", "denied.state_secret"),
    _t(r"prohibited", "row", "denied.prohibited"),
    _t(r"endanger\w*(?: (?:national |public )?security)?(?: and stability)?|security and stability",
       "row", "denied.security"),
    _t(r"third[- ]part(?:y|ies)", "row", "denied.third_party"),
    _t(r"internal affairs", "row", "denied.internal"),
    _t(r"process(?:ual)? information", "row", "denied.process"),
    _t(r"enforcement files?", "row", "denied.enforcement"),
    _t(r"query matters", "row", "denied.query"),
    _t(r"part(?:ly|ially) (?:granted|disclosed)|partial(?:ly)?(?: disclosures?)?|(?:grant(?:s|ed)?|disclos(?:ed|ures?)) "
       r"in part|\bin part\b", "row", "partial"),
    _t(r"fully granted|\bgrant(?:s|ed)?\b|disclosed in full|\bdisclosed\b|approved", "row", "granted"),
    _t(r"not held", "row", "unavailable.not_held"),
    _t(r"(?:would|will) (?:have|need) to be (?:newly )?(?:made|created)|needs? (?:to be )?(?:newly )?(?:made|created)|"
       r"newly (?:made|created)|does not exist|not (?:readily )?available in existing form", "row",
       "unavailable.needs_making"),
    _t(r"unclear", "row", "unavailable.unclear"),
    _t(r"could not be provided|cannot be provided|unavailable|not available", "row", *_U),
    _t(r"not handled|not processed|declined|\brejected\b|rejections?", "row", *_R),
    _t(r"petitions?|complaints?", "row", "rejected.petition"),
    _t(r"excessive(?: repeated)?(?: applications| requests)?|abusive", "row", "rejected.excessive"),
    _t(r"repeated|duplicates?", "row", "rejected.repeated"),
    _t(r"publications?", "row", "rejected.publication"),
    _t(r"confirm(?:ation)? or reissu\w+|reissu\w+|confirmations?", "row", "rejected.confirmation"),
    _t(r"(?:other handling|handled otherwise|otherwise handled) (?:for|with) other reasons|other reasons",
       "row", "other.misc"),
    _t(r"other handling|handled otherwise|otherwise handled", "row", *_O),
    _t(r"\bhandl(?:e|es|ed|ing)\b|\bprocess(?:ed)?\b|\bcompleted\b|\bclosed\b|concluded|\banswered\b|dealt with|results? total",
       "row", "results_total", weak=True),
    _t(r"\bnew\b|receiv\w*|\bgot\b|incoming", "row", "new"),
    _t(r"non-?profit(?: organi[sz]ations?)?|ngos?|public[- ]interest(?: organi[sz]ations?)?", "col", "nonprofit"),
    _t(r"other organi[sz]ations?", "col", "org_other"),
    _t(r"legal persons?(?: or other organi[sz]ations?)?|organi[sz]ations?|legal entities", "col", *ORG_COLUMNS),
    _t(r"natural persons?|individuals?|citizens?|private persons?|\bpeople\b(?!'s)|members of the public",
       "col", "person"),
    _t(r"legal services?(?: providers?| institutions?)?|law firms?|lawyers?", "col", "legal"),
    _t(r"businesses|\bbusiness\b|compan(?:y|ies)|enterprises?|\bfirms?\b", "col", "business"),
    _t(r"research institut\w+|researchers?|research", "col", "research"),
    _t(r"in force|in effect|\bvalid\b|\beffective\b", "s2col", "in_force"),
    _t(r"repealed|abolished|annulled", "s2col", "repealed"),
    _t(r"\bissued\b|enacted|\bmade\b|adopted", "s2col", "issued"),
    _t(r"normative documents?|normative|regulatory documents?|policy documents?", "s2", "normative"),
    _t(r"\brules?\b|regulations?", "s2", "rules"),
    _t(r"licen[cs]ing|licen[cs]es?|permits?", "s2", "licensing"),
    _t(r"penalt(?:y|ies)|punishments?|sanctions?|\bfines?\b", "s2", "punishment"),
    _t(r"coerci(?:on|ve)(?: measures?)?|compulsory measures?", "s2", "coercion"),
    _t(r"\bfees?\b|\bcharges?\b", "s2", "fees"),
    _t(r"applications?|requests?", "row", "new", weak=True),
)

_ROW_GROUP_LABELS: dict[tuple[str, ...], tuple[str, str]] = {
    _D: ("不予公开", "applications denied"),
    _U: ("无法提供", "applications that could not be provided"),
    _R: ("不予处理", "applications not handled"),
    _O: ("其他处理", "applications otherwise handled"),
}
_ROW_LABELS: dict[str, tuple[str, str]] = {
    "new": ("新收政府信息公开申请", "new applications for government information"),
    "carried_in": ("上年结转政府信息公开申请", "applications carried over from the year before"),
    "granted": ("予以公开", "applications granted"),
    "partial": ("部分公开", "applications partly granted"),
    "results_total": ("办结政府信息公开申请", "applications handled"),
    "carried_out": ("结转下年度继续办理", "applications carried over to the next year"),
}
_COL_LABELS: dict[tuple[str, ...], tuple[str, str]] = {
    ("person",): ("自然人", "natural persons"),
    ("business",): ("商业企业", "businesses"),
    ("research",): ("科研机构", "research institutions"),
    ("nonprofit",): ("社会公益组织", "non-profit organisations"),
    ("legal",): ("法律服务机构", "legal service providers"),
    ("org_other",): ("其他组织", "other organisations"),
    ORG_COLUMNS: ("法人或其他组织", "legal persons and other organisations"),
}
_S4_LABELS: dict[str, tuple[str, str]] = {
    "review": ("行政复议", "administrative reviews"),
    "suit_direct": ("直接提起的行政诉讼", "lawsuits filed directly"),
    "suit_after_review": ("复议后提起的行政诉讼", "lawsuits after review"),
    "suits": ("行政诉讼", "lawsuits"),
}
_S4_OUTCOME_LABELS: dict[str, tuple[str, str]] = {
    "upheld": ("结果维持", "upheld"),
    "corrected": ("结果纠正", "corrected"),
    "other": ("其他结果", "with other outcomes"),
    "pending": ("尚未审结", "pending"),
}
_S2_LABELS: dict[str, tuple[str, str]] = {
    "licensing": ("行政许可处理决定", "licensing decisions"),
    "punishment": ("行政处罚处理决定", "punishment decisions"),
    "coercion": ("行政强制处理决定", "coercion decisions"),
    "fees": ("行政事业性收费金额", "administrative fees collected"),
    "rules.issued": ("本年制发规章", "rules issued"),
    "rules.repealed": ("本年废止规章", "rules repealed"),
    "rules.in_force": ("现行有效规章", "rules in force"),
    "normative.issued": ("本年制发行政规范性文件", "normative documents issued"),
    "normative.repealed": ("本年废止行政规范性文件", "normative documents repealed"),
    "normative.in_force": ("现行有效行政规范性文件", "normative documents in force"),
}


@dataclass
class Metric:
    """The figures a question asks about: keys added up per report, and how to say it."""

    keys: list[str] = field(default_factory=list)
    # Per report, when every key above is blank (a table 3 without its 总计 column): add these instead.
    fallback: list[str] = field(default_factory=list)
    label_zh: str = ""
    label_en: str = ""
    unit_zh: str = "件"
    unit_en: str = ""
    rows: list[str] = field(default_factory=list)  # table-3 rows, for shares
    columns: list[str] = field(default_factory=list)  # table-3 columns ([] = total)
    table: int | None = None
    unsupported: bool = False
    weak: bool = False  # named by a generic word alone ("多少件"): no figure of its own
    spans: list[tuple[int, int]] = field(default_factory=list)  # where the phrases are in the text

    @property
    def empty(self) -> bool:
        return not self.keys


def _matches(text: str, terms: tuple[Term, ...], taken: list[bool]) -> list[tuple[Term, int, int]]:
    found: list[tuple[Term, int, int]] = []
    for term in terms:
        for m in term.pattern.finditer(text):
            a, b = m.span()
            if a == b or any(taken[a:b]):
                continue
            for i in range(a, b):
                taken[i] = True
            found.append((term, a, b))
    return found


def s3_keys(rows: list[str], columns: list[str]) -> tuple[list[str], list[str]]:
    """Keys of table 3 for rows × columns (total when no column), and the per-report fallback
    (the six applicant columns) for a report whose table has no 总计 column."""
    if columns:
        return [f"s3.{r}.{c}" for r in rows for c in columns], []
    return [f"s3.{r}.total" for r in rows], [f"s3.{r}.{c}" for r in rows for c in S3_APPLICANT_COLUMNS]


def row_label(rows: list[str], lang: int) -> str:
    rest = list(rows)
    parts: list[str] = []
    for group, labels in _ROW_GROUP_LABELS.items():
        if all(r in rest for r in group):
            parts.append(labels[lang])
            rest = [r for r in rest if r not in group]
    for r in rest:
        if r in _ROW_LABELS:
            parts.append(_ROW_LABELS[r][lang])
        else:
            label = S3_ROW_LABELS[r][lang]
            # "（四）无法提供 1.本机关不掌握相关政府信息" -> "本机关不掌握相关政府信息"
            parts.append(re.sub(r"^（[一二三四五六七]）(?:\S+ \d\.)?", "", label) if lang == 0 else label)
    return ("、" if lang == 0 else " and ").join(parts)


def find_metric(text: str, lang: str, taken: list[bool] | None = None) -> Metric:
    """The metric a question names. `taken` marks characters already explained (agency names),
    and is updated with the metric phrases found."""
    if taken is None:
        taken = [False] * len(text)
    found = _matches(text, ZH_TERMS, taken) + _matches(text, EN_TERMS, taken)
    metric = Metric(spans=[(a, b) for _, a, b in found])
    if any(t.kind == "unsupported" for t, _, _ in found):
        metric.unsupported = True
        return metric
    strong_rows = [v for t, _, _ in found if t.kind == "row" and not t.weak for v in t.values]
    # A row named with its group ("不掌握…而无法提供"): the row, not the whole group.
    single = {t.values[0] for t, _, _ in found if t.kind == "row" and not t.weak and len(t.values) == 1}
    for t, _, _ in found:
        if t.kind == "row" and len(t.values) > 1 and any(v in single for v in t.values):
            strong_rows = [v for v in strong_rows if v in single or v not in t.values]
    weak_rows = [v for t, _, _ in found if t.kind == "row" and t.weak for v in t.values]
    cols = [v for t, _, _ in found if t.kind == "col" for v in t.values]
    groups = [v for t, _, _ in found if t.kind == "t4g" for v in t.values]
    specific = [t.values[0] for t, _, _ in found if t.kind == "t4g" and len(t.values) == 1]
    if specific:  # "直接起诉的行政诉讼": the specific kind of lawsuit, not both
        groups = [g for g in groups if g in specific]
    outcomes = [v for t, _, _ in found if t.kind == "t4o" for v in t.values]
    if not groups and outcomes == ["pending"]:  # pending applications, not pending lawsuits
        outcomes = []
        strong_rows.append("carried_out")
    s2 = [v for t, _, _ in found if t.kind == "s2" for v in t.values]
    s2cols = [v for t, _, _ in found if t.kind == "s2col" for v in t.values]

    if groups or (outcomes and not strong_rows):
        groups = list(dict.fromkeys(groups or _S4))
        outs = list(dict.fromkeys(outcomes or ["total"]))
        metric.keys = [f"s4.{g}.{o}" for g in groups for o in outs]
        metric.table = 4
        _fill_labels(metric, groups, outs, outcomes)
        return metric
    if s2 and not strong_rows:
        keys: list[str] = []
        labels: list[tuple[str, str]] = []
        for item in dict.fromkeys(s2):
            if item in ("rules", "normative"):
                for c in dict.fromkeys(s2cols or ["issued"]):
                    keys.append(f"s2.{item}.{c}")
                    labels.append(_S2_LABELS[f"{item}.{c}"])
            else:
                keys.append(f"s2.{item}")
                labels.append(_S2_LABELS[item])
        metric.keys = keys
        metric.table = 2
        metric.label_zh = "、".join(zh for zh, _ in labels)
        metric.label_en = " and ".join(en for _, en in labels)
        if keys == ["s2.fees"]:
            metric.unit_zh, metric.unit_en = "万元", "×10,000 yuan"
        elif "s2.fees" in keys:  # amounts and counts do not add up
            metric.keys = []
        return metric
    rows = list(dict.fromkeys(strong_rows))
    if not rows:
        # A weak word only: "办结" alone means results_total, "申请" alone new applications.
        rows = ["results_total"] if "results_total" in weak_rows else (["new"] if weak_rows or cols else [])
        metric.weak = not cols  # only a generic word: "件", "申请"
    if not rows:
        return metric
    columns = list(dict.fromkeys(cols))
    if set(columns) == set(S3_APPLICANT_COLUMNS):
        columns = []
    metric.rows, metric.columns, metric.table = rows, columns, 3
    metric.keys, metric.fallback = s3_keys(rows, columns)
    rl_zh, rl_en = row_label(rows, 0), row_label(rows, 1)
    key = tuple(columns)
    if columns:
        cl = _COL_LABELS.get(key) or ("、".join(_COL_LABELS[(c,)][0] for c in columns),
                                       " and ".join(_COL_LABELS[(c,)][1] for c in columns))
        metric.label_zh = f"{rl_zh}（{cl[0]}）"
        metric.label_en = f"{rl_en} from {cl[1]}"
    else:
        metric.label_zh, metric.label_en = rl_zh, rl_en
    return metric


def _fill_labels(metric: Metric, groups: list[str], outs: list[str], outcomes: list[str]) -> None:
    """Table-4 labels in both languages (find_metric set only the question's language)."""
    for li in (0, 1):
        if set(groups) == {"suit_direct", "suit_after_review"}:
            glabel = _S4_LABELS["suits"][li]
        elif set(groups) == set(_S4):
            glabel = "行政复议和行政诉讼" if li == 0 else "administrative reviews and lawsuits"
        else:
            glabel = ("、" if li == 0 else " and ").join(_S4_LABELS[g][li] for g in groups)
        if outcomes:
            olabel = ("、" if li == 0 else " or ").join(_S4_OUTCOME_LABELS[o][li] for o in outs)
            label = f"{glabel}{olabel}" if li == 0 else f"{glabel} {olabel}"
        else:
            label = glabel
        if li == 0:
            metric.label_zh = label
        else:
            metric.label_en = label
