"""A question naming a place or an agency the store does not hold is never answered with a number,
and never widened to every agency: it says so and suggests what is stored."""

from __future__ import annotations

import pytest

from handlers.answers_text import render_answer as say
from storage.answers import answered
from tests.test_questions_answers import ask, store  # noqa: F401 (the store fixture)

ZH_PLACES = ("三明", "三明市", "郑州市", "郑州高新区", "沐阳县", "莆田", "厦门市", "漳州", "平潭", "辉县市",
             "新乡县", "原阳县", "南京市鼓楼区", "上饶", "沙县")
ZH_AGENCIES = ("灵宝市公安局", "新乡市教育局", "淮安市文旅局", "卫辉市应急局", "三门峡市市监局", "郑州市科委",
               "淮安市住建局", "新乡市人社局", "灵宝市城管局", "淮阴区公安分局")
ZH_TEMPLATES = ("{x}2023年收到多少申请", "{x}2024年行政复议多少件", "{x}去年予以公开多少", "{x}各单位2023年一共收到多少申请",
                "{x}2023年不予公开占比")
EN_PLACES = ("Sanming", "Zhengzhou", "Xiamen", "Putian", "Shenzhen", "Atlantis", "Springfield", "Kaifeng", "Luoyang",
             "Fuzhou", "sanming", "zhengzhou")
EN_TEMPLATES = ("{x} 2020: how many administrative coercion decisions?", "How many applications did {x} receive in 2023?",
                "{x} government lawsuits 2024", "{x} education bureau applications granted in 2023",
                "Total applications of {x} agencies in 2023", "How many applications did the {x} industry bureau deny?")

ZH = [t.format(x=x) for x in ZH_PLACES + ZH_AGENCIES for t in ZH_TEMPLATES][:125]
EN = [t.format(x=x) for x in EN_PLACES for t in EN_TEMPLATES]
QUESTIONS = ZH + EN


def test_enough_questions() -> None:
    assert len(ZH) == 125 and len(EN) == 72 and len(set(QUESTIONS)) == len(QUESTIONS)


@pytest.mark.parametrize("question", QUESTIONS)
async def test_unknown_name_is_never_answered(store, question: str) -> None:  # noqa: F811
    a = await ask(store, question)
    assert not answered(a), (a.kind, a.value, a.rows)
    assert a.kind in ("unknown", "ambiguous", "help"), a.kind
    assert a.query["agency_status"] in ("unknown", "ambiguous"), a.query["agency_status"]
    text = say(a)
    if a.kind == "unknown":
        assert a.query["agency_mention"] in text


@pytest.mark.parametrize(("question", "mention", "first"), [
    ("沐阳2023年收到多少申请", "沐阳", None),
    ("灵室2023年收到多少申请", "灵室", "灵宝"),  # one character off: a suggestion only
    ("新多市政府2023年收到多少申请", "新多市政府", "新乡"),
    ("Lingbo industry bureau new applications 2023", "Lingbo", "灵宝"),
    ("Xinxaing industry bureau new applications 2022", "Xinxaing", "新乡"),
])
async def test_one_character_away_is_a_suggestion(store, question: str, mention: str, first) -> None:  # noqa: F811
    a = await ask(store, question)
    assert a.kind == "unknown" and not answered(a)
    assert a.query["agency_mention"] == mention
    if first:
        assert a.query["suggestions"][0].startswith(first)
    assert mention in say(a)
