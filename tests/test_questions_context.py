"""Follow-ups: the grammar's merge of a question into the chat's last one, and the store that keeps
the last one per chat (memory with a 30-minute expiry, or Redis)."""

from __future__ import annotations

import datetime as dt
import os
import uuid

import pytest

from handlers.context import CONTEXT_TTL, ContextStore, asks_source, language_switch
from reports.questions import parse_question

TODAY = dt.date(2025, 3, 1)
AGENCIES = ("莆田市人民政府", "莆田市财政局", "莆田市城厢区人民政府", "新乡市人民政府", "淮安市人民政府",
            "灵宝市工业和信息化科技局", "灵宝市市场监督管理局", "新乡市工业和信息化局")


def parse(text: str, previous: dict | None = None):
    return parse_question(text, today=TODAY, agencies=AGENCIES, years=(2019, 2020, 2023, 2024), previous=previous)


FIRST = {
    "zh": "莆田市政府2019年收到多少申请",
    "en": "How many applications did the Putian government receive in 2019?",
}


@pytest.mark.parametrize(("first", "follow", "kind", "agencies", "years", "lang"), [
    ("zh", "那2020年呢？", "value", ["莆田市人民政府"], [2020], "zh"),
    ("zh", "2020年呢", "value", ["莆田市人民政府"], [2020], "zh"),
    ("zh", "新乡呢？", "value", ["新乡市人民政府"], [2019], "zh"),
    ("zh", "那淮安市政府2024年呢", "value", ["淮安市人民政府"], [2024], "zh"),
    ("zh", "城厢区呢", "value", ["莆田市城厢区人民政府"], [2019], "zh"),
    ("zh", "莆田财政局呢", "value", ["莆田市财政局"], [2019], "zh"),
    ("zh", "and 2020?", "value", ["莆田市人民政府"], [2020], "en"),
    ("en", "and 2020?", "value", ["莆田市人民政府"], [2020], "en"),
    ("en", "What about 2023?", "value", ["莆田市人民政府"], [2023], "en"),
    ("en", "and Xinxiang?", "value", ["新乡市人民政府"], [2019], "en"),
    ("en", "how about Huaian in 2024?", "value", ["淮安市人民政府"], [2024], "en"),
    ("en", "and the Putian finance bureau?", "value", ["莆田市财政局"], [2019], "en"),
    ("en", "那2020年呢？", "value", ["莆田市人民政府"], [2020], "zh"),
    ("en", "Xinxiang?", "value", ["新乡市人民政府"], [2019], "en"),
])
def test_follow_up_keeps_the_figure(first: str, follow: str, kind: str, agencies: list[str], years: list[int],
                                    lang: str) -> None:
    previous = parse(FIRST[first]).to_json()
    q = parse(follow, previous)
    assert (q.kind, q.agencies, q.years, q.metric, q.lang) == (kind, agencies, years, ["s3.new.total"], lang)
    assert q.text == follow


@pytest.mark.parametrize(("follow", "status"), [("那灵宝呢", "ambiguous"), ("and Sanming?", "unknown"),
                                                ("那三明呢", "unknown")])
def test_follow_up_never_widens(follow: str, status: str) -> None:
    q = parse(follow, parse(FIRST["zh"]).to_json())
    assert q.agency_status == status


@pytest.mark.parametrize(("first", "follow", "expect"), [
    ("2023年全部单位共收到多少申请", "那2024年呢", ("sum", [2024], "none")),
    ("2023年全部单位共收到多少申请", "and Putian?", ("sum", [2023], "region")),
    ("2019年哪些单位收到的申请最多", "2020年呢", ("top", [2020], "none")),
    ("新乡市政府2023年比去年多了多少申请", "那2024年呢", ("compare", [2023, 2024], "resolved")),
    ("库里有几份2023年的报告", "and 2024?", ("count", [2024], "none")),
])
def test_follow_up_of_other_kinds(first: str, follow: str, expect: tuple) -> None:
    q = parse(follow, parse(first).to_json())
    assert (q.kind, q.years, q.agency_status) == expect


@pytest.mark.parametrize("text", ["新乡市政府2023年予以公开多少", "Xinxiang government applications granted in 2023",
                                  "哪些报告没通过校验", "how many reports are stored?"])
def test_a_full_question_is_not_a_follow_up(text: str) -> None:
    previous = parse(FIRST["zh"]).to_json()
    assert parse(text, previous).to_json() == parse(text).to_json()


@pytest.mark.parametrize(("text", "lang"), [("英文", "en"), ("用英文", "en"), ("英文？", "en"), ("in English", "en"),
                                            ("English please", "en"), ("中文", "zh"), ("用中文回答", "zh"),
                                            ("Chinese", "zh"), ("英文版的年报有吗", None), ("English bureau", None)])
def test_language_switch(text: str, lang: str | None) -> None:
    assert language_switch(text) == lang


@pytest.mark.parametrize(("text", "yes"), [("哪一页？", True), ("哪页", True), ("来源", True), ("出处呢", True),
                                           ("which page?", True), ("Source?", True), ("where is that from?", True),
                                           ("来源是哪些报告没通过", False), ("sources of funding 2023", False)])
def test_source_ask(text: str, yes: bool) -> None:
    assert asks_source(text) is yes


async def test_memory_store_expires_after_thirty_minutes() -> None:
    now = [1000.0]
    store = ContextStore(clock=lambda: now[0])
    assert store.ttl == CONTEXT_TTL == 1800
    await store.put(7, {"text": "q", "query": {"kind": "value"}})
    now[0] += CONTEXT_TTL - 1
    assert await store.get(7) == {"text": "q", "query": {"kind": "value"}}
    assert await store.get(8) is None
    now[0] += 1
    assert await store.get(7) is None


async def test_memory_store_drops_an_oversized_context() -> None:
    store = ContextStore()
    await store.put(1, {"text": "x" * 70_000})
    assert await store.get(1) is None


REDIS_URL = os.environ.get("NIANBAO_TEST_REDIS_URL")


async def test_redis_store() -> None:
    if not REDIS_URL:
        pytest.skip("NIANBAO_TEST_REDIS_URL is not set: Redis tests skipped")
    import redis.asyncio as aioredis

    prefix = f"nianbao-test-{uuid.uuid4().hex[:8]}"
    store = ContextStore(REDIS_URL, prefix)
    raw = aioredis.Redis.from_url(REDIS_URL)
    try:
        try:
            await raw.ping()
        except Exception as e:  # no server here
            pytest.skip(f"Redis at {REDIS_URL} is not reachable ({type(e).__name__}): Redis tests skipped")
        await store.put(42, {"text": "淮安市政府2024年收到多少申请", "query": {"kind": "value"}})
        assert await store.get(42) == {"text": "淮安市政府2024年收到多少申请", "query": {"kind": "value"}}
        assert 1700 < await raw.ttl(f"{prefix}:ask:42") <= CONTEXT_TTL
        assert await ContextStore(REDIS_URL, prefix).get(42) is not None  # another process sees it
        assert await store.get(43) is None
    finally:
        await raw.delete(f"{prefix}:ask:42")
        await raw.aclose()
        await store.close()
