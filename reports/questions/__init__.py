"""Questions about stored reports: text (Chinese or English) -> a structured Query.

Pure and deterministic: a grammar of metrics (reports.questions.metrics), agencies
(reports.questions.agencies), years (reports.questions.when) and aggregations, no model and no
network. The store executes a Query (storage.answers).

    >>> q = parse_question("灵宝市工信局2023年收到多少申请", today=date(2025, 3, 1),
    ...                    agencies=["灵宝市工业和信息化科技局"], years=[2023])
    >>> q.kind, q.metric, q.agencies, q.years
    ('value', ['s3.new.total'], ['灵宝市工业和信息化科技局'], [2023])
"""

from __future__ import annotations

import copy
import datetime as dt
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from reports.questions.agencies import AgencyMatch, agency_index
from reports.questions.leftover import mark, unexplained
from reports.questions.metrics import RESULT_ROWS, Metric, find_metric, row_label, s3_keys
from reports.questions.when import find_top_n, find_years

__all__ = ["KINDS", "Query", "parse_question", "EXAMPLES"]

KINDS = ("value", "sum", "top", "compare", "compare_agencies", "list_reports", "list_agencies", "count", "share",
         "missing_reports", "help")

EXAMPLES: dict[str, tuple[str, ...]] = {
    "zh": (
        "灵宝市工信局2023年收到多少申请？",
        "新乡工信 2023 年予以公开多少件？",
        "2023年全部单位共收到多少申请？",
        "哪些单位收到的申请最多？前五",
        "新乡市工业和信息化局比去年多了多少申请？",
        "淮安市政府予以公开占比",
        "库里有几份2023年的报告？",
        "哪些报告没通过校验？",
        "有哪些单位的年报？",
    ),
    "en": (
        "How many applications did the Lingbao industry bureau receive in 2023?",
        "Xinxiang industry bureau: applications granted in 2023",
        "Total applications received by all agencies in 2023",
        "Top 5 agencies by new applications",
        "How did Xinxiang's applications change compared with last year?",
        "Share of applications granted by Huai'an government",
        "How many reports are stored for 2023?",
        "Which reports failed the check?",
        "Which agencies have reports?",
    ),
}


@dataclass
class Query:
    """A parsed question. kind: one of KINDS. metric: canonical keys added up per report; fallback:
    keys to add instead for a report whose metric keys are all blank (no 总计 column).
    agency_status: none / resolved / ambiguous / unknown / region; agencies: the candidates (stored
    full names); suggestions: closest stored names for an unknown mention. years: [] = the latest
    stored (for lists and counts: all years); compare holds [earlier, later] or []."""

    kind: str = "help"
    metric: list[str] = field(default_factory=list)
    fallback: list[str] = field(default_factory=list)
    label: dict[str, str] = field(default_factory=lambda: {"zh": "", "en": ""})
    unit: dict[str, str] = field(default_factory=lambda: {"zh": "件", "en": ""})
    denominator: list[str] = field(default_factory=list)
    denominator_fallback: list[str] = field(default_factory=list)
    denominator_label: dict[str, str] = field(default_factory=dict)
    agency_status: str = "none"
    agencies: list[str] = field(default_factory=list)
    agency_mention: str = ""
    suggestions: list[str] = field(default_factory=list)
    region: str | None = None
    years: list[int] = field(default_factory=list)
    n: int | None = None
    order: str = "desc"
    verdict: str | None = None  # list_reports: "fail" / "pass" / None (all)
    count_of: str = "reports"  # count: reports / agencies
    lang: str = "zh"
    reason: str = ""  # for help: why the question was not understood
    understood_not: list[str] = field(default_factory=list)  # words the grammar could not place
    # compare_agencies: each agency or place named, {"label", "agencies", "whole": a region's sum}
    parts: list[dict[str, Any]] = field(default_factory=list)
    base_year: int | None = None  # compare: "比2023年" names the earlier year only
    text: str = ""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


S4_WORDS = {"review": "行政复议", "suit_direct": "直接起诉", "suit_after_review": "复议后起诉"}
_CJK = re.compile(r"[\u4e00-\u9fff]")
_HELP = re.compile(r"^\s*/?(?:help|start|\?|？)\s*$|帮助|怎么用|怎么问|能问什么|使用说明|示例|what can i ask|how do i ask",
                   re.I)
