"""A question the grammar cannot place gets a short answer in its own language: what was not
understood, what was, and one example close to it. Never a number."""

from __future__ import annotations

import datetime as dt

import pytest

from handlers.answers_text import render_answer
from reports.questions import parse_question
from storage.answers import Answer

AGENCIES = ("淮安市人民政府", "新乡市工业和信息化局", "灵宝市工业和信息化科技局")


def say(text: str) -> str:
    q = parse_question(text, today=dt.date(2025, 3, 1), agencies=AGENCIES, years=(2023, 2024))
    assert q.kind == "help"
    return render_answer(Answer("help", query=q.to_json()))


@pytest.mark.parametrize(("text", "expected"), [
    ("淮安市政府2024年主动公开多少件", "没看懂“主动”。看懂了：单位“淮安市人民政府”、2024 年。\n"
                                      "可以这样问：淮安市人民政府2024年收到的申请多少？"),
    ("淮安市政府2024年予以公开的平均数", "没看懂“平均”。看懂了：数字“予以公开”、单位“淮安市人民政府”、2024 年。\n"
                                        "可以这样问：淮安市人民政府2024年予以公开多少？"),
    ("今天天气怎么样", "没看懂“今天天气”。\n可以这样问：灵宝市工信局2023年收到多少申请？"),
    ("What is the weather for the Huaian government?", "I did not understand “weather”. I understood: the agency "
                                                        "“淮安市人民政府”.\nYou could ask: 淮安市人民政府, 2023: new applications?"),
    ("Huaian government 2024 maximum of granted applications", "I did not understand “maximum”. I understood: the "
     "figure “applications granted”, the agency “淮安市人民政府”, the year 2024.\n"
     "You could ask: 淮安市人民政府, 2024: applications granted?"),
    ("what do you think", "I did not understand “think”.\nYou could ask: How many applications did the Lingbao industry "
                          "bureau receive in 2023?"),
])
def test_not_understood(text: str, expected: str) -> None:
    assert say(text) == expected
