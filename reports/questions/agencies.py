"""Which stored agency a question means: full names, short names, regions, pinyin, English, typos.

Every stored name is cut into its region ("灵宝市", from reports.agency) and its body
("工业和信息化科技局"); each gets the keys people use for it: "灵宝", "lingbao", "工信局", "工信",
"工业信息化科技局" … A question is scanned for every key; agencies are scored by the keys they
share with it, a named region restricting the field. What is left over and looks like a place or an
agency ("郑州市", "灵宝市公安局") makes the mention unknown, and the closest stored names are
suggested instead of an answer about someone else.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from reports.agency import agency_region, normalise_agency
from reports.questions.gazetteer import (
    ABBREVIATIONS,
    BODY_ALIASES,
    PLACE_PINYIN,
    PLACES,
    ZONE_SUFFIXES,
)
from reports.questions.leftover import gaps

SUFFIXES: tuple[str, ...] = ("委员会", "办公室", "人民政府", "局", "厅", "委", "办", "部", "署", "中心", "院")
_REGION_SUFFIX = re.compile(r"(?:特别行政区|自治区|自治州|自治县|自治旗|地区|省|市|州|县|区|旗|盟)$")
_REGION_SUFFIX_AT = re.compile(r"特别行政区|自治区|自治州|自治县|自治旗|地区|省|市|县|区|旗|盟")

# Pinyin of the places met in the samples and in FORMAT-NOTES (short names, no tones).
PINYIN: dict[str, str] = {
    "灵宝": "lingbao", "新乡": "xinxiang", "淮安": "huaian", "三门峡": "sanmenxia", "河南": "henan",
    "江苏": "jiangsu", "湛江": "zhanjiang", "南平": "nanping", "渭南": "weinan", "新余": "xinyu",
    "莆田": "putian", "石家庄": "shijiazhuang", "嘉兴": "jiaxing", "武汉": "wuhan", "阜阳": "fuyang",
    "广元": "guangyuan", "十堰": "shiyan", "黔西南": "qianxinan", "蒙城": "mengcheng", "汶上": "wenshang",
    "新荣": "xinrong", "大同": "datong", "昌江": "changjiang", "景德镇": "jingdezhen", "五常": "wuchang",
    "哈尔滨": "harbin", "青阳": "qingyang", "城中": "chengzhong", "西宁": "xining", "乌海": "wuhai",
    "上海": "shanghai", "杨凌": "yangling", "怀化": "huaihua", "岳阳": "yueyang", "云南": "yunnan",
    "亳州": "bozhou", "柳州": "liuzhou", "云冈": "yungang", "鲤城": "licheng", "泉州": "quanzhou",
    "威海": "weihai", "文登": "wendeng", "历下": "lixia", "济南": "jinan", "杭州": "hangzhou",
    "北京": "beijing", "天津": "tianjin", "重庆": "chongqing", "广州": "guangzhou", "深圳": "shenzhen",
    "郑州": "zhengzhou", "洛阳": "luoyang", "开封": "kaifeng", "安阳": "anyang", "南阳": "nanyang",
    "信阳": "xinyang", "周口": "zhoukou", "商丘": "shangqiu", "许昌": "xuchang", "焦作": "jiaozuo",
    "南京": "nanjing", "苏州": "suzhou", "无锡": "wuxi", "徐州": "xuzhou", "扬州": "yangzhou",
    "盐城": "yancheng", "连云港": "lianyungang", "淮阴": "huaiyin", "涟水": "lianshui", "盱眙": "xuyi",
    "金湖": "jinhu", "洪泽": "hongze", "清江浦": "qingjiangpu", "卫辉": "weihui", "辉县": "huixian",
    "长垣": "changyuan", "获嘉": "huojia", "原阳": "yuanyang", "延津": "yanjin", "封丘": "fengqiu",
    "义马": "yima", "渑池": "mianchi", "卢氏": "lushi", "陕州": "shanzhou", "湖滨": "hubin",
    "红旗": "hongqi", "卫滨": "weibin", "牧野": "muye", "凤泉": "fengquan",
}
# English words for agency bodies -> the Chinese keys they stand for.
EN_BODY: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(p, re.I), k) for p, k in (
    (r"industry(?:,)? (?:and )?information(?:isation|ization| technology)?(?:,? and science(?: and technology)?)?"
     r"|industry and it\b|\bindustr(?:y|ial)\b|\bmiit\b", "工信"),
    (r"econom(?:y|ic) and information\w*", "经信"),
    (r"science and technology|\bscience\b", "科技"),
    (r"people'?s government|\bgovernment\b|\bgovt\b|city hall", "政府"),
    (r"market (?:supervision|regulation)(?: administration)?", "市场监管"),
    (r"public security|police", "公安"),
    (r"\beducation\b", "教育"),
    (r"\bfinance\b", "财政"),
    (r"housing(?: and urban-rural development)?", "住建"),
    (r"development and reform", "发改"),
    (r"human resources(?: and social security)?", "人社"),
    (r"ecology and environment|environment(?:al protection)?", "环保"),
    (r"\btransport(?:ation)?\b", "交通"),
    (r"\bhealth\b", "卫健"),
    (r"civil affairs", "民政"),
    (r"\bjustice\b", "司法"),
    (r"\baudit\b", "审计"),
    (r"\bstatistics\b", "统计"),
    (r"\bcommerce\b", "商务"),
    (r"culture(?:,)? (?:radio,? (?:television|tv),? )?(?:and )?tourism|\btourism\b", "文旅"),
    (r"urban (?:management|administration)|city management|\bchengguan\b", "城管"),
    (r"emergency management|\bemergency\b", "应急"),
    (r"general office|government office|office of the (?:people'?s )?government", "政府办"),
    (r"agriculture(?: and rural affairs)?", "农业"),
    (r"water resources", "水利"),
    (r"natural resources(?: and planning)?", "自然资源"),
    (r"medical (?:insurance|security)|healthcare security", "医保"),
    (r"veterans?'? affairs", "退役军人"),
    (r"\bbureau\b|\badministration\b", "局"),
    (r"\bcommission\b", "委"),
    (r"\bcommission\b", "委员会"),
    (r"\bdepartment\b", "厅"),
))
# Parts of a question that look like an agency name but are not ("政府信息公开" is the subject).
BLOCKED = re.compile(r"政府信息公开|政府信息(?!处理)|信息公开|依申请公开")
_STOP_PREFIX = re.compile(
    r"^(?:请问|请|问一?下|问|查一?下|查询|查|帮我查?|看看|看一?下|告诉我|我想知道|想知道|一下|"
    r"的|了|在|和|与|跟|比|是|共|总共|一共|哪个|哪些|哪家|那个|这个|该|各|全|本|年度?|度)+"
)
_EN_VOCAB = frozenset((
    "what", "how", "which", "who", "show", "list", "give", "tell", "in", "for", "the", "of", "and", "did",
    "does", "do", "is", "are", "was", "were", "many", "much", "top", "compare", "compared", "china", "chinese",
    "english", "bureau", "government", "people", "people's", "industry", "information", "technology", "it",
    "miit", "please", "total", "all", "reports", "report", "agencies", "agency", "i", "a", "an", "last",
    "this", "year", "has", "have", "had", "city", "county", "district", "province", "municipal", "office",
    "department", "commission", "science", "and", "between", "from", "to", "by", "with", "on", "at",
    "administration", "market", "public", "security", "education", "finance", "housing", "health",
    "annual", "number", "count", "share", "percentage", "ratio", "rate", "me", "us", "any", "there",
    "can", "could", "would", "will", "than", "vs", "versus", "new", "applications", "application",
    "requests", "received", "receive", "granted", "denied", "help", "fy", "q", "my", "our", "its",
))


@dataclass(frozen=True)
class Entry:
    name: str
    regions: tuple[str, ...]  # full region parts, outermost first ("河南省", "三门峡市", "灵宝市")
    body: str
    government: bool
    keys: frozenset[str]
    region_keys: frozenset[str]
    whole: frozenset[str] = frozenset()  # the names of its whole body


@dataclass
class AgencyMatch:
    """status: none (no agency named), resolved, ambiguous, unknown, region (only a place named)."""

    status: str = "none"
    candidates: list[str] = field(default_factory=list)
    region: str | None = None
    mention: str = ""
    suggestions: list[str] = field(default_factory=list)
    government: str | None = None  # region only: the region's own people's government, when stored
    parts: list[AgencyMatch] = field(default_factory=list)  # multi: each agency or place named


# What separates two agencies named together: 新乡和灵宝, Xinxiang and Lingbao, A、B.
_AND = re.compile(r"\s*(?:和|与|跟|同|及|以及|、|，|,|&|/|and|vs\.?|versus|对比|比)\s*", re.I)


def _clusters(text: str, occ: list[tuple[str, int, int]]) -> list[dict[str, tuple[int, int]]]:
    """The keys found, in groups that a conjunction separates (each group names one agency)."""
    spans = sorted({(a, b, k) for k, a, b in occ}, key=lambda t: (t[0], -t[1]))
    kept = [(a, b, k) for a, b, k in spans
            if not any(a2 <= a and b <= b2 and (a2, b2) != (a, b) for a2, b2, _ in spans)]
    groups: list[dict[str, tuple[int, int]]] = []
    end = None
    for a, b, k in kept:
        if end is None or (a >= end and _AND.fullmatch(text[end:a])):
            groups.append({})
        groups[-1].setdefault(k, (a, b))
        end = b if end is None else max(end, b)
    return groups


def _short_region(part: str) -> str | None:
    for suffix in ZONE_SUFFIXES:
        if part.endswith(suffix) and len(part) - len(suffix) >= 2:
            return part[: -len(suffix)]
    short = _REGION_SUFFIX.sub("", part)
    return short if len(short) >= 2 and short != part else None


def pinyin_of(place: str) -> tuple[str, ...]:
    """The pinyin of a place name without its suffix ("灵宝" -> ("lingbao",)), if known."""
    return PLACES.get(place) or ((PINYIN[place],) if place in PINYIN else ())


@lru_cache(maxsize=4096)  # bodies repeat across agencies ("教育局" of every place)
def _whole_body(body: str) -> frozenset[str]:
    """The names of the whole body ("人民政府", "政府"; "发展和改革委员会", "发改委"), not of a part."""
    variants = {body, body.replace("和", "")}
    for long, short in ABBREVIATIONS:
        for v in list(variants):
            if long in v and long != short:
                variants.add(v.replace(long, short))
    for long, aliases in BODY_ALIASES.items():
        if body == long:
            variants.update(aliases)
    return frozenset(variants)


@lru_cache(maxsize=4096)
def _body_keys(body: str) -> frozenset[str]:
    variants = _whole_body(body)
    keys = set(variants)
    for long, aliases in BODY_ALIASES.items():
        if body.endswith(long):
            keys.update(aliases)
    for v in variants:
        for suffix in SUFFIXES:
            if v.endswith(suffix) and len(v) > len(suffix):
                core = v[: -len(suffix)]
                if len(core) >= 2:
                    keys.add(core)
                keys.add(suffix if suffix != "人民政府" else "政府")
                for long, short in ABBREVIATIONS:
                    if (short in core or long in core) and len(short) >= 2:
                        keys.update((short, short + suffix))
                break
    return frozenset(k for k in keys if k)


# Fallback for names reports.agency cannot split (e.g. 徐州市, 盐城市): leading place names.
_PLACE = re.compile(r"[\u4e00-\u9fff]{2,6}?(?:特别行政区|自治区|自治州|自治县|地区|省|市|州|县|区|旗|盟)")


def _split(norm: str) -> tuple[tuple[str, ...], str]:
    """(region parts, body) of a normalised name."""
    regions = [p for p in agency_region(norm) if p]
    prefix = "".join(regions)
    if not prefix or not norm.startswith(prefix):
        regions, prefix = [], ""
    body = norm[len(prefix):]
    if not regions:  # a zone that reports like a government: 平潭综合实验区
        for suffix in ZONE_SUFFIXES:
            at = body.find(suffix)
            if 2 <= at <= 6:
                regions.append(body[:at + len(suffix)])
                body = body[at + len(suffix):]
                break
    while len(regions) < 4:
        m = _PLACE.match(body)
        if not m or len(body) - m.end() < 2:
            break
        regions.append(m.group(0))
        body = body[m.end():]
    return tuple(regions), body


@lru_cache(maxsize=65536)  # a name's keys never change; the indexes of a large store's questions share them
def _entry(name: str) -> Entry:
    norm = normalise_agency(name)
    regions, body = _split(norm)
    region_keys: set[str] = set()
    for part in regions:
        region_keys.add(part)
        short = _short_region(part)
        if short:
            region_keys.add(short)
            region_keys.update(pinyin_of(short))
    keys = _body_keys(body) | region_keys | {norm} if body else region_keys | {norm}
    government = body.endswith("人民政府") or (not body and bool(regions))
    return Entry(name, regions, body, government, frozenset(keys), frozenset(region_keys), _whole_body(body))


class AgencyIndex:
    """The keys of every stored agency name, for scanning questions."""

    def __init__(self, names: Sequence[str]) -> None:
        self.entries = [_entry(n) for n in dict.fromkeys(names)]
        self.by_key: dict[str, list[int]] = {}
        self.region_keys: set[str] = set()
        for i, e in enumerate(self.entries):
            for k in e.keys:
                self.by_key.setdefault(k, []).append(i)
            self.region_keys |= e.region_keys
        # A single character ("局", "办") names nothing in Chinese text ("办结" is no office).
        self.cjk_keys = {k for k in self.by_key if not k.isascii() and len(k) >= 2}
        self.max_len = max((len(k) for k in self.cjk_keys), default=1)
        self.pinyin = {k for k in self.region_keys if k.isascii()}
        self.chars = [frozenset(e.name) for e in self.entries]

    def _fuzzy_pinyin(self, word: str) -> str | None:
        """The stored place a misspelt pinyin word stands for ("xinxaing"), when exactly one is close.
        Strict on purpose: weihai and weihui are both real places. Chinese place names get no such
        guess (新余 is not a typo of 新乡): an unknown place gets suggestions instead."""
        if len(word) < 6:
            return None
        close = [p for p in self.pinyin if p[0] == word[0] and abs(len(p) - len(word)) <= 2
                 and difflib.SequenceMatcher(None, word, p).ratio() >= 0.75]
        if len(close) == 1 and difflib.SequenceMatcher(None, word, close[0]).ratio() >= 0.85:
            return close[0]
        return None

    def suggest(self, mention: str, pool: Sequence[int] | None = None, n: int = 3) -> list[str]:
        """The stored names closest to `mention`: those sharing the most characters with it (pinyin
        counts as its place name), ranked by similarity."""
        text = mention.lower()
        for word in re.findall(r"[a-z]+", text):
            for zh in PLACE_PINYIN.get(word, ())[:1]:
                text = text.replace(word, zh)
        chars = set(text)
        if text.isascii() and pool is None:  # an English word that is no known place: nothing is close
            return []
        idx = range(len(self.entries)) if pool is None else pool
        shared = sorted(((len(chars & self.chars[i]), i) for i in idx), key=lambda t: (-t[0], t[1]))
        short = [i for c, i in shared[:40] if c > 0]  # sharing no character is no closeness
        if not short and pool is not None:  # but the agencies whose body was named are
            short = [i for _, i in shared[:40]]
        # A bare place ("甫田") is compared with the places of the names, and its government comes first.
        place = not text.endswith(SUFFIXES) and not text.isascii()

        def score(i: int) -> tuple[float, int]:
            e = self.entries[i]
            if place:
                best = max((difflib.SequenceMatcher(None, text, k).ratio() for k in e.region_keys if not k.isascii()),
                           default=0.0)
                return best, int(e.government)
            return difflib.SequenceMatcher(None, text, e.name).ratio(), 0

        scored = sorted(((*score(i), self.entries[i].name) for i in short), key=lambda t: (-t[0], -t[1], t[2]))
        return [name for *_, name in scored[:n]]

    def match(self, text: str, taken: list[bool]) -> AgencyMatch:
        """Find the agency a question names; marks the characters it explains in `taken`."""
        for m in BLOCKED.finditer(text):
            for i in range(*m.span()):
                taken[i] = True
        found: dict[str, tuple[int, int]] = {}
        spans: list[tuple[int, int]] = []
        occ: list[tuple[str, int, int]] = []  # every occurrence of every key
        # Chinese keys: every substring that is a key; a position joins the mention once covered.
        i = 0
        n = len(text)
        while i < n:
            best = 0
            for length in range(min(self.max_len, n - i), 0, -1):
                s = text[i:i + length]
                if s in self.cjk_keys and not any(taken[i:i + length]):
                    found.setdefault(s, (i, i + length))
                    occ.append((s, i, i + length))
                    best = max(best, length)
            # All keys inside the longest one at i were seen too (by later positions).
            if best:
                spans.append((i, i + best))
            i += 1
        lower = text.lower().replace("’", "'")
        words = [(m.group(0).replace("'", ""), m.start(), m.end()) for m in re.finditer(r"[a-z][a-z']*", lower)]
        for j, (w, a, b) in enumerate(words):
            w2 = w[:-1] if w.endswith("s") and w[:-1] in self.pinyin else w
            if w2 in self.pinyin:
                found.setdefault(w2, (a, b))
                occ.append((w2, a, b))
                spans.append((a, b))
            elif j + 1 < len(words) and w + words[j + 1][0] in self.pinyin:
                found.setdefault(w + words[j + 1][0], (a, words[j + 1][2]))
                occ.append((w + words[j + 1][0], a, words[j + 1][2]))
                spans.append((a, words[j + 1][2]))
        for pattern, key in EN_BODY:
            for m in pattern.finditer(lower):
                if key in self.by_key and not any(taken[m.start():m.end()]):
                    found.setdefault(key, m.span())
                    occ.append((key, *m.span()))
                    spans.append(m.span())
        for a, b in spans:
            for k in range(a, b):
                taken[k] = True
        # A key inside a longer one found there ("局" of "教育局") says nothing of its own.
        found = {k: (a, b) for k, (a, b) in found.items()
                 if not any(a2 <= a and b <= b2 and (a2, b2) != (a, b) for a2, b2 in found.values())}
        # A place key followed by another suffix is another place: 新乡县 is not 新乡市.
        for k, (_a, b) in list(found.items()):
            if k in self.region_keys and not _REGION_SUFFIX.search(k) and b < len(text):
                m = _REGION_SUFFIX_AT.match(text, b)
                if m and k + m.group(0) not in self.region_keys:
                    mention = k + m.group(0)
                    ids = sorted({i for i in self.by_key.get(k, []) if k in self.entries[i].region_keys})
                    return AgencyMatch("unknown", [], None, mention, self.suggest(mention, ids))

        unknown = self._leftovers(text, taken, found, spans)
        if unknown is not None and not isinstance(unknown, tuple):
            return unknown
        if isinstance(unknown, tuple):  # a typo fixed: the region key it stands for
            key, span = unknown
            found[key] = span
            for k in range(*span):
                taken[k] = True
        if not found:
            return AgencyMatch()
        clusters = _clusters(text, occ)
        if len(clusters) >= 2:  # "新乡和灵宝", "compare Xinxiang and Lingbao": one match each
            parts = [self._score(text, c) for c in clusters]
            return AgencyMatch("multi", [], None, " / ".join(p.mention for p in parts), parts=parts)
        return self._score(text, found)

    def _leftovers(self, text: str, taken: list[bool], found: dict[str, tuple[int, int]],
                   spans: list[tuple[int, int]]) -> AgencyMatch | tuple[str, tuple[int, int]] | None:
        """Unexplained text that looks like a place or an agency: a typo of a stored region (fixed),
        or an unknown agency (an AgencyMatch saying so)."""
        region_found = any(k in self.region_keys for k in found)
        for m in re.finditer(r"[\u4e00-\u9fff]+", text):
            a, b = m.span()
            # Split the CJK run into the pieces no key explains.
            for s, k in gaps(taken, a, b):
                chunk = text[s:k]
                touches_key_after = k < b and any(sa == k for sa, _ in spans)
                touches_key_before = any(sb == s for _, sb in spans)
                stripped = _STOP_PREFIX.sub("", chunk)
                if len(stripped) < 2:
                    continue
                off = s + len(chunk) - len(stripped)
                looks_placed = bool(_REGION_SUFFIX.search(stripped)) and not stripped.startswith(("全", "本", "各", "哪"))
                looks_agency = stripped.endswith(SUFFIXES[:-2]) and len(stripped) >= 3
                between = touches_key_before and touches_key_after
                before_body = touches_key_after and not region_found
                if not (looks_placed or looks_agency or between or before_body):
                    continue
                if looks_placed or looks_agency or between or before_body:
                    mention = _mention(text, off, k, spans)
                    pool = sorted({i for key in found for i in self.by_key.get(key, [])})
                    return AgencyMatch("unknown", [], None, mention, self.suggest(mention, pool or None))
        if re.search(r"[A-Za-z]", text):
            return self._english_leftovers(text, found, taken)
        return None

    def _english_leftovers(self, text: str, found: dict[str, tuple[int, int]],
                           taken: list[bool]) -> AgencyMatch | tuple | None:
        for m in re.finditer(r"[A-Za-z][A-Za-z']*", text):
            raw = m.group(0)
            if any(taken[m.start():m.end()]):
                continue
            w = raw.lower().removesuffix("'s").replace("'", "")
            if w in self.pinyin or w in _EN_VOCAB or len(w) < 4:
                continue
            after = text[m.end():m.end() + 30].lower()
            capital = raw[0].isupper() and m.start() > 0
            before_body = re.match(r"\s*(?:'s\s+)?(?:city |county |district |municipal )?"
                                   r"(?:bureau|government|people|industry|office|department|commission)", after)
            if not (capital or before_body or raw.endswith("'s")):
                continue
            close = self._fuzzy_pinyin(w)
            if close:  # a misspelt stored place: suggested, never answered as if it were the same
                ids = sorted({i for i in self.by_key.get(close, []) if close in self.entries[i].region_keys})
                return AgencyMatch("unknown", [], None, raw.removesuffix("'s"), self.suggest(close, ids))
            if capital and not before_body and not raw.endswith("'s") and _is_english_word(w):
                continue
            pool = sorted({i for key in found for i in self.by_key.get(key, [])})
            return AgencyMatch("unknown", [], None, raw.removesuffix("'s"), self.suggest(raw, pool or None))
        return None

    def _score(self, text: str, found: dict[str, tuple[int, int]]) -> AgencyMatch:
        region_hits = [k for k in found if k in self.region_keys]
        body_hits = [k for k in found if k not in self.region_keys]
        pool: list[int] | None = None  # None: every agency
        region_name = None
        if region_hits:
            pool = sorted({i for k in region_hits for i in self.by_key.get(k, [])
                           if k in self.entries[i].region_keys})
            # The region meant: the deepest part that one of the hits names.
            for part in reversed(self.entries[pool[0]].regions) if pool else ():
                short = _short_region(part)
                if any(k in (part, short, *pinyin_of(short or "")) for k in region_hits):
                    region_name = part
                    break
        mention = _mention(text, min(a for a, _ in found.values()), max(b for _, b in found.values()), [])
        if not body_hits:
            cands = [self.entries[i].name for i in (pool or [])]
            govs = [self.entries[i].name for i in (pool or []) if self.entries[i].government
                    and self.entries[i].regions and self.entries[i].regions[-1] == region_name]
            return AgencyMatch("region", cands, region_name, mention,
                               government=govs[0] if len(govs) == 1 else None)
        allowed = None if pool is None else set(pool)
        # Score: characters of the keys shared; then a key naming the whole body ("政府" is the whole of
        # 人民政府, a part of 人民政府办公室); then the named place being the agency's own.
        scores: dict[int, tuple[int, int, int]] = {}
        for k in body_hits:
            for i in self.by_key.get(k, []):
                if allowed is None or i in allowed:
                    e = self.entries[i]
                    n, whole, own = scores.get(i, (0, 0, 0))
                    if region_hits:
                        scores[i] = (n + len(k), whole + (k in e.whole),
                                     int(bool(e.regions) and e.regions[-1] == region_name))
                    else:  # no place named: every agency the words fit is a candidate
                        scores[i] = (n + len(k), 0, 0)
        best = max(scores.values(), default=(0, 0, 0))
        if best[0] == 0:
            return AgencyMatch("unknown", [], region_name, mention, self.suggest(mention, pool))
        cands = [self.entries[i].name for i in sorted(scores) if scores[i] == best]
        return AgencyMatch("resolved" if len(cands) == 1 else "ambiguous", cands, region_name, mention)

    def entry(self, name: str) -> Entry | None:
        for e in self.entries:
            if e.name == name:
                return e
        return None


def _mention(text: str, a: int, b: int, spans: list[tuple[int, int]]) -> str:
    """The agency mention around [a, b): widened to the key spans it touches."""
    changed = True
    while changed:
        changed = False
        for sa, sb in spans:
            if sa <= b and sb >= a and (sa < a or sb > b):
                a, b = min(a, sa), max(b, sb)
                changed = True
    return text[a:b].strip()


def _is_english_word(w: str) -> bool:
    # Capitalised ordinary words (sentence starts after punctuation, titles) are not places.
    return w in _EN_VOCAB


@lru_cache(maxsize=16)
def agency_index(names: tuple[str, ...]) -> AgencyIndex:
    """The index of a list of stored names, built once per distinct list."""
    return AgencyIndex(names)
