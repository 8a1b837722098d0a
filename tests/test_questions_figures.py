"""Every one of the 200 canonical figures can be asked for three ways (its official label words, the
short form people use, plain English), and the answer is the stored figure of the sample report
(淮安市人民政府 2024, whose 200 figures are all known)."""

from __future__ import annotations

import pytest

from reports import model as rm
from tests.test_questions_answers import FIGS, HUAIAN, ask, store  # noqa: F401 (the store fixture)

# row -> (official label words, short form, English)
ROWS: dict[str, tuple[str, str, str]] = {
    "new": ("本年新收政府信息公开申请数量", "新收申请", "new applications"),
    "carried_in": ("上年结转政府信息公开申请数量", "上年结转", "applications carried over from the previous year"),
    "granted": ("予以公开", "同意公开", "applications granted in full"),
    "partial": ("部分公开（区分处理的，只计这一情形，不计其他情形）", "部分公开", "applications granted in part"),
    "denied.state_secret": ("属于国家秘密", "涉密", "state secrets"),
    "denied.prohibited": ("其他法律行政法规禁止公开", "法律禁止公开", "prohibited by other laws"),
    "denied.security": ("危及“三安全一稳定”", "三安全一稳定", "endangering security and stability"),
    "denied.third_party": ("保护第三方合法权益", "第三方权益", "third-party rights"),
    "denied.internal": ("属于三类内部事务信息", "内部事务", "internal affairs"),
    "denied.process": ("属于四类过程性信息", "过程性信息", "process information"),
    "denied.enforcement": ("属于行政执法案卷", "执法案卷", "law enforcement files"),
    "denied.query": ("属于行政查询事项", "行政查询", "administrative query matters"),
    "unavailable.not_held": ("本机关不掌握相关政府信息", "不掌握", "information not held by the agency"),
    "unavailable.needs_making": ("没有现成信息需要另行制作", "需要另行制作", "information that would have to be made"),
    "unavailable.unclear": ("补正后申请内容仍不明确", "内容不明确", "requests still unclear after correction"),
    "rejected.petition": ("信访举报投诉类申请", "信访", "petitions and complaints"),
    "rejected.repeated": ("重复申请", "重复的", "repeated applications"),
    "rejected.publication": ("要求提供公开出版物", "出版物", "requests for publications"),
    "rejected.excessive": ("无正当理由大量反复申请", "大量反复", "excessive repeated applications"),
    "rejected.confirmation": ("要求行政机关确认或重新出具已获取信息", "重新出具", "requests to confirm or reissue information"),
    "other.no_correction": ("申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请", "逾期不补正",
                            "applications not corrected in time"),
    "other.no_fee": ("申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请", "逾期未缴费",
                     "fees not paid in time"),
    "other.misc": ("其他处理中的其他情形", "其他处理其他", "other handling for other reasons"),
    "results_total": ("办理结果总计", "办结", "applications handled"),
    "carried_out": ("结转下年度继续办理", "结转下年", "applications carried over to the next year"),
}
# column -> (official, short, English); "" for the total.
COLUMNS: dict[str, tuple[str, str, str]] = {
    "person": ("自然人", "个人", "natural persons"),
    "business": ("商业企业", "企业", "businesses"),
    "research": ("科研机构", "科研单位", "research institutions"),
    "nonprofit": ("社会公益组织", "公益组织", "non-profit organisations"),
    "legal": ("法律服务机构", "律所", "legal service providers"),
    "org_other": ("其他法人或组织", "其他组织", "other organisations"),
    "total": ("", "", ""),
}
S2: dict[str, tuple[str, str, str]] = {
    "s2.rules.issued": ("规章本年制发件数", "制发规章", "rules issued"),
    "s2.rules.repealed": ("规章本年废止件数", "废止规章", "rules repealed"),
    "s2.rules.in_force": ("规章现行有效件数", "有效规章", "rules in force"),
    "s2.normative.issued": ("行政规范性文件本年制发件数", "制发规范性文件", "normative documents issued"),
    "s2.normative.repealed": ("行政规范性文件本年废止件数", "废止规范性文件", "normative documents repealed"),
    "s2.normative.in_force": ("行政规范性文件现行有效件数", "有效规范性文件", "normative documents in force"),
    "s2.licensing": ("行政许可本年处理决定数量", "许可", "licensing decisions"),
    "s2.punishment": ("行政处罚本年处理决定数量", "处罚", "penalty decisions"),
    "s2.coercion": ("行政强制本年处理决定数量", "强制措施", "coercive measures"),
    "s2.fees": ("行政事业性收费本年收费金额", "收费", "administrative fees"),
}
S4_GROUPS: dict[str, tuple[str, str, str]] = {
    "review": ("行政复议", "复议", "administrative reviews"),
    "suit_direct": ("未经复议直接起诉的行政诉讼", "直接起诉", "lawsuits filed directly"),
    "suit_after_review": ("复议后起诉的行政诉讼", "复议后起诉", "lawsuits after review"),
}
S4_OUTCOMES: dict[str, tuple[str, str, str]] = {
    "upheld": ("结果维持", "维持", "upheld"),
    "corrected": ("结果纠正", "纠正", "corrected"),
    "other": ("其他结果", "其他结果", "with other outcomes"),
    "pending": ("尚未审结", "未审结", "still pending"),
    "total": ("总计", "", "in total"),
}


def phrasings(key: str) -> tuple[str, str, str]:
    """(official, short, English) questions for one key."""
    if key.startswith("s2."):
        zh, short, en = S2[key]
        return (f"淮安市政府2024年{zh}是多少", f"淮安市政府2024年{short}多少", f"Huaian government 2024: {en}")
    if key.startswith("s4."):
        _, group, outcome = key.split(".")
        g, o = S4_GROUPS[group], S4_OUTCOMES[outcome]
        return (f"淮安市政府2024年{g[0]}{o[0]}多少件", f"淮安市政府2024年{g[1]}{o[1]}几件",
                f"Huaian government 2024: {g[2]} {o[2]}")
    _, *row, col = key.split(".")
    r, c = ROWS[".".join(row)], COLUMNS[col]
    if col == "total":
        return (f"淮安市政府2024年{r[0]}多少件", f"淮安市政府2024年{r[1]}有几件", f"Huaian government 2024: {r[2]}")
    return (f"淮安市政府2024年{c[0]}申请{r[0]}多少件", f"淮安市政府2024年{c[1]}{r[1]}有几件",
            f"Huaian government 2024, applications from {c[2]}: {r[2]}")


CASES = [(key, how, q) for key in rm.CANONICAL_KEYS for how, q in zip(("label", "short", "en"), phrasings(key),
                                                                         strict=True)]


def test_every_key_three_ways() -> None:
    assert len(rm.CANONICAL_KEYS) == 200 and len(CASES) == 600
    assert len({q for _, _, q in CASES}) == 600


@pytest.mark.parametrize(("key", "how", "question"), CASES, ids=[f"{k}-{h}" for k, h, _ in CASES])
async def test_every_figure(store, key: str, how: str, question: str) -> None:  # noqa: F811
    a = await ask(store, question)
    assert a.kind == "value", (a.kind, a.query.get("reason"), a.query.get("understood_not"), a.query["agency_status"])
    assert a.query["metric"] == [key], a.query["metric"]
    assert a.value == FIGS[(HUAIAN, 2024)][key]
    assert a.sources[0]["file"] == "huaian-2024.pdf"