_FAIL = re.compile(r"没有?通过|未通过|不通过|失败|有错|错误|不合格|有问题|不平衡|\bfail(?:ed|s)?\b|did not pass|"
                   r"didn'?t pass|not pass|with errors|\berrors?\b", re.I)
_PASS = re.compile(r"通过|合格|没有错误|无错误|\bpass(?:ed|es)?\b|without errors|\bclean\b", re.I)
_LIST_REPORTS = re.compile(
    r"哪些.{0,8}(?:报告|年报)(?!.{0,4}(?:最|前))|(?:报告|年报).{0,6}(?:没有?|未|不)通过|列出.{0,8}(?:报告|年报)|"
    r"(?:报告|年报)(?:列表|清单)|有问题的(?:报告|年报)|(?:没有?|未)通过(?:校验|检查|审核)的|"
    r"which reports|list (?:the |all )?(?:annual )?reports|show (?:me )?(?:the |all )?(?:annual )?reports|"
    r"reports? (?:that |which )?(?:failed|passed|did not|didn'?t)", re.I)
_LIST_AGENCIES = re.compile(
    r"哪些(?:单位|机关|部门|机构|政府)|列出.{0,4}(?:单位|机关|部门)|(?:单位|机关|部门)(?:名单|列表|清单)|都有谁|"
    r"which (?:[\w']+ ){0,2}?agencies|list (?:the |all )?(?:[\w']+ )?agencies|what (?:[\w']+ )?agencies|"
    r"agencies (?:are )?(?:stored|in the library)", re.I)
_COUNT = re.compile(
    r"几份|多少份|几篇|多少篇|(?:几|多少)个?(?:报告|年报)|(?:报告|年报)(?:数|数量|有多少)|(?:几|多少)(?:个|家)(?:单位|机关|部门|机构)|"
    r"how many (?:[\w']+ ){0,3}reports|number of (?:[\w']+ ){0,3}reports|how many agencies|number of agencies|"
    r"count (?:the |of )?reports", re.I)
_COUNT_AGENCIES = re.compile(r"(?:几|多少)(?:个|家)(?:单位|机关|部门|机构)|how many agencies|number of agencies", re.I)
_TOP = re.compile(r"最多|最高|最大|排名|排行|最少|最低|最小|谁多|\btop\b|\bmost\b|highest|largest|biggest|"
                  r"\bleast\b|fewest|lowest|smallest|\brank(?:ing|ed)?\b|\bbottom\b", re.I)
_ASC = re.compile(r"最少|最低|最小|\bleast\b|fewest|lowest|smallest|\bbottom\b", re.I)
_ONE = re.compile(r"哪个|哪一个|哪家|哪一家|谁|which (?:[\w']+ ){0,2}?(?:agency|unit|body|department|government)\b(?!s)",
                  re.I)
_COMPARE = re.compile(
    r"比(?:去年|上年|上一年|前一年)|相比|同比|对比|比较|变化|增加|减少|增长|下降|多了|少了|增减|差多少|相差|"
    r"多收|少收|compar|than (?:last|the previous|the prior) year|\bchange[ds]?\b|increase|decrease|\bgr[eo]wn?\b|"
    r"\bfrom (?:19|20)\d\d to\b|versus|\bvs\.?\b|difference|year[- ]on[- ]year|more than|fewer than|less than", re.I)
_PREV = re.compile(r"比(?:去年|上年|上一年|前一年)|(?:与|和|跟|同)(?:去年|上年|上一年)(?:相比|比)|同比|"
                   r"than (?:last|the previous|the prior) year|(?:compared (?:with|to)|versus|vs\.?|from) "
                   r"(?:last|the previous|the prior) year|year[- ]on[- ]year", re.I)
_SHARE = re.compile(r"占比|比例|比率|百分比|百分之|所占|占多少|占几成|(?<!效)率|\bshare\b|percent|proportion|\bratio\b|"
                    r"\brate\b|what fraction", re.I)
_BASE = re.compile(r"比\s*((?:19|20)\d\d)|than (?:in )?((?:19|20)\d\d)|(?:compared (?:with|to)|versus|vs\.?) "
                   r"((?:19|20)\d\d)", re.I)
_SUM = re.compile(r"全部|所有|全市|全县|全区|全省|各单位|合计|总共|一共|共计|加起来|汇总|总和|总量|库里|^共|共收到|"
                  r"\ball\b|\btotal\b|altogether|combined|\bsum\b|overall|every agency|across|in the library", re.I)


