"""What a question says that the grammar did not explain.

The grammar marks the characters it explains (agency names, figures, years, kinds of question).
Whatever is left must be filler ("请问", "多少", "how many", "the"); anything else is either a name
the store does not know (a place or an agency: "三明", "沐阳县", "Sanming", "Atlantis bureau"), which
must never widen the answer to every agency, or words the grammar does not understand ("主动公开"),
which must not be answered as some other figure. Both get no number.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

from reports.questions.gazetteer import PLACE_PINYIN, PLACES, looks_pinyin

# Chinese words that carry no subject: question words, particles, measure words, generic nouns.
# Longest first; a leftover is explained when filler words cover it entirely, save single characters.
_ZH_FILLER = sorted(set((
    "请问", "请", "问一下", "问下", "问", "查一下", "查下", "查询", "查", "帮我", "帮忙", "看看", "看一下", "看下", "告诉我", "我想知道", "想知道",
    "想问", "我想", "我要", "我", "你", "您", "一下", "多少", "几", "件", "个", "份", "家", "项", "条", "次", "宗", "笔", "的", "得",
    "地", "了", "吗", "呢", "么", "啊", "呀", "吧", "嘛", "哦", "啦", "呗", "是", "有", "在", "和", "与", "跟", "及", "以及", "或",
    "或者", "还是", "共", "总共", "一共", "共计", "合计", "总计", "总数", "总量", "总额", "数量", "数目", "数据", "数字", "数", "量", "额",
    "情况", "多", "少", "比", "各", "全", "本", "该", "其", "这", "那", "之", "中", "里", "内", "上", "下", "到", "至", "为", "被",
    "对", "向", "从", "由", "给", "把", "将", "并", "还", "又", "也", "都", "就", "年", "年度", "度", "当年", "同期", "分别", "具体",
    "大概", "大约", "一", "各个", "单位", "机关", "部门", "机构", "政府信息公开", "政府信息", "信息公开", "信息", "公开", "申请", "报告", "年报", "工作",
    "处理", "办理", "政府", "方面", "类", "事项", "项目", "什么", "怎样", "怎么样", "如何", "哪", "哪些", "哪个", "谁", "那么", "如果", "按照",
    "根据", "显示", "里面", "其中", "之中", "多少件", "多少个", "多少份", "总", "数额", "相关", "有关", "所有", "全部", "现在", "目前", "已经", "已",
    "曾", "过", "着", "会", "能", "可以", "要", "想", "请你", "麻烦", "谢谢", "你好", "您好", "一年", "整年", "全年", "呢？", "吗？", "一些",
    "些", "人", "者", "方", "后", "前", "时", "时候", "期间", "当中", "间", "每", "第", "提交", "交", "报送", "收录", "存", "存了", "保存",
    "入库", "库", "库里", "决定", "处理决定", "属于", "本年", "本年度", "要求", "提供", "申请人", "行政机关", "本机关", "校验", "检查", "审核", "核验",
    "检验", "验证", "结果", "通过", "错误", "问题", "哪一年", "哪年", "不再", "因", "因为", "而", "所以", "导致"
)), key=lambda w: (-len(w), w))
_REGION_SUFFIX = re.compile(r"(?:特别行政区|自治区|自治州|自治县|自治旗|地区|省|市|州|县|区|旗|盟|乡|镇|街道)$")
_AGENCY_SUFFIX = re.compile(r"(?:委员会|办公室|办公厅|人民政府|政府|局|厅|委|办|部|署|中心|院|所|站|队)$")


@cache
def _filler_re() -> re.Pattern[str]:  # compiled on first use: importing stays cheap
    return re.compile("|".join(map(re.escape, _ZH_FILLER)))


@cache
def _place_re() -> re.Pattern[str]:
    return re.compile("|".join(sorted(map(re.escape, PLACES), key=lambda w: (-len(w), w))))

# English words that carry no subject.
EN_FILLER = frozenset((
    "what", "how", "which", "who", "whom", "whose", "when", "where", "why", "show", "list", "give", "tell",
    "in", "for", "the", "of", "and", "did", "does", "do", "done", "is", "are", "was", "were", "be", "been",
    "being", "many", "much", "top", "compare", "compared", "comparing", "comparison", "china", "chinese", "it",
    "its", "please", "total", "all", "reports", "report", "agencies", "agency", "i", "a", "an", "last", "this",
    "that", "these", "those", "year", "years", "has", "have", "had", "between", "from", "to", "by", "with",
    "on", "at", "as", "into", "over", "under", "during", "per", "across", "within", "about", "number", "count",
    "share", "percentage", "percent", "ratio", "rate", "me", "us", "any", "there", "can", "could", "would",
    "will", "shall", "should", "than", "vs", "versus", "new", "help", "my", "our", "their", "them", "they",
    "you", "your", "we", "he", "she", "his", "her", "get", "got", "gets", "let", "see", "find", "tell", "told",
    "say", "said", "figure", "figures", "value", "values", "amount", "amounts", "data", "stat", "stats",
    "statistics", "how's", "what's", "which's", "there's", "stored", "store", "library", "database", "kept",
    "saved", "filed", "sent", "submitted", "published", "uploaded", "reported", "reporting", "decisions",
    "decision", "cases", "case", "items", "item", "matters", "times", "made", "make", "making", "handle",
    "handled", "answer", "answered", "people's", "peoples", "people", "government", "governments", "govt",
    "gov", "city", "county", "district", "province", "provincial", "municipal", "municipality", "office",
    "department", "departments", "commission", "committee", "bureau", "bureaus", "bureau's", "administration",
    "authority", "authorities", "body", "bodies", "unit", "units", "council", "ministry", "center", "centre",
    "agency's", "government's", "office's", "city's", "so", "then", "also", "too", "just", "only", "each",
    "every", "either", "both", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "some", "more", "most", "less", "least", "fewer", "fewest", "few", "lot", "lots", "whole", "altogether",
    "overall", "combined", "sum", "summed", "together", "versus", "not", "no", "yes", "ok", "okay", "thanks",
    "thank", "hi", "hello", "dear", "sir", "received", "receive", "receives", "granted", "grant", "grants",
    "denied", "applications", "application", "requests", "request", "check", "checked", "checks", "checking",
    "failed", "fail", "passed", "pass", "errors", "error", "because", "information", "administrative", "still", "after", "before", "correction", "rights", "right", "other", "others",
    "laws", "law", "full", "fully", "collect", "collected", "collects", "part", "partly", "exactly", "approximately",
    "around", "roughly", "ever", "since", "until", "regarding", "concerning", "related", "relating", "disclosure",
    "disclosures", "disclose", "government", "what's", "whats", "tell", "know", "want", "like", "need", "show",
    "were", "year's", "their", "theirs", "there", "here", "given", "provide", "provided", "file", "files", "page",
    "didn't", "doesn't", "don't", "isn't", "aren't",
    "wasn't", "weren't", "hasn't", "haven't"
))


# A word before an agency noun names the agency ("culture bureau"), even in lower case.
_BODY_AFTER = re.compile(r"(?:[\s-]+[A-Za-z]+){0,3}?[\s-]+(?:bureaus?|commissions?|offices?|departments?|administrations?|"
                         r"committees?|cent(?:er|re)s?|authorit(?:y|ies))\b", re.I)


@dataclass
class Leftover:
    text: str
    start: int
    end: int
    agency_like: bool  # names a place or an agency (else: words not understood)


def mark(text: str, taken: list[bool], *patterns: re.Pattern[str]) -> None:
    """Mark the spans of `patterns` (the kinds of question: 哪些, top, share …) as explained."""
    for p in patterns:
        for m in p.finditer(text):
            for i in range(*m.span()):
                taken[i] = True


def gaps(taken: list[bool], a: int, b: int) -> Iterator[tuple[int, int]]:
    """The runs (start, end) of positions in [a, b) that are not taken."""
    k = a
    while k < b:
        if taken[k]:
            k += 1
            continue
        s = k
        while k < b and not taken[k]:
            k += 1
        yield s, k


def _runs(text: str, taken: list[bool], pattern: str) -> list[tuple[int, int]]:
    return [g for m in re.finditer(pattern, text) for g in gaps(taken, *m.span())]


def _zh_unexplained(chunk: str) -> tuple[int, int] | None:
    """The part of a Chinese chunk that filler does not cover: a place name, or a run of two or more
    characters that are no filler; None when the chunk is filler (or stray single characters)."""
    m = _place_re().search(chunk)
    if m:
        a, b = m.span()
        while b < len(chunk) and (_REGION_SUFFIX.search(chunk[a:b + 1]) or _AGENCY_SUFFIX.search(chunk[a:b + 1])):
            b += 1
        return a, b
    covered = [False] * len(chunk)
    for f in _filler_re().finditer(chunk):
        for i in range(*f.span()):
            covered[i] = True
    n = len(chunk)
    for s, i in gaps(covered, 0, n):
        # Take back the filler around the run that belongs to a name (城厢区, 沙县): suffix characters.
        e = i
        while e < n and covered[e] and (_REGION_SUFFIX.search(chunk[s:e + 1])
                                        or _AGENCY_SUFFIX.search(chunk[s:e + 1])):
            e += 1
        if e - s >= 2:
            return s, e
    return None


def unexplained(text: str, taken: list[bool], first_figure: int | None) -> list[Leftover]:
    """The unexplained parts of `text`, in order. `first_figure`: where the first figure phrase or year
    starts (a name usually comes before it)."""
    out: list[Leftover] = []
    for s, e in _runs(text, taken, r"[\u4e00-\u9fff]+"):
        chunk = text[s:e]
        hit = _zh_unexplained(chunk)
        if hit is None:
            continue
        a, b = hit
        word = chunk[a:b]
        named = bool(_place_re().search(word) or _REGION_SUFFIX.search(word) or _AGENCY_SUFFIX.search(word))
        before = first_figure is not None and s + a < first_figure
        out.append(Leftover(word, s + a, s + b, named or before))
    for s, e in _runs(text, taken, r"[A-Za-z][A-Za-z'’]*"):
        raw = text[s:e].replace("’", "'")
        w = raw.lower()
        bare = w.removesuffix("'s").replace("'", "")
        if w in EN_FILLER or bare in EN_FILLER or len(bare) < 3:
            continue
        if bare in PLACE_PINYIN or looks_pinyin(bare) or raw[0].isupper() or _BODY_AFTER.match(text, e):
            out.append(Leftover(raw.removesuffix("'s"), s, e, True))
        elif len(bare) >= 4:  # a content word the grammar does not know ("median"): not answered as another
            out.append(Leftover(raw, s, e, False))
    return out
