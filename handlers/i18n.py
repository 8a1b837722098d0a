"""Every text the bot and the CLI say, in Chinese and English: one catalogue, MESSAGES.

`t(key, lang, **values)` formats one message for Telegram's HTML parse mode: string values are
HTML-escaped unless wrapped in `Raw`. `plain(key, lang, **values)` formats one for plain text (the
answers to questions, reminders, the CLI). `lang_of(code, default)` maps a Telegram language_code
to "zh" or "en". The two languages of a message take the same placeholders, but for the few in
ONE_SIDED, where one language leaves a value unsaid (tests/test_texts.py checks both).
"""

from __future__ import annotations

import html
from typing import Any

LANGS = ("zh", "en")


class Raw(str):
    """A value already in HTML: inserted as is."""


def lang_of(language_code: str | None, default: str = "zh") -> str:
    """Telegram's language_code (e.g. "zh-hans", "en-US", "ru") -> "zh" or "en"."""
    if not language_code:
        return default
    return "zh" if language_code.lower().startswith("zh") else "en"


def t(key: str, lang: str, /, **values: Any) -> str:
    zh, en = MESSAGES[key]
    text = en if lang == "en" else zh
    if not values:
        return text
    safe = {k: v if isinstance(v, Raw) or not isinstance(v, str) else html.escape(v, quote=False) for k, v in values.items()}
    return text.format(**safe)


def plain(key: str, lang: str, /, **values: Any) -> str:
    """One message as plain text (nothing escaped)."""
    zh, en = MESSAGES[key]
    text = en if lang == "en" else zh
    return text.format(**values) if values else text


def plural(key: str, lang: str, n: int, /, **values: Any) -> str:
    """plain(key) for a count `n` (also the value {n}): `key.one` where n is 1 and there is one."""
    one = f"{key}.one"
    return plain(one if n == 1 and one in MESSAGES else key, lang, n=n, **values)


# Placeholders that only one language of a message uses: key -> names.
ONE_SIDED: dict[str, frozenset[str]] = {
    "ans.compare.same": frozenset({"before"}),  # 与 2023 年持平 does not repeat the earlier figure
}


# Commands shown in the menu, in order: (command, zh, en).
COMMANDS: tuple[tuple[str, str, str], ...] = (
    ("start", "开始", "Start"),
    ("help", "全部命令", "All commands"),
    ("check", "如何校验报告", "How to check a report"),
    ("ask", "如何提问", "How to ask a question"),
    ("stats", "统计 [年份]", "Statistics [year]"),
    ("agencies", "已有报告的机关", "Agencies with reports"),
    ("report", "查看报告：机关 [年份]", "Show a report: agency [year]"),
    ("export", "导出 XLSX", "Export as XLSX"),
    ("lang", "语言 zh|en", "Language zh|en"),
    ("privacy", "隐私说明", "Privacy"),
    ("delete", "删除报告：编号", "Delete a report: number"),
    ("remind", "截止日期提醒", "Deadline reminders"),
    ("roster", "督办名单", "Roster of supervised agencies"),
)
ADMIN_COMMANDS: tuple[tuple[str, str, str], ...] = (
    ("publish", "发布到共享库：编号", "Publish to the library: number"),
    ("unpublish", "从共享库撤回：编号", "Withdraw from the library: number"),
)