# Filler phrases of questions that the kinds above leave (how many …, 有多少 …).
_FILLER = re.compile(r"how many|how much|what (?:is|was|were|are) the|what's|in total|so far|up to now|"
                     r"at all|of all|in all|per cent", re.I)
_ROSTER = re.compile(r"没有?(?:交|报送|提交|上报|发布|上传|发)|未(?:交|报送|提交|上报|发布|上传)|还没|尚未|缺|"
                     r"(?:have|has)n'?t (?:sent|submitted|filed|published|uploaded)|not (?:yet )?(?:sent|submitted|"
                     r"filed|published|uploaded)|missing", re.I)


_KIND_WORDS = re.compile(r"哪些|哪个|哪一个|哪家|哪一家|谁|列出|名单|列表|清单|都有谁|几份|多少份|几篇|多少篇|"
                         r"\bwhich\b|\blist\b|\bhow many\b|\bnumber of\b|\bcount\b", re.I)


def _suggest(agencies: Sequence[str], mention: str, pool: Sequence[str] | None) -> list[str]:
    if not agencies:
        return []
    index = agency_index(tuple(agencies))
    ids = None
    if pool:
        wanted = set(pool)
        ids = [i for i, e in enumerate(index.entries) if e.name in wanted]
    return index.suggest(mention, ids) if ids or ids is None else []


def _language(s: str, taken: list[bool]) -> str:
    """The question's language: Chinese when it has Chinese words besides the agency names it quotes
    ("How many applications did 淮安市人民政府 receive?" is English)."""
    own = sum(1 for i, ch in enumerate(s) if not taken[i] and _CJK.match(ch))
    if own >= 2:
        return "zh"
    words = re.findall(r"[A-Za-z]{2,}", s)
    return "en" if len(words) >= 2 or not _CJK.search(s) else "zh"


def _normalise(text: str) -> str:
    """Full-width letters and digits to ASCII, one space between words; keeps Chinese punctuation
    meaningfully (they only separate)."""
    s = unicodedata.normalize("NFKC", text)
    return re.sub(r"\s+", " ", s).strip()


