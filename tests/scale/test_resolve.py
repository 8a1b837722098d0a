"""Agency names by index: the few names storage.aliases hands the question parser resolve every
question exactly as the full list of stored names does (status, candidates, region)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import insert

from bench.bench_scale import layout, questions
from reports.agency import agency_kind, agency_level, agency_region, normalise_agency
from reports.questions import parse_question
from storage import aliases
from storage.models import Agency, AgencyAlias

TODAY = dt.date(2025, 3, 1)
EXTRA = (
    "郑州市教育局2023年收到多少申请", "郑州教育局2023年收到多少申请", "郑州市2023年收到多少申请", "郑州市全部单位2023年共收到多少申请",
    "教育局2023年收到多少申请", "工信局2023年收到多少申请", "局2023年收到多少申请", "2023年全部单位共收到多少申请",
    "火星市教育局2023年收到多少申请", "Zhengzhou education bureau new applications in 2023", "Zhengzhou 2023 applications",
    "Atlantis industry bureau new applications", "河南省教育厅2023年收到多少申请", "河南省2023年全部单位共收到多少申请",
    "海淀区教育局2023年收到多少申请", "北京市海淀区人民政府2023年予以公开多少", "郑州市人民政府政府信息公开2023年收到多少申请",
    "新乡市工业和信息化局比去年多了多少申请", "郑州高新技术产业开发区管理委员会2023年收到多少申请",
)


def _key(q, text: str):  # type: ignore[no-untyped-def]
    """What must not differ. A question naming no stored key at all ("火星市教育局") gets its
    suggestions from fewer names; one naming a bare suffix ("局") two of its agencies to choose from."""
    if q.agency_status == "unknown" or text.startswith("局"):
        return (q.kind, q.agency_status, q.region, q.agency_mention)
    return (q.kind, q.agency_status, q.agencies, q.region, q.agency_mention, q.suggestions)


async def test_resolved_names_parse_as_the_full_list(session, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    names, years = layout(12_000)
    names = names[:2400]
    rows = []
    for i, name in enumerate(names, 1):
        province, city, county = agency_region(name)
        rows.append({"id": i, "name": name, "normalised": normalise_agency(name), "province": province, "city": city,
                     "county": county, "level": agency_level(name), "kind": agency_kind(name), "aliases": []})
    await session.execute(insert(Agency), rows)
    await session.execute(insert(AgencyAlias), [r for i, n in enumerate(names, 1) for r in aliases.alias_rows(i, n)])
    await session.commit()
    monkeypatch.setattr(aliases, "SMALL_STORE", 100)
    asked = [q for _, q in questions(names, years, 150, seed=3)] + list(EXTRA)
    differ = []
    for text in asked:
        full = parse_question(text, today=TODAY, agencies=names, years=years)
        found = await aliases.resolve_agency(session, text)
        assert found is not None and len(found) < len(names) // 2, text
        part = parse_question(text, today=TODAY, agencies=[n for _, n in found], years=years)
        if _key(full, text) != _key(part, text):
            differ.append((text, _key(full, text), _key(part, text)))
    assert differ == []
