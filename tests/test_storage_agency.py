"""Agency names (reports/agency.py): the matching form, region, level and kind read from the name."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reports.agency import agency_kind, agency_level, agency_region, normalise_agency


@pytest.mark.parametrize(
    ("printed", "normal"),
    [
        ("灵宝市 工业和信息化科技局", "灵宝市工业和信息化科技局"),
        ("  灵宝市\u3000工业和信息化科技局\n", "灵宝市工业和信息化科技局"),
        ("河南省（本级）人民政府", "河南省(本级)人民政府"),
        ("河南省〔本级〕人民政府", "河南省(本级)人民政府"),
        ("河南省【本级】人民政府", "河南省(本级)人民政府"),
        ("ＡＢＣ市人民政府", "ABC市人民政府"),  # full-width letters
    ],
)
def test_normalise(printed: str, normal: str) -> None:
    assert normalise_agency(printed) == normal


@given(st.text(alphabet="灵宝市 （）〔〕【】()工信局\u3000\t", max_size=30))
def test_normalise_is_idempotent_and_spaceless(name: str) -> None:
    once = normalise_agency(name)
    assert normalise_agency(once) == once
    assert not any(c.isspace() for c in once)
    assert not set(once) & set("（）〔〕【】")


@pytest.mark.parametrize(
    ("name", "region", "level", "kind"),
    [
        ("灵宝市工业和信息化科技局", (None, "灵宝市", None), "city", "department"),
        ("新乡市工业和信息化局", (None, "新乡市", None), "city", "department"),
        ("淮安市人民政府", (None, "淮安市", None), "city", "government"),
        ("河南省三门峡市灵宝市工业和信息化科技局", ("河南省", "三门峡市", "灵宝市"), "county", "department"),
        ("北京市海淀区人民政府", ("北京市", None, "海淀区"), "county", "government"),
        ("沛县人民政府", (None, None, "沛县"), "county", "government"),
        ("灵宝市市场监督管理局", (None, "灵宝市", None), "city", "department"),
        ("灵宝市城市管理局", (None, "灵宝市", None), "city", "department"),
        ("新乡市工业园区管理委员会", (None, "新乡市", None), "city", "department"),
        ("江苏省人民政府办公厅", ("江苏省", None, None), "province", "department"),
        ("广西壮族自治区南宁市青秀区人民政府", ("广西壮族自治区", "南宁市", "青秀区"), "county", "government"),
        ("延边朝鲜族自治州延吉市人民政府", (None, "延边朝鲜族自治州", "延吉市"), "county", "government"),
        ("灵宝市阳平镇人民政府", (None, "灵宝市", None), "township", "government"),
        ("新乡市红旗区渠东街道办事处", (None, "新乡市", "红旗区"), "township", "government"),
        ("国家发展和改革委员会", (None, None, None), None, "department"),
        ("河南省（本级）人民政府", ("河南省", None, None), "province", "government"),
    ],
)
def test_region_level_kind(name: str, region: tuple, level: str | None, kind: str) -> None:
    assert agency_region(name) == region
    assert agency_level(name) == level
    assert agency_kind(name) == kind


@pytest.mark.parametrize(
    ("name", "region"),
    [
        ("徐州市人民政府", (None, "徐州市", None)),
        ("江苏省苏州市工业和信息化局", ("江苏省", "苏州市", None)),
        ("盐城市教育局", (None, "盐城市", None)),
        ("聊城市东昌府区人民政府", (None, "聊城市", "东昌府区")),
        ("广州市越秀区人民政府", (None, "广州市", "越秀区")),
        ("甘孜藏族自治州人民政府", (None, "甘孜藏族自治州", None)),
        ("新乡市城市管理局", (None, "新乡市", None)),
    ],
)
def test_region_of_cities_with_zhou_and_cheng(name: str, region: tuple) -> None:
    assert agency_region(name) == region