def parse_question(text: str, *, today: dt.date, agencies: Sequence[str] = (), years: Sequence[int] = (),
                   previous: dict[str, Any] | None = None) -> Query:
    """Parse a question. `agencies`: the full names of stored agencies (to resolve short names);
    `years`: the stored years (a question without a year means the latest of them); `previous`: the
    chat's last question (Query.to_json()), for follow-ups that name only a year or an agency
    ("那2022年呢？", "and Putian?")."""
    s = _normalise(text)
    q = Query(lang="zh" if _CJK.search(s) else "en", text=text)
    if not s or _HELP.search(s):
        q.reason = "help"
        return q
    taken = [False] * len(s)
    match = agency_index(tuple(agencies)).match(s, taken) if agencies else AgencyMatch()
    q.lang = lang = _language(s, taken)
    metric = find_metric(s, lang, taken)
    # "比去年" is a comparison, not a second year.
    prev = next((m for m in _PREV.finditer(s) if not any(taken[m.start():m.end()])), None)
    if prev:
        for i in range(*prev.span()):
            taken[i] = True
    before_years = list(taken)
    q.years = find_years(s, today, taken)
    n, has_top = find_top_n(s, taken)
    starts = [a for a, _ in metric.spans] + [i for i, (x, y) in enumerate(zip(before_years, taken, strict=True)) if y and not x]
    # Only patterns without gaps explain text: a gap ("which … agencies") may hold an unknown name.
    mark(s, taken, _HELP, _FAIL, _PASS, _TOP, _COMPARE, _SHARE, _SUM, _ROSTER, _FILLER, _KIND_WORDS)
    left = unexplained(s, taken, min(starts, default=None))
    names = [x for x in left if x.agency_like]
    if names and match.status != "unknown":
        mention = names[0].text
        if match.mention and s[:names[0].start].endswith(match.mention):  # 徐州市 + 公安局
            mention = match.mention + mention
        pool = None
        if match.status in ("resolved", "ambiguous", "region") and match.candidates:
            pool = match.candidates
        match = AgencyMatch("unknown", [], None, mention, _suggest(agencies, mention, pool))
    q.understood_not = [x.text for x in left if not x.agency_like]
    q.label = {"zh": metric.label_zh, "en": metric.label_en}
    q.unit = {"zh": metric.unit_zh, "en": metric.unit_en}
    q.metric, q.fallback = list(metric.keys), list(metric.fallback)
    q.agency_status, q.agencies, q.region = match.status, list(match.candidates), match.region
    q.agency_mention, q.suggestions = match.mention, list(match.suggestions)

    if metric.unsupported:
        q.reason = "unsupported-metric"
        q.metric = []
        return q
    if previous and not q.understood_not and _is_follow_up(s, q, match, metric, previous):
        return _follow(q, match, previous, s)
    if q.understood_not and q.agency_status != "unknown":
        q.reason = "leftover"
        if metric.weak:  # "主动公开多少件": 件 named no figure
            q.metric, q.fallback, q.label = [], [], {"zh": "", "en": ""}
        return q
    if match.status == "multi":
        return _several(q, match, metric, s)
    wants_sum = bool(_SUM.search(s))
    bm = _BASE.search(s)
    base = int(next(g for g in bm.groups() if g)) if bm else None
    if has_top and not metric.keys:  # "前五名": ranked by new applications
        metric = find_metric("新收申请", "zh")
        q.metric, q.fallback = list(metric.keys), list(metric.fallback)
        q.label = {"zh": metric.label_zh, "en": metric.label_en}
    if _ROSTER.search(s) and not metric.keys:
        q.kind = "missing_reports"
    elif (_LIST_AGENCIES.search(s) and not metric.keys and not _FAIL.search(s) and not _PASS.search(s)
            and not _COUNT.search(s)):
        q.kind = "list_agencies"
    elif _LIST_REPORTS.search(s) and not (metric.keys and (has_top or _TOP.search(s))):
        q.kind = "list_reports"
        q.verdict = "fail" if _FAIL.search(s) else ("pass" if _PASS.search(s) else None)
    elif _COUNT.search(s):
        q.kind = "count"
        q.count_of = "agencies" if _COUNT_AGENCIES.search(s) else "reports"
    elif metric.keys and (has_top or _TOP.search(s)) and q.agency_status != "resolved":
        q.kind = "top"
        q.order = "asc" if _ASC.search(s) else "desc"
        q.n = n or (1 if _ONE.search(s) else 5)
    elif metric.keys and (prev or _COMPARE.search(s) or len(q.years) >= 2 or base):
        q.kind = "compare"
        if len(q.years) >= 2:
            q.years = sorted(q.years[:2])
        elif base and q.years == [base]:  # "比2023年多收了多少": 2023 against the latest
            q.base_year = base
        elif len(q.years) == 1:
            q.years = [q.years[0] - 1, q.years[0]]
    elif metric.keys and _SHARE.search(s) and _denominator(q, metric):
        q.kind = "share"
    elif metric.keys:
        q.kind = "value"
    else:
        q.reason = "no-metric"
        return q
    if len(q.years) > 1 and q.kind not in ("compare",):
        q.years = q.years[:1] if q.kind in ("value", "share", "sum", "top") else q.years

    # Who: one agency, a region, everyone; or a question back when the name is unclear.
    if q.agency_status == "region":
        if wants_sum or q.kind in ("top", "count", "list_reports", "list_agencies", "missing_reports"):
            pass  # the region filters the reports
        else:
            if match.government:  # "淮安市" alone: the city's own report, by its people's government
                q.agency_status, q.agencies = "resolved", [match.government]
            else:  # never one of its departments silently: ask which
                q.agency_status = "ambiguous"
    if q.kind == "value" and q.agency_status in ("none", "region"):
        q.kind = "sum"
    if q.kind in ("value", "share", "compare") and q.agency_status == "ambiguous" and wants_sum:
        q.kind = "sum" if q.kind == "value" else q.kind
    return q


_FOLLOW = re.compile(r"^\s*(?:那|那么|还有|换成|改成|and\b|what about\b|how about\b|same for\b|now\b)|呢\s*[？?]?\s*$", re.I)
_OWN_KIND = (_TOP, _LIST_REPORTS, _LIST_AGENCIES, _COUNT, _SHARE, _COMPARE, _ROSTER, _FAIL)
_FOLLOWABLE = ("value", "sum", "share", "compare", "top", "count", "list_reports", "list_agencies",
               "compare_agencies", "missing_reports")


