"""Agency names: one normal form for matching, and what the name itself says of region, level and kind.

Pure functions of the printed name. The region is read from the leading place names only
("河南省三门峡市灵宝市…"); a name that prints just "灵宝市…" cannot say whether 灵宝 is a
prefecture-level or a county-level city, so such a single city goes to the city slot.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Literal

Kind = Literal["government", "department"]
Level = Literal["province", "city", "county", "township"]

# Brackets of every width and style become ASCII parentheses.
_BRACKETS = str.maketrans({
    "（": "(", "）": ")", "〔": "(", "〕": ")", "【": "(", "】": ")", "［": "(", "］": ")",
    "[": "(", "]": ")", "｛": "(", "｝": ")", "{": "(", "}": ")", "〈": "(", "〉": ")",
    "《": "(", "》": ")", "«": "(", "»": ")",
})
_SPACE = re.compile(r"[\s\u3000\u200b\ufeff]+")
_MUNICIPALITIES = ("北京市", "天津市", "上海市", "重庆市")
_PROVINCE = re.compile(
    r"^(?:北京市|天津市|上海市|重庆市|香港特别行政区|澳门特别行政区|"
    r"[^省市县区]{2,7}?自治区|[^省市县区]{2,3}省)"
)
# A prefecture: 市, 自治州, 地区, 盟 (the name part excludes the suffix characters themselves).
# The name part may hold 州 when the suffix is 市 (徐州市, 郑州市).
_CITY = re.compile(r"^(?:[^省市县区盟旗]{1,8}?(?:自治州|地区|市|盟)|[^省市县区州盟旗]{2,8}?州)")
# A county: 县 (one-character names exist: 沛县), 自治县, 旗, 自治旗, 区, 市 (county-level).
# Tried together, the longest wins: 红旗区 is a district, not a banner called 红旗.
_COUNTY = (
    re.compile(r"^[^省市县区州盟]{1,8}?(?:自治县|县)"),
    re.compile(r"^[^省市县区州盟]{2,8}?(?:自治旗|旗)"),
    re.compile(r"^[^省市县区州盟]{2,8}?(?:区|市)"),
)
_TOWNSHIP = re.compile(r"^(?:[^省市县区乡镇街]{1,8}?(?:街道办事处|街道|乡|镇))")
# Words ending in 区/市 that are places inside an agency name, not administrative divisions.
_NOT_DIVISION = ("园区", "开发区", "景区", "社区", "小区", "校区", "片区", "试验区", "示范区", "城区管理")


def normalise_agency(name: str) -> str:
    """The matching form of an agency name: NFKC, no whitespace, every bracket as ASCII ()."""
    s = unicodedata.normalize("NFKC", name or "")
    s = _SPACE.sub("", s)
    return s.translate(_BRACKETS)


def _take(pattern: re.Pattern[str] | tuple[re.Pattern[str], ...], s: str) -> str | None:
    patterns = pattern if isinstance(pattern, tuple) else (pattern,)
    matches = [m.group(0) for m in (p.match(s) for p in patterns) if m]
    if not matches:
        return None
    token = max(matches, key=len)
    if any(token.endswith(w) or w in token for w in _NOT_DIVISION):
        return None
    return token


def _divisions(name: str) -> tuple[str | None, str | None, str | None, str | None]:
    """(province, city, county, township) as printed at the start of the name."""
    s = normalise_agency(name)
    province = _take(_PROVINCE, s)
    if province:
        s = s[len(province):]
    city = _take(_CITY, s)
    if city:
        s = s[len(city):]
    county = _take(_COUNTY, s)
    if county:
        s = s[len(county):]
    township = _take(_TOWNSHIP, s)
    return province, city, county, township


def agency_region(name: str) -> tuple[str | None, str | None, str | None]:
    """(province, city, county) as far as the name says, e.g.
    '河南省三门峡市灵宝市工业和信息化科技局' -> ('河南省', '三门峡市', '灵宝市');
    '新乡市工业和信息化局' -> (None, '新乡市', None); '北京市海淀区人民政府' -> ('北京市', None, '海淀区')."""
    province, city, county, _ = _divisions(name)
    if province in _MUNICIPALITIES and city is not None and county is None:
        # Inside a municipality the next level is a district or county, not a prefecture.
        city, county = None, city
    return province, city, county


def agency_level(name: str) -> Level | None:
    """The administrative level of the agency: that of the deepest division its name prints."""
    province, city, county, township = _divisions(name)
    if province in _MUNICIPALITIES and city is not None and county is None:
        city, county = None, city
    if township:
        return "township"
    if county:
        return "county"
    if city:
        return "city"
    if province:
        return "province"
    return None


def agency_kind(name: str) -> Kind:
    """'government' for a people's government (人民政府) or a street office (街道办事处), which
    report by 31 March; 'department' for everything else (departments report by 31 January)."""
    s = normalise_agency(name)
    s = re.sub(r"\(.*?\)$", "", s)  # a trailing remark such as (本级)
    if s.endswith("人民政府") or s.endswith("街道办事处"):
        return "government"
    return "department"