MESSAGES: dict[str, tuple[str, str]] = {
    # ---- common
    "start": (
        "你好，{name}！我是年报助手。\n\n"
        "• 把政府信息公开工作年度报告（PDF、Word、TXT 或 HTML）发给我，我按国家格式逐项校验，"
        "指出每处错误的位置和应有的数字。\n"
        "• 也可以直接问我数字，例如：淮安市人民政府2024年新收政府信息公开申请多少件？\n\n"
        "/help 查看全部命令。",
        "Hello, {name}! I am Nianbao, the annual-report assistant.\n\n"
        "• Send me an annual report on government information disclosure (PDF, Word, TXT or HTML) and I "
        "check it against the national format, with the place and the right number for every error.\n"
        "• Or ask me for a number, e.g. How many new applications did 淮安市人民政府 receive in 2024?\n\n"
        "/help lists every command.",
    ),
    "help": (
        "<b>命令</b>\n"
        "/check 如何校验报告\n/ask 如何提问\n/stats [年份] 统计\n/agencies 已有报告的机关\n"
        "/report 机关 [年份] 查看报告\n/export 导出 XLSX\n/delete 编号 删除报告\n"
        "/remind 截止日期提醒（list 查看，off 关闭）\n/roster 督办名单（add / remove / status）\n"
        "/lang zh|en 切换语言\n/privacy 隐私说明",
        "<b>Commands</b>\n"
        "/check how to check a report\n/ask how to ask a question\n/stats [year] statistics\n"
        "/agencies agencies with reports\n/report agency [year] show a report\n/export export as XLSX\n"
        "/delete number delete a report\n/remind deadline reminders (list, off)\n"
        "/roster agencies you supervise (add / remove / status)\n/lang zh|en language\n/privacy privacy",
    ),
    "help_admin": (
        "\n\n<b>管理员</b>\n/publish 编号 发布到共享库\n/unpublish 编号 从共享库撤回",
        "\n\n<b>Admins</b>\n/publish number publish to the shared library\n/unpublish number withdraw from it",
    ),
    "check": (
        "把报告文件直接发给我（作为文件发送，不要作为图片）：PDF、Word（.docx）、TXT、Markdown 或 HTML，"
        "不超过 20 MB。我会回复是否通过、每处错误的位置和应有的数字，并提供表格图片。"
        "在群里，请回复我的消息或在说明里 @我。",
        "Send me the report as a file (not as a photo): PDF, Word (.docx), TXT, Markdown or HTML, up to "
        "20 MB. I reply with pass or fail, the place and the right number of every error, and a picture "
        "of the table. In a group, reply to one of my messages or mention me in the caption.",
    ),
    "ask": (
        "直接用中文或英文提问，例如：\n• 灵宝市工业和信息化科技局2023年新收申请多少件？\n"
        "• 2023年哪个机关新收申请最多？\n• 新乡市工业和信息化局2023年予以公开多少件？\n"
        "回答会注明数字出自哪份报告。在群里，请 @我 或回复我的消息。",
        "Ask in Chinese or English, e.g.:\n• How many new applications did 灵宝市工业和信息化科技局 receive in 2023?\n"
        "• Which agency received the most applications in 2023?\n"
        "Every answer names the report it comes from. In a group, mention me or reply to my message.",
    ),
    "privacy": (
        "隐私说明：你发来的报告只保存在本聊天自己的空间里，别的聊天看不到，也不会出现在任何回答、列表、"
        "导出或图片中；只有管理员发布到共享库的报告才对所有人可见。/delete 编号 可随时删除你的报告。",
        "Privacy: the reports you send are kept in this chat's own space; no other chat sees them, and they "
        "appear in nobody else's answers, lists, exports or pictures. Only reports an admin publishes to the "
        "shared library are visible to all. /delete number removes your report at any time.",
    ),
    "lang_set": ("已切换为中文。", "Language set to English."),
    "lang_usage": ("用法：/lang zh 或 /lang en", "Usage: /lang zh or /lang en"),
    "error": (
        "抱歉，处理这条消息时出了问题，已记录下来。请稍后再试。",
        "Sorry, something went wrong with this message; it has been logged. Please try again later.",
    ),
    "throttled": ("消息太快了，请稍等几秒再发。", "Too many messages at once; please wait a few seconds."),
    "admin_only": ("只有管理员可以这样做。", "Only admins can do that."),
    "usage_report_id": ("用法：/{command} 报告编号，例如 /{command} 12", "Usage: /{command} report-number, e.g. /{command} 12"),
    "no_such_report": ("找不到编号为 {id} 的报告。", "There is no report number {id}."),
    # ---- documents
    "too_big": (
        "文件太大（{size}）：Telegram 只允许机器人下载 20 MB 以内的文件。"
        "请压缩 PDF（例如去掉扫描图片、降低图片质量）后再发，或者直接发送 Word 原文件。",
        "The file is too big ({size}): Telegram lets bots download files of up to 20 MB only. "
        "Please compress the PDF (e.g. drop scanned images or lower their quality) or send the Word file instead.",
    ),
    "too_big_local": (
        "文件太大（{size}）：本机器人只接受 {limit} MB 以内的文件。请压缩后再发，或者发送 Word 原文件。",
        "The file is too big ({size}): this bot accepts files of up to {limit} MB. "
        "Please compress it or send the Word file instead.",
    ),
    "empty_file": ("文件是空的（0 字节），请重新发送报告文件。", "The file is empty (0 bytes); please send the report file again."),
    "image_file": (
        "这是一张图片，我读不了图片里的表格。请发送报告的 PDF、Word、TXT 或 HTML 原文件。",
        "This is a picture; I cannot read tables in images. Please send the report itself as PDF, Word, TXT or HTML.",
    ),
    "photo": (
        "这是一张照片，我读不了图片里的表格。请把报告的 PDF 或 Word 原文件作为文件发给我。",
        "This is a photo; I cannot read tables in images. Please send the report's PDF or Word file as a file.",
    ),
    "unknown_type": (
        "无法识别的文件类型（{kind}）。请发送 PDF、Word（.docx）、TXT、Markdown 或 HTML 格式的年度报告。",
        "Unrecognised file type ({kind}). Please send the annual report as PDF, Word (.docx), TXT, Markdown or HTML.",
    ),
    "busy": ("你的上一个文件还在处理，请等它完成后再发。", "Your previous file is still being processed; please wait for it first."),
    "queue_full": (
        "这个聊天已有 {n} 个文件在排队或校验，请等它们完成后再发。",
        "This chat already has {n} files waiting or being checked; please wait for them first.",
    ),
    "status_resumed": ("⏳ 机器人重启后继续处理《{name}》…", "⏳ Resuming {name} after a restart…"),
    "job_failed": (
        "❌ 《{name}》试了 {n} 次仍未处理完，已放弃。请重新发送这个文件。",
        "❌ {name} could not be processed after {n} attempts. Please send the file again.",
    ),
    "status_link": ("📥 收到链接，正在下载《{name}》…", "📥 Got the link, downloading {name}…"),
    "link_too_long": ("链接太长（超过 {n} 个字符），请直接发送文件。", "The link is too long (over {n} characters); please send the file."),
    "link_failed.scheme": ("只能下载 http 或 https 链接。", "Only http and https links can be fetched."),
    "link_failed.address": ("这个链接指向内网或本机地址，不能下载。", "That link points to a private or local address; it cannot be fetched."),
    "link_failed.redirects": ("链接跳转次数太多，没有下载。", "The link redirects too many times; nothing was fetched."),
    "link_failed.status": ("链接打不开（网站返回错误），请检查链接或直接发送文件。",
                           "The link could not be opened (the site returned an error); check it or send the file."),
    "link_failed.too_big": ("链接里的文件超过 {limit} MB，没有下载。", "The file behind the link is over {limit} MB; it was not fetched."),
    "link_failed.timeout": ("下载链接超时，请稍后再试或直接发送文件。", "Fetching the link timed out; try later or send the file."),
    "link_failed.network": ("无法连接到这个网站，请检查链接或直接发送文件。", "The site could not be reached; check the link or send the file."),
    "link_failed.empty": ("链接里的文件是空的。", "The file behind the link is empty."),
    "link_failed.not_a_report": ("链接指向的不是年报（应为网页、PDF 或 Word 文件）。",
                                 "The link is not to a report (an HTML page, a PDF or a Word file)."),
    "status_received": ("📥 已收到《{name}》，正在下载…", "📥 Received {name}, downloading…"),
    "status_parsing": ("⏳ 正在解析《{name}》…", "⏳ Parsing {name}…"),
    "status_checking": ("🔎 正在校验…", "🔎 Checking…"),
    "status_ocr_page": ("🔍 正在识别第 {page}/{pages} 页…", "🔍 Reading page {page}/{pages}…"),
    "timeout": (
        "解析超时（超过 {seconds} 秒），已停止：这个文件太复杂或已损坏。请发送 Word 原文件或文字版 PDF 再试。",
        "Parsing took longer than {seconds} s and was stopped: the file is too complex or damaged. "
        "Please try the Word file or a text PDF.",
    ),
    "parse_failed": (
        "无法读取这个文件：它可能已损坏。请重新导出后再发。",
        "This file cannot be read: it may be damaged. Please export it again and resend it.",
    ),
    "download_failed": ("下载文件失败，请重新发送。", "The file could not be downloaded; please send it again."),
    "already": ("这个文件已经校验过（报告 #{id}），以下是当时的结果：", "This file was checked before (report #{id}); here is that result:"),
    # ---- verdict
    "pass": ("✅ 通过", "✅ Pass"),
    "fail": ("❌ 未通过", "❌ Fail"),
    "unknown_command": ("没有 {command} 这个命令。发送 /help 查看全部命令。",
                        "There is no {command} command. Send /help for the list."),
    "unknown_agency": ("（未识别机关）", "(agency not identified)"),
    "unknown_year": ("（未识别年度）", "(year not identified)"),
    "year": ("{year} 年度", "{year}"),
    "counts": (
        "格式：{format} · 错误 {errors} · 提醒 {warnings} · 报告 #{id}",
        "Format: {format} · errors {errors} · warnings {warnings} · report #{id}",
    ),
    "no_findings": ("未发现问题。", "No findings."),
    "section_other": ("其他", "General"),
    "place": ("位置", "Place"),
    "expected": ("应为 {expected}", "expected {expected}"),
    "actual": ("实为 {actual}", "found {actual}"),
    "page": ("第 {page} 页", "page {page}"),
    "line": ("第 {line} 行", "line {line}"),
    "more_in_file": ("……共 {n} 条，完整列表见附件。", "… {n} in all; the full list is in the attached file."),
    "findings_file_caption": ("报告 #{id} 的全部问题", "All findings of report #{id}"),
    "superseded": ("（取代了同一机关同一年度的报告 #{previous}）", "(supersedes report #{previous} of the same agency and year)"),
    # ---- buttons
    "btn_details": ("📋 详情", "📋 Details"),
    "btn_picture": ("🖼 表格图片", "🖼 Table picture"),
    "btn_delete": ("🗑 删除", "🗑 Delete"),
    "btn_publish": ("📢 发布", "📢 Publish"),
    "btn_unpublish": ("↩️ 撤回发布", "↩️ Unpublish"),
    "btn_chart": ("📊 图表", "📊 Chart"),
    "btn_source": ("📄 来源", "📄 Source"),
    "context_none": ("没有可以接着问的上一个问题（上下文保留 30 分钟）。请把问题写完整。",
                     "There is no earlier question to follow up (a chat's context is kept 30 minutes). "
                     "Please ask in full."),
    "deleted": ("已删除报告 #{id}。", "Report #{id} deleted."),
    "published": ("报告 #{id} 已发布到共享库。", "Report #{id} is published to the shared library."),
    "unpublished": ("报告 #{id} 已从共享库撤回。", "Report #{id} is withdrawn from the shared library."),
    "gone": ("这份报告已不存在。", "This report no longer exists."),
    "details_title": ("<b>报告 #{id} 读取到的数字</b>", "<b>Figures read from report #{id}</b>"),
    "table2": ("表二 主动公开政府信息情况", "Table 2: proactive disclosure"),
    "table3": ("表三 收到和处理政府信息公开申请情况（{column}）", "Table 3: applications received and handled ({column})"),
    "table4": ("表四 行政复议、行政诉讼情况", "Table 4: administrative reviews and lawsuits"),
    "blank": ("空", "blank"),
    "no_table3": ("这份报告没有可画的表三。", "This report has no table 3 to draw."),
    "picture_caption": (
        "报告 #{id} 表三{errors}",
        "Report #{id}, table 3{errors}",
    ),
    "picture.expected": ("应为 {expected}", "exp. {expected}"),
    "picture.legend": (
        "报告 #{id} · 红色：错误单元格，下方为应有的数字 · 蓝色：按勾稽关系推定的单元格",
        "Report #{id} · red: wrong cell, the right number below it · blue: cell inferred from the table's arithmetic",
    ),
    "picture_errors": ("：红色为错误单元格，格内标出应有的数字", ": wrong cells in red, each with the right number in it"),
    # ---- library
    "stats_none": ("还没有可见的报告。发一份报告给我试试。", "No reports visible yet. Send me one to begin."),
    "stats_title": ("<b>统计{scope}</b>", "<b>Statistics{scope}</b>"),
    "stats_scope_year": ("（{year} 年度）", " ({year})"),
    "stats_line": (
        "报告 {n} 份：通过 {passed}，未通过 {failed}",
        "{n} report(s): {passed} pass, {failed} fail",
    ),
    "stats_year_line": ("{year} 年度：{n} 份（未通过 {failed}）", "{year}: {n} ({failed} fail)"),
    "stats_failed": ("未通过：", "Failing:"),
    "agencies_none": ("还没有可见的报告。", "No reports visible yet."),
    "agencies_title": ("<b>已有报告的机关（{n}）</b>", "<b>Agencies with reports ({n})</b>"),
    "report_usage": ("用法：/report 机关名称 [年份]，例如 /report 淮安市人民政府 2024", "Usage: /report agency [year], e.g. /report 淮安市人民政府 2024"),
    "report_none": ("没有找到“{query}”的报告。", "No report found for “{query}”."),
    "export_none": ("没有可导出的报告。", "There are no reports to export."),
    "export_caption": ("{n} 份报告的数字与问题", "Figures and findings of {n} report(s)"),
    "delete_done": ("已删除报告 #{id}。", "Report #{id} deleted."),
    "delete_denied": (
        "找不到本聊天的报告 #{id}（只能删除本聊天自己上传的报告）。",
        "This chat has no report #{id} (a chat can delete only its own uploads).",
    ),
    # ---- questions
    "question_empty": ("请提一个关于年报数字的问题，例如：淮安市人民政府2024年新收申请多少件？",
                       "Please ask about a figure, e.g. How many new applications did 淮安市人民政府 receive in 2024?"),
    "source": ("来源：{sources}", "Source: {sources}"),
    "chart_none": ("这个回答没有可画的数字。", "This answer has no numbers to chart."),
    # ---- reminders and rosters (handlers/reminders.py)
    "remind.role": (
        "设置年报提醒。本聊天按哪个截止日提醒？\n"
        "• 部门：每年1月31日前公开上一年度报告\n"
        "• 人民政府：每年3月31日前\n"
        "• 本地更早的截止日（如1月26日）",
        "Report reminders. Which deadline should this chat be reminded of?\n"
        "• Department: publish the previous year's report by 31 January\n"
        "• People's government: by 31 March\n"
        "• A local, earlier deadline (e.g. 26 January)",
    ),
    "remind.role.department": ("部门（1月31日）", "Department (31 Jan)"),
    "remind.role.government": ("人民政府（3月31日）", "Government (31 Mar)"),
    "remind.role.custom": ("自定义截止日", "Custom deadline"),
    "remind.cancel": ("取消", "Cancel"),
    "remind.cancelled": ("已取消，没有设置提醒。", "Cancelled: no reminder set."),
    "remind.month": ("本地截止日在几月？", "Which month is the local deadline in?"),
    "remind.day": ("{month}月几日截止？", "Which day of {month}?"),
    "remind.agency": (
        "为哪个单位提醒？该单位的报告一旦存入并通过校验，当年剩余的提醒就停止。\n"
        "名单外的单位：发送 /remind 单位全称。",
        "Which agency is this reminder for? Once its report is stored and passes, the year's remaining "
        "reminders stop.\nAnother agency: send /remind followed by its full name.",
    ),
    "remind.agency.none": ("不指定单位", "No particular agency"),
    "remind.offsets": ("提前几天提醒？点按切换，选好后点“下一步”。", "How many days before? Tap to toggle, then Next."),
    "remind.offsets.day": ("{n}天", "{n} d"),
    "remind.offsets.same_day": ("当天", "same day"),
    "remind.offsets.next": ("下一步", "Next"),
    "remind.offsets.empty": ("至少选择一天。", "Choose at least one day."),
    "remind.hour": ("每次几点提醒？（{tz}）", "At what time? ({tz})"),
    "remind.saved": ("✅ 已设置提醒：{what}\n{due}", "✅ Reminder set: {what}\n{due}"),
    "remind.expired": ("这个设置已过期，请重新发送 /remind。", "This setup has expired: send /remind again."),
    "remind.none": ("本聊天还没有提醒。发送 /remind 设置。", "No reminders in this chat yet. Send /remind to set one."),
    "remind.list": ("本聊天的提醒：\n{items}", "Reminders in this chat:\n{items}"),
    "remind.off.button": ("关闭 {n}", "Switch off {n}"),
    "remind.off": ("已关闭本聊天的 {n} 个提醒。", "Switched off {n} reminder(s) in this chat."),
    "remind.what": (
        "{role}，截止 {deadline}{agency}；{offsets}，{hour:02d}:00（{tz}）",
        "{role}, due {deadline}{agency}; {offsets}, at {hour:02d}:00 ({tz})",
    ),
    "remind.what.agency": ("（{agency}）", " ({agency})"),
    "remind.month.button": ("{month}月", "{month}"),
    "remind.what.role.department": ("部门", "department"),
    "remind.what.role.government": ("人民政府", "people's government"),
    "remind.what.role.custom": ("本地截止日", "local deadline"),
    "roster.help": (
        "<b>名单</b>（你督促提交年报的单位）\n"
        "/roster add 单位全称（多个用逗号或换行分隔）\n"
        "/roster remove 单位全称\n"
        "/roster list 查看名单\n"
        "/roster status [年份] 谁已提交并通过、谁有错误、谁未提交\n"
        "也可以发送 CSV 或 XLSX 文件批量导入（第一列为单位名称）。\n"
        "名单现有 {n} 个单位；设置 /remind 后，每次提醒都附带名单情况。",
        "<b>Roster</b> (the agencies whose reports you collect)\n"
        "/roster add FULL NAME (several: separated by commas or new lines)\n"
        "/roster remove FULL NAME\n"
        "/roster list shows the roster\n"
        "/roster status [year] who submitted and passes, who has errors, who is missing\n"
        "Or send a CSV or XLSX file (names in the first column).\n"
        "The roster has {n} agencies; with /remind set, every reminder carries its status.",
    ),
    "roster.added": ("已加入名单 {n} 个：{names}", "Added {n} to the roster: {names}"),
    "roster.nothing_added": ("没有新单位：都已在名单中。", "Nothing new: all of them are on the roster already."),
    "roster.removed": ("已从名单移除 {n} 个：{names}", "Removed {n} from the roster: {names}"),
    "roster.nothing_removed": ("名单中没有这些单位。", "None of these is on the roster."),
    "roster.list": ("名单共 {n} 个单位：\n{names}", "The roster has {n} agencies:\n{names}"),
    "roster.empty": ("名单为空。用 /roster add 单位全称 添加。", "The roster is empty. Add with /roster add FULL NAME."),
    "roster.bad_file": (
        "读不出这个名单文件：请发送 CSV 或 XLSX，第一列为单位名称。",
        "Cannot read this roster file: send a CSV or XLSX with the names in the first column.",
    ),
    "roster.big_file": ("名单文件太大（最多 1 MB）。", "The roster file is too large (1 MB at most)."),
    "roster.year": ("用法：/roster status 2025", "Usage: /roster status 2025"),
    # ---- reminder texts (handlers/reminder_texts.py), plain text
    "date": ("{year}年{month}月{day}日", "{day} {month} {year}"),
    "due": (
        "{agency}{year}年政府信息公开工作年度报告，截止 {deadline}，{left}",
        "The {year} annual report on government information disclosure{agency} is due on {deadline}: {left}",
    ),
    "due.of": ("{agency}", " of {agency}"),
    "due.today": ("今天截止", "due today"),
    "due.days": ("还有 {n} 天", "{n} days left"),
    "due.days.one": ("还有 {n} 天", "{n} day left"),
    "list.sep": ("、", ", "),
    "list.more": ("…等 {n} 个", ", … and {n} more"),
    "digest.head": ("名单共 {total} 个单位（{year}年度报告）：", "Roster: {total} agencies (reports on {year})"),
    "digest.passing": ("✅ 已提交且通过 {n}：{names}", "✅ submitted and passing ({n}): {names}"),
    "digest.failing": ("⚠️ 已提交但有错误 {n}：{names}", "⚠️ submitted with errors ({n}): {names}"),
    "digest.failing_item": ("{name}（{n} 处错误）", "{name} ({n} errors)"),
    "digest.failing_item.one": ("{name}（{n} 处错误）", "{name} ({n} error)"),
    "digest.missing": ("❌ 未提交 {n}：{names}", "❌ missing ({n}): {names}"),
    "none": ("无", "none"),
    "reminder.head": ("⏰ 年报提醒：", "⏰ Reminder: "),
    "reminder.draft_errors": (
        "你存储的草稿仍有 {n} 处错误，改正后重新发给我即可复核。",
        "Your stored draft still has {n} errors: send the corrected file to check it again.",
    ),
    "reminder.draft_errors.one": (
        "你存储的草稿仍有 {n} 处错误，改正后重新发给我即可复核。",
        "Your stored draft still has {n} error: send the corrected file to check it again.",
    ),
    "reminder.send_draft": (
        "把报告草稿（PDF、DOCX、TXT 或 HTML）发给我，几秒内就能知道表格是否平衡、哪里有错。",
        "Send me the draft (PDF, DOCX, TXT or HTML) and within seconds you know whether its tables balance.",
    ),
    "reminder.late": ("（本提醒因服务中断而延迟发出。）", "(This reminder is late: the service was down.)"),
    "days_left.department": ("部门：", "Departments: "),
    "days_left.government": ("人民政府：", "People's governments: "),
    "days_left.custom": ("本地截止日：", "Local deadline: "),
    # ---- answers to questions (handlers/answers_text.py), plain text
    "ans.help.head": ("可以这样问：", "You can ask:"),
    "ans.help.not_understood": ("没看懂这个问题。", "Sorry, I did not understand that."),
    "ans.help.unsupported": (
        "年报表格里没有这个数字（信息处理费只写在第六部分的文字中）。",
        "The report tables hold no such figure (the information-processing fee is only stated in the text of section 6).",
    ),
    "ans.help.for_example": ("例如：", "For example:"),
    "ans.unknown": ("库里没有“{mention}”的年报。", "No stored report is from “{mention}”."),
    "ans.unknown.closest": ("最接近的单位：{names}。", " Closest stored agencies: {names}."),
    "ans.ambiguous": (
        "“{mention}”可能指 {n} 个单位：{names}。请写明是哪一个。",
        "“{mention}” may mean {n} agencies: {names}. Which one?",
    ),
    "ans.agency_sep": ("、", "; "),
    "ans.blank": ("（空白）", "(blank)"),
    "ans.blank_word": ("空白", "blank"),
    "ans.source": ("（来源：{file}）", " (source: {file})"),
    "ans.empty": ("库里还没有年报。", "No report is stored yet."),
    "ans.no_agency_reports": ("库里没有{agency}的年报。", "No report of {agency} is stored."),
    "ans.missing_year": (
        "库里没有{agency} {year} 年的年报（已有年份：{stored}）。",
        "No {year} report of {agency} is stored (years stored: {stored}).",
    ),
    "ans.value": ("{agency} {year} 年{label} {amount}{source}", "{agency}, {year}: {label}: {amount}{source}"),
    "ans.share": (
        "{agency} {year} 年{label}占{whole}的 {pct}%（{num} / {den} 件；来源：{file}）",
        "{agency}, {year}: {label} are {pct}% of {whole} ({num} of {den}; source: {file})",
    ),
    "ans.share_blank": (
        "{agency} {year} 年{whole}为 {den}，无法计算占比{source}",
        "{agency}, {year}: {whole} is {den}, so there is no share{source}",
    ),
    "ans.compare": (
        "{agency} {late} 年{label} {now}，{early} 年 {before}，{word} {by}（来源：{files}）",
        "{agency}: {label}: {now} in {late}, {before} in {early}: {word} by {by} (sources: {files})",
    ),
    "ans.compare.same": (
        "{agency} {late} 年{label} {now}，与 {early} 年持平（来源：{files}）",
        "{agency}: {label}: {now} in {late}, {before} in {early}: unchanged (sources: {files})",
    ),
    "ans.up": ("增加", "up"),
    "ans.down": ("减少", "down"),
    "ans.compare_blank": ("{agency}的报告中{label}一栏为空，无法比较。", "{agency}: {label} is blank in a report; no comparison."),
    "ans.scope.all": ("全部", "all"),
    "ans.scope.mention": ("“{mention}”", "“{mention}”"),
    "ans.sum": (
        "{year} 年{scope}单位（{n} 份年报）{label}合计 {amount}",
        "{year}, {scope} agencies ({n} reports): {label}: {amount} in total",
    ),
    "ans.sum_none": ("库里没有{scope} {year} 年的年报。", "No {year} report of {scope} agencies is stored."),
    "ans.top.most": ("{year} 年{label}最多的单位：", "{year}, most {label}:"),
    "ans.top.fewest": ("{year} 年{label}最少的单位：", "{year}, fewest {label}:"),
    "ans.top.line": ("{i}. {agency} {amount}（{file}）", "{i}. {agency}: {amount} ({file})"),
    "ans.top.capped": ("（最多列出前 {n} 名）", "(at most the top {n} are listed)"),
    "ans.which_agency.share": ("请写明是哪个单位的占比，例如：“新乡市工信局2023年予以公开占比”。",
                               "Which agency? Name it, for example: “Xinxiang's bureau, share granted in 2023”."),
    "ans.which_agency.value": ("请写明是哪个单位的数字，例如：“新乡市工信局2023年收到多少申请”。",
                               "Which agency? Name it, for example: “how many applications did Xinxiang's bureau receive in 2023”."),
    "ans.top_none": ("库里没有 {year} 年的相关数字。", "No {year} figures are stored for that."),
    "ans.compare_all": (
        "{scope}单位{label}：{late} 年合计 {now}，{early} 年 {before}，相差 {diff}",
        "{scope} agencies, {label}: {now} in {late}, {before} in {early}: {diff}",
    ),
    "ans.compare_all_missing": ("库里没有 {year} 年的相关年报，无法比较。", "No {year} reports are stored for that; no comparison."),
    "ans.count.scope": ("{scope}", "{scope} "),
    "ans.count.agencies": ("库里有{scope}{when}年报的单位 {n} 个", "{n} {scope}agencies stored{when}"),
    "ans.count.reports": ("库里有{scope}{when}{n} 份年报", "{n} {scope}reports stored{when}"),
    "ans.when.of": ("{year} 年的", " for {year}"),
    "ans.when.in": ("{year} 年", " for {year}"),
    "ans.which.fail": ("没通过校验的", "failing "),
    "ans.which.pass": ("通过校验的", "passing "),
    "ans.list_reports.none": ("没有{when}{which}年报。", "No {which}reports{when}."),
    "ans.list_reports.head": ("{when}{which}年报共 {n} 份：", "{n} {which}reports{when}:"),
    "ans.list_reports.line": (
        "• {agency} {year}（{file}，{verdict}，{errors} 个错误）",
        "• {agency}, {year} ({file}, {verdict}, {errors} errors)",
    ),
    "ans.year": ("{year} 年", "{year}"),
    "ans.unknown_year": ("（未识别年度）", "(year not identified)"),
    "ans.verdict.pass": ("通过", "pass"),
    "ans.verdict.fail": ("未通过", "fail"),
    "ans.list_reports.more": ("……另有 {n} 份", "… and {n} more"),
    "ans.list_agencies.none": ("库里还没有{when}年报。", "No reports stored{when}."),
    "ans.list_agencies.head": ("库里有 {n} 个单位的{when}年报：", "{n} agencies have reports{when}:"),
    "ans.list_agencies.line": ("• {agency}（{years}）", "• {agency} ({years})"),
    "ans.list_agencies.more": ("……另有 {n} 个", "… and {n} more"),
    "ans.list_agencies.unidentified": ("• 未识别单位的年报 {n} 份", "• {n} reports whose agency was not identified"),
    "ans.src.none": ("这个回答没有引用年报。", "This answer cites no report."),
    "ans.src.head": ("来源：{file}（{agency}，{year} 年）", "Source: {file} ({agency}, {year})"),
    "ans.src.cell": ("• {label}（{key}）= {value}{where}", "• {label} ({key}) = {value}{where}"),
    "ans.src.where": ("，{where}", ", {where}"),
    "ans.src.page": ("第 {page} 页", "page {page}"),
    "ans.src.line": ("第 {line} 行", "line {line}"),
    "ans.src.more": ("……另有 {n} 个单元格", "… and {n} more cells"),
    "ans.default_label": ("收到的申请", "new applications"),
    "ans.help.leftover": ("没看懂“{words}”。", "I did not understand “{words}”."),
    "ans.help.understood": ("看懂了：{what}。", " I understood: {what}."),
    "ans.help.close": ("可以这样问：{example}", " You could ask: {example}"),
    "ans.understood.figure": ("数字“{label}”", "the figure “{label}”"),
    "ans.understood.agency": ("单位“{agency}”", "the agency “{agency}”"),
    "ans.understood.year": ("{year} 年", "the year {year}"),
    "ans.example.value": ("{agency}{year}年{label}多少？", "{agency}, {year}: {label}?"),
    "ans.unknown.places": ("库里有这些地方的年报：{names}。", " Places with stored reports: {names}."),
    "ans.compare_agencies.head": ("{label}：", "{label}:"),
    "ans.compare_agencies.line": ("• {agency} {year} 年 {amount}", "• {agency}, {year}: {amount}"),
    "ans.compare_agencies.whole": ("• {agency}（{n} 份年报合计）{year} 年 {amount}",
                                   "• {agency} ({n} reports added up), {year}: {amount}"),
    "ans.compare_agencies.none": ("• {agency}：没有相关年报", "• {agency}: no such report stored"),
    "ans.compare_agencies.diff": ("两者相差 {by}。", "Difference: {by}."),
    "ans.missing_reports.none": ("{year} 年：名单上的单位都已有年报。",
                                 "{year}: every agency on the roster has a report stored."),
    "ans.missing_reports.head": (
        "{year} 年还没有年报的单位 {n} 个（名单：往年有年报的单位）：",
        "{n} agencies have no {year} report stored (roster: agencies with a report for an earlier year):",
    ),
    "ans.missing_reports.line": ("• {agency}（最近一份：{last} 年）", "• {agency} (latest: {last})"),
}