def _is_follow_up(s: str, q: Query, match: AgencyMatch, metric: Metric, previous: dict[str, Any]) -> bool:
    """A question that names only a year or an agency, as a follow-up does: no figure, no kind of
    question of its own, and a follow-up's words ("那…呢", "and …?") or very few words."""
    if previous.get("kind") not in _FOLLOWABLE or metric.keys or metric.unsupported:
        return False
    if not q.years and match.status == "none":
        return False
    if any(p.search(s) for p in _OWN_KIND):
        return False
    return bool(_FOLLOW.search(s)) or len(s) <= 12


def _follow(q: Query, match: AgencyMatch, previous: dict[str, Any], s: str) -> Query:
    """The previous question, with the year or the agency this one names."""
    names = {f for f in Query.__dataclass_fields__}
    out = Query(**{k: copy.deepcopy(v) for k, v in previous.items() if k in names})
    out.text, out.lang, out.reason, out.understood_not = q.text, q.lang, "", []
    if q.years:
        if out.kind == "compare" and len(q.years) == 1:
            out.years, out.base_year = [q.years[0] - 1, q.years[0]], None
        else:
            out.years = q.years[:2] if out.kind == "compare" else q.years[:1]
    if match.status == "none":
        return out
    out.agency_status, out.agencies, out.region = match.status, list(match.candidates), match.region
    out.agency_mention, out.suggestions, out.parts = match.mention, list(match.suggestions), []
    if out.kind == "compare_agencies":
        out.kind = "value"
    many = out.kind in ("top", "count", "list_reports", "list_agencies", "missing_reports", "sum")
    if match.status == "region" and not many:
        if match.government:
            out.agency_status, out.agencies = "resolved", [match.government]
        else:
            out.agency_status = "ambiguous"
    if out.kind == "sum" and out.agency_status == "resolved":
        out.kind = "value"
    elif out.kind == "value" and out.agency_status == "region":
        out.kind = "sum"
    return out


def _several(q: Query, match: AgencyMatch, metric: Metric, s: str) -> Query:
    """Two or more agencies or places named together: a comparison of one figure between them. A
    place stands for its own people's government when stored, else for the sum over its agencies."""
    for part in match.parts:
        if part.status in ("unknown", "ambiguous"):
            q.agency_status, q.agencies, q.region = part.status, list(part.candidates), part.region
            q.agency_mention, q.suggestions = part.mention, list(part.suggestions)
            q.kind = "value" if metric.keys else "help"
            q.reason = "" if metric.keys else "no-metric"
            return q
    if not metric.keys:  # "compare Xinxiang and Lingbao": by new applications
        metric = find_metric("新收申请", "zh")
        q.metric, q.fallback = list(metric.keys), list(metric.fallback)
        q.label = {"zh": metric.label_zh, "en": metric.label_en}
        q.unit = {"zh": metric.unit_zh, "en": metric.unit_en}
    q.kind, q.agency_status, q.agencies = "compare_agencies", "multi", []
    q.years = q.years[-1:]
    for part in match.parts:
        if part.status == "resolved":
            q.parts.append({"label": part.candidates[0], "agencies": list(part.candidates), "whole": False})
        elif part.government:
            q.parts.append({"label": part.government, "agencies": [part.government], "whole": False})
        else:
            q.parts.append({"label": part.region or part.mention, "agencies": list(part.candidates), "whole": True})
        q.agencies += [a for a in q.parts[-1]["agencies"] if a not in q.agencies]
    q.agency_mention = match.mention
    return q


def _denominator(q: Query, metric: Metric) -> bool:
    """Set the share's denominator: the same rows' total column, the results total, or the table-4
    group total. False when the metric has no natural whole."""
    if metric.table == 3:
        rows = metric.rows if metric.columns else ["results_total"]
        if not metric.columns and not all(r in RESULT_ROWS for r in metric.rows):
            return False
        q.denominator, q.denominator_fallback = s3_keys(rows, [])
        q.denominator_label = {"zh": row_label(rows, 0), "en": row_label(rows, 1)}
        return True
    if metric.table == 4 and not all(k.endswith(".total") for k in metric.keys):
        groups = dict.fromkeys(k.split(".")[1] for k in metric.keys)
        q.denominator = [f"s4.{g}.total" for g in groups]
        whole = find_metric(" ".join(S4_WORDS[g] for g in groups), "zh")
        q.denominator_label = {"zh": whole.label_zh, "en": whole.label_en}
        return True
    return False
