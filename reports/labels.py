"""Row labels of tables 2–4: the patterns that recognise each canonical row in real wording."""

from __future__ import annotations

import re

# Table 3 rows: a pattern on the squashed, NFKC-normalised label. Item patterns are specific words of
# the official label, chosen so that wording variants ("其他法律法规禁止公开") still match.
S3_ROW_PATTERNS: dict[str, re.Pattern[str]] = {
    "new": re.compile(r"新收|本年(?:度)?收到|新受理"),
    "carried_in": re.compile(r"上年(?:度)?结转"),
    "granted": re.compile(r"(?<!不)予以公开"),
    "partial": re.compile(r"部分公开"),
    "denied.state_secret": re.compile(r"国家秘密"),
    "denied.prohibited": re.compile(r"禁止公开"),
    "denied.security": re.compile(r"三安全一稳定|危及"),
    "denied.third_party": re.compile(r"第三方"),
    "denied.internal": re.compile(r"内部事务"),
    "denied.process": re.compile(r"过程性"),
    "denied.enforcement": re.compile(r"执法案卷"),
    "denied.query": re.compile(r"查询事项"),
    "unavailable.not_held": re.compile(r"不掌握"),
    "unavailable.needs_making": re.compile(r"另行制作|现成信息"),
    "unavailable.unclear": re.compile(r"不明确"),
    "rejected.petition": re.compile(r"信访|举报投诉"),
    "rejected.repeated": re.compile(r"重复申请"),
    "rejected.publication": re.compile(r"出版物"),
    "rejected.excessive": re.compile(r"大量反复"),
    "rejected.confirmation": re.compile(r"重新出具|确认"),
    "other.no_correction": re.compile(r"不补正|逾期未补正"),
    "other.no_fee": re.compile(r"缴纳费用|收费通知|未缴费|缴费"),
    "other.misc": re.compile(r"(?:^|[\d.、)）])其他$|^其他$"),
    "results_total": re.compile(r"总计|合计"),
    "carried_out": re.compile(r"结转(?:至|到)?下一?年|下一?年度?继续|转入下一?年"),
}
# Group labels: a row with numbers whose label is only the group's is a subtotal
# (or, for （六）其他处理 in the 2019 format, the single "other.all" row).
S3_GROUP_PATTERNS: dict[str, re.Pattern[str]] = {
    "denied": re.compile(r"不予公开"),
    "unavailable": re.compile(r"无法提供"),
    "rejected": re.compile(r"不予处理"),
    "other": re.compile(r"其他处理"),
}
# Text that belongs to the merged "三、本年度办理结果" label or to group labels, removed before
# matching an item so that "（六）其他处理 3.其他" still reads as other.misc.
GROUP_NOISE = re.compile(r"三、?本年度办理结果|本年度办理结果|[(（]?[三四五六][)）]?(?:不予公开|无法提供|不予处理|其他处理)")

# Table 2 rows (2021 and 2019 formats).
S2_ROW_PATTERNS: dict[str, re.Pattern[str]] = {
    "rules": re.compile(r"^规章$|^规章[(（]"),
    "normative": re.compile(r"规范性文件"),
    "licensing": re.compile(r"^行政许可"),
    "other_services": re.compile(r"其他对外管理服务事项"),
    "punishment": re.compile(r"^行政处罚"),
    "coercion": re.compile(r"^行政强制"),
    "fees": re.compile(r"行政事业性收费"),
    "procurement": re.compile(r"政府集中采购"),
}
S2_2021_HINT = re.compile(r"本年制发件数|本年废止件数|现行有效件数|本年收费金额|本年处理决定数量")
S2_2019_HINT = re.compile(r"本年新制作数量|本年新公开数量|对外公开总数量|上一年项目数量|本年增|政府集中采购|采购总金额")
S3_HEADER_HINT = re.compile(r"自然人|商业企业|科研机构|社会公益|法律服务|申请人情况|法人或其他组织")
