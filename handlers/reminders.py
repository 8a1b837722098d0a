"""/remind, /roster and "how many days until the deadline": the reminder conversations.

/remind walks through inline keyboards, editing one message: role (department 31 Jan, people's
government 31 Mar, or a custom local deadline: month, then day), the agency (one of the chat's
roster or stored reports, or none; `/remind 单位全称` names it directly), the days before the
deadline (toggles, default 30 14 7 3 1 0) and the hour. The draft lives in the FSM data of the chat
and user; the callback data carries only small choices (it is limited to 64 bytes).
`/remind list` lists the chat's reminders with a button to switch each off; `/remind off` switches
them all off.

/roster add|remove NAMES, /roster list, /roster status [year], or a CSV/XLSX file (by its name, or
with the caption /roster): the agencies a supervising office collects reports from.

Texts from storage.reminders are plain; they are HTML-escaped here (the bot speaks HTML).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.filters import OnLoop
from reports.deadlines import DEFAULT_OFFSETS, DEFAULT_TZ, Role, Schedule, due_report
from storage import reminders as rem
from storage import repo

Clock = Callable[[], datetime]
ROSTER_MAX_BYTES = 1024 * 1024
HOURS = (7, 8, 9, 10, 11, 14, 15, 16, 17, 18)
MAX_AGENCY_BUTTONS = 6
MAX_LISTED = 150  # roster names in one /roster list message (Telegram allows 4096 characters)
_SPLIT = re.compile(r"[\n,，、;；]+")

MESSAGES: dict[str, tuple[str, str]] = {
    "role": (
        "设置年报提醒。本聊天按哪个截止日提醒？\n"
        "• 部门：每年1月31日前公开上一年度报告\n"
        "• 人民政府：每年3月31日前\n"
        "• 本地更早的截止日（如1月26日）",
        "Report reminders. Which deadline should this chat be reminded of?\n"
        "• Department: publish the previous year's report by 31 January\n"
        "• People's government: by 31 March\n"
        "• A local, earlier deadline (e.g. 26 January)",
    ),
    "role.department": ("部门（1月31日）", "Department (31 Jan)"),
    "role.government": ("人民政府（3月31日）", "Government (31 Mar)"),
    "role.custom": ("自定义截止日", "Custom deadline"),
    "cancel": ("取消", "Cancel"),
    "cancelled": ("已取消，没有设置提醒。", "Cancelled: no reminder set."),
    "month": ("本地截止日在几月？", "Which month is the local deadline in?"),
    "day": ("{month}月几日截止？", "Which day of {month}?"),
    "agency": (
        "为哪个单位提醒？该单位的报告一旦存入并通过校验，当年剩余的提醒就停止。\n"
        "名单外的单位：发送 /remind 单位全称。",
        "Which agency is this reminder for? Once its report is stored and passes, the year's remaining "
        "reminders stop.\nAnother agency: send /remind followed by its full name.",
    ),
    "agency.none": ("不指定单位", "No particular agency"),
    "offsets": ("提前几天提醒？点按切换，选好后点“下一步”。", "How many days before? Tap to toggle, then Next."),
    "offsets.day": ("{n}天", "{n} d"),
    "offsets.same_day": ("当天", "same day"),
    "offsets.next": ("下一步", "Next"),
    "offsets.empty": ("至少选择一天。", "Choose at least one day."),
    "hour": ("每次几点提醒？（{tz}）", "At what time? ({tz})"),
    "saved": ("✅ 已设置提醒：{what}\n{due}", "✅ Reminder set: {what}\n{due}"),
    "expired": ("这个设置已过期，请重新发送 /remind。", "This setup has expired: send /remind again."),
    "none": ("本聊天还没有提醒。发送 /remind 设置。", "No reminders in this chat yet. Send /remind to set one."),
    "list": ("本聊天的提醒：\n{items}", "Reminders in this chat:\n{items}"),
    "off.button": ("关闭 {n}", "Switch off {n}"),
    "off": ("已关闭本聊天的 {n} 个提醒。", "Switched off {n} reminder(s) in this chat."),
    "what": (
        "{role}，截止 {deadline}{agency}；{offsets}，{hour:02d}:00（{tz}）",
        "{role}, due {deadline}{agency}; {offsets}, at {hour:02d}:00 ({tz})",
    ),
    "what.role.department": ("部门", "department"),
    "what.role.government": ("人民政府", "people's government"),
    "what.role.custom": ("本地截止日", "local deadline"),
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
}
_MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
              "November", "December")  # fmt: skip


class _Raw(str):
    """A value already in HTML: inserted as is."""


def tr(key: str, lang: str, /, **values: Any) -> str:
    """One message in the chat's language; string values are HTML-escaped unless _Raw."""
    zh, en = MESSAGES[key]
    text = en if lang == "en" else zh
    safe = {
        k: html.escape(v, quote=False) if isinstance(v, str) and not isinstance(v, _Raw) else v
        for k, v in values.items()
    }
    return text.format(**safe) if values else text


def _now(clock: Clock | None) -> datetime:
    return (clock or (lambda: datetime.now(UTC)))()


def _lang(lang: str) -> rem.Lang:
    return "en" if lang == "en" else "zh"


# ---------------------------------------------------------------- deadline question

_DEADLINE_Q = re.compile(
    r"((还有|剩|离|距|差).{0,8}(截止|截至|期限|deadline).{0,8}(几|多少)天)"
    r"|((截止|截至).{0,6}(还有|剩)?.{0,4}(几|多少)天)"
    r"|((什么时候|何时|哪天|几号)(截止|截至))"
    r"|(how\s+(many|much)\s+(days|time).{0,30}deadline)"
    r"|(days?\s+(left|remaining|until|till|to)\b.{0,20}deadline)"
    r"|(when\s+is\s+the\s+(report\s+)?deadline)",
    re.IGNORECASE,
)


def is_deadline_question(text: str | None) -> bool:
    """"离截止还有几天", "还剩多少天截止", "how many days until the deadline", ..."""
    return bool(text) and not text.startswith("/") and _DEADLINE_Q.search(text) is not None  # type: ignore[union-attr]


async def days_left_answer(
    message: Message, lang: str, session: AsyncSession, reminder_clock: Clock | None = None
) -> None:
    subs = await rem.subscriptions_of(session, message.chat.id)
    schedules = [(rem.schedule_of(s), s.agency) for s in subs]
    today = _now(reminder_clock).astimezone(schedules[0][0].zone if schedules else Schedule(Role.DEPARTMENT).zone)
    await message.answer(html.escape(rem.render_days_left(_lang(lang), today.date(), schedules), quote=False))


# ---------------------------------------------------------------- /remind


def _kb(rows: list[list[tuple[str, str]]]) -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    for row in rows:
        b.row(*[_button(text, data) for text, data in row])
    return b.as_markup()


def _button(text: str, data: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=data)


def _month_name(month: int, lang: str) -> str:
    return f"{month}" if lang != "en" else _MONTHS_EN[month - 1]


def _offsets_text(offsets: list[int], lang: str) -> str:
    """"提前 30、7、1 天及当天" / "30, 7 and 1 days before and on the day" ("1 day", never "0 days")."""
    days = sorted((o for o in set(offsets) if o > 0), reverse=True)
    same_day = 0 in offsets
    if lang != "en":
        ahead = f"提前 {'、'.join(map(str, days))} 天" if days else ""
        return ahead + ("及当天" if ahead and same_day else "当天" if same_day else "")
    if days:
        listed = ", ".join(map(str, days[:-1])) + (" and " if len(days) > 1 else "") + str(days[-1])
        ahead = f"{listed} {'day' if days == [1] else 'days'} before"
    else:
        ahead = ""
    return ahead + (" and on the day" if ahead and same_day else "on the day" if same_day else "")


def describe(schedule: Schedule, agency: str | None, lang: str, today: datetime) -> str:
    """"部门，截止 2026年1月31日（灵宝市…）；提前 30、14、7、3、1、0 天，09:00（Asia/Shanghai）"."""
    due = due_report(today.astimezone(schedule.zone).date(), schedule.role, schedule.custom)
    who = f"（{agency}）" if agency and lang != "en" else (f" ({agency})" if agency else "")
    return tr(
        "what", lang, role=tr(f"what.role.{schedule.role}", lang), deadline=rem.format_date(due.deadline, _lang(lang)),
        agency=who, offsets=_offsets_text(list(schedule.offsets), lang), hour=schedule.hour, tz=schedule.tz,
    )  # fmt: skip


async def _known_agencies(session: AsyncSession, chat_id: int, workspace_id: int | None) -> list[str]:
    names = [r.agency for r in await rem.roster_of(session, chat_id)]
    if workspace_id is not None:
        names += await repo.recent_agency_names(session, workspace_id)
    out: list[str] = []
    for n in names:
        if n not in out:
            out.append(n)
    return out[:MAX_AGENCY_BUTTONS]


def _step(draft: dict[str, Any], lang: str) -> tuple[str, InlineKeyboardMarkup]:
    """The text and keyboard of the draft's current step."""
    step = draft["step"]
    cancel = [(tr("cancel", lang), "rm:cancel")]
    if step == "role":
        return tr("role", lang), _kb([
            [(tr("role.department", lang), "rm:role:department"), (tr("role.government", lang), "rm:role:government")],
            [(tr("role.custom", lang), "rm:role:custom")],
            cancel,
        ])  # fmt: skip
    if step == "month":
        months = [(_month_name(m, lang) if lang == "en" else f"{m}月", f"rm:month:{m}") for m in range(1, 13)]
        return tr("month", lang), _kb([months[i : i + 4] for i in range(0, 12, 4)] + [cancel])
    if step == "day":
        month = draft["month"]
        last = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)[month - 1]
        days = [(str(d), f"rm:day:{d}") for d in range(1, last + 1)]
        return tr("day", lang, month=_month_name(month, lang)), _kb([days[i : i + 7] for i in range(0, last, 7)] + [cancel])
    if step == "agency":
        rows = [[(name, f"rm:ag:{i}")] for i, name in enumerate(draft["choices"])]
        return tr("agency", lang), _kb([*rows, [(tr("agency.none", lang), "rm:ag:none")], cancel])
    if step == "offsets":
        chosen = set(draft["offsets"])
        buttons = []
        for o in DEFAULT_OFFSETS:
            label = tr("offsets.same_day", lang) if o == 0 else tr("offsets.day", lang, n=o)
            buttons.append((("✅ " if o in chosen else "▫️ ") + label, f"rm:off:{o}"))
        return tr("offsets", lang), _kb([buttons[:3], buttons[3:], [(tr("offsets.next", lang), "rm:off:next")], cancel])
    # step == "hour"
    hours = [(f"{h:02d}:00", f"rm:hour:{h}") for h in HOURS]
    return tr("hour", lang, tz=draft.get("tz", DEFAULT_TZ)), _kb([hours[:5], hours[5:], cancel])


async def remind(
    message: Message,
    command: CommandObject,
    lang: str,
    session: AsyncSession,
    state: FSMContext,
    chat_info: Any = None,
    reminder_clock: Clock | None = None,
) -> None:
    args = (command.args or "").strip()
    word = args.lower()
    if word in ("list", "列表", "ls"):
        await _send_list(message, lang, session, reminder_clock)
        return
    if word in ("off", "stop", "关闭", "取消"):
        n = await rem.unsubscribe(session, message.chat.id, now=_now(reminder_clock))
        await message.answer(tr("off", lang, n=n))
        return
    await repo.unblock_chat(session, message.chat.id)
    draft: dict[str, Any] = {"step": "role", "agency": args[:200] or None, "offsets": list(DEFAULT_OFFSETS)}
    text, kb = _step(draft, lang)
    sent = await message.answer(text, reply_markup=kb)
    draft["mid"] = sent.message_id
    draft["workspace_id"] = getattr(chat_info, "workspace_id", None)
    await state.update_data(remind=draft)


async def _send_list(message: Message, lang: str, session: AsyncSession, clock: Clock | None) -> None:
    text, kb = await _list_view(session, message.chat.id, lang, clock)
    await message.answer(text, reply_markup=kb)


async def _list_view(
    session: AsyncSession, chat_id: int, lang: str, clock: Clock | None
) -> tuple[str, InlineKeyboardMarkup | None]:
    subs = await rem.subscriptions_of(session, chat_id)
    if not subs:
        return tr("none", lang), None
    now = _now(clock)
    items = "\n".join(f"{i}. {describe(rem.schedule_of(s), s.agency, lang, now)}" for i, s in enumerate(subs, 1))
    buttons = [(tr("off.button", lang, n=i), f"rm:del:{s.id}") for i, s in enumerate(subs, 1)]
    return tr("list", lang, items=_Raw(items)), _kb([buttons[i : i + 3] for i in range(0, len(buttons), 3)])


async def remind_button(
    query: CallbackQuery,
    lang: str,
    session: AsyncSession,
    state: FSMContext,
    bot: Bot,
    reminder_clock: Clock | None = None,
) -> None:
    parts = (query.data or "").split(":")
    message = query.message
    if message is None or len(parts) < 2:
        await query.answer()
        return
    chat_id = message.chat.id
    if parts[1] == "del" and len(parts) == 3 and parts[2].isdigit():
        await rem.unsubscribe(session, chat_id, int(parts[2]), now=_now(reminder_clock))
        text, kb = await _list_view(session, chat_id, lang, reminder_clock)
        await bot.edit_message_text(text=text, chat_id=chat_id, message_id=message.message_id, reply_markup=kb)
        await query.answer()
        return
    data = await state.get_data()
    draft: dict[str, Any] | None = data.get("remind")
    if draft is None or draft.get("mid") != message.message_id:
        await query.answer(tr("expired", lang), show_alert=True)
        return
    action, value = parts[1], (parts[2] if len(parts) > 2 else "")
    if action == "cancel":
        await state.update_data(remind=None)
        await bot.edit_message_text(text=tr("cancelled", lang), chat_id=chat_id, message_id=message.message_id)
        await query.answer()
        return
    if action == "role" and value in ("department", "government", "custom"):
        draft["role"] = value
        draft["step"] = "month" if value == "custom" else await _after_deadline(session, chat_id, draft)
    elif action == "month" and value.isdigit() and 1 <= int(value) <= 12:
        draft["month"], draft["step"] = int(value), "day"
    elif action == "day" and value.isdigit() and draft.get("month"):
        draft["day"] = int(value)
        draft["step"] = await _after_deadline(session, chat_id, draft)
    elif action == "ag":
        choices = draft.get("choices", [])
        if value.isdigit() and int(value) < len(choices):
            draft["agency"] = choices[int(value)]
        draft["step"] = "offsets"
    elif action == "off":
        if value == "next":
            if not draft["offsets"]:
                await query.answer(tr("offsets.empty", lang), show_alert=True)
                return
            draft["step"] = "hour"
        elif value.isdigit() and int(value) in DEFAULT_OFFSETS:
            o = int(value)
            draft["offsets"] = [x for x in draft["offsets"] if x != o] if o in draft["offsets"] else [*draft["offsets"], o]
    elif action == "hour" and value.isdigit() and 0 <= int(value) <= 23:
        await _save(query, session, state, bot, draft, int(value), lang, reminder_clock)
        return
    await state.update_data(remind=draft)
    text, kb = _step(draft, lang)
    await bot.edit_message_text(text=text, chat_id=chat_id, message_id=message.message_id, reply_markup=kb)
    await query.answer()


async def _after_deadline(session: AsyncSession, chat_id: int, draft: dict[str, Any]) -> str:
    """After the deadline: ask for the agency, unless /remind named one or the chat knows none."""
    if draft.get("agency"):
        return "offsets"
    draft["choices"] = await _known_agencies(session, chat_id, draft.get("workspace_id"))
    return "agency" if draft["choices"] else "offsets"


async def _save(
    query: CallbackQuery,
    session: AsyncSession,
    state: FSMContext,
    bot: Bot,
    draft: dict[str, Any],
    hour: int,
    lang: str,
    clock: Clock | None,
) -> None:
    message = query.message
    assert message is not None
    role = Role(draft["role"])
    custom = (draft["month"], draft["day"]) if role is Role.CUSTOM else None
    schedule = Schedule(role, custom, tuple(draft["offsets"]) or DEFAULT_OFFSETS, hour, DEFAULT_TZ)
    now = _now(clock)
    await rem.subscribe(session, message.chat.id, schedule, draft.get("agency"), lang=_lang(lang), now=now)
    await state.update_data(remind=None)
    today = now.astimezone(schedule.zone).date()
    due = due_report(today, schedule.role, schedule.custom)
    due_text = rem.render_due(_lang(lang), due.report_year, due.deadline, (due.deadline - today).days, draft.get("agency"))
    text = tr("saved", lang, what=_Raw(describe(schedule, draft.get("agency"), lang, now)), due=due_text)
    await bot.edit_message_text(text=text, chat_id=message.chat.id, message_id=message.message_id)
    await query.answer()


# ---------------------------------------------------------------- /roster


def _names_arg(text: str) -> list[str]:
    return [n.strip() for n in _SPLIT.split(text) if n.strip()]


def _name_list(names: list[str], lang: str) -> str:
    return ("、" if lang != "en" else ", ").join(names)


async def roster(
    message: Message, command: CommandObject, lang: str, session: AsyncSession, reminder_clock: Clock | None = None
) -> None:
    args = (command.args or "").strip()
    verb, _, rest = args.partition(" ")
    if "\n" in verb:  # "/roster add\nA\nB"
        verb, _, more = verb.partition("\n")
        rest = more + "\n" + rest
    verb = verb.lower()
    chat_id = message.chat.id
    if verb in ("add", "添加") and rest.strip():
        added = await rem.roster_add(session, chat_id, _names_arg(rest))
        await message.answer(
            tr("roster.added", lang, n=len(added), names=_name_list(added, lang)) if added else tr("roster.nothing_added", lang)
        )
    elif verb in ("remove", "rm", "del", "删除", "移除") and rest.strip():
        removed = await rem.roster_remove(session, chat_id, _names_arg(rest))
        await message.answer(
            tr("roster.removed", lang, n=len(removed), names=_name_list(removed, lang))
            if removed
            else tr("roster.nothing_removed", lang)
        )
    elif verb in ("list", "ls", "名单"):
        entries = await rem.roster_of(session, chat_id)
        names = "\n".join(f"{i}. {e.agency}" for i, e in enumerate(entries[:MAX_LISTED], 1))
        if len(entries) > MAX_LISTED:
            names += f"\n… (+{len(entries) - MAX_LISTED})"
        await message.answer(tr("roster.list", lang, n=len(entries), names=names) if entries else tr("roster.empty", lang))
    elif verb in ("status", "情况", "进度"):
        rest = rest.strip()
        if rest and not (rest.isdigit() and len(rest) == 4):
            await message.answer(tr("roster.year", lang))
            return
        year = int(rest) if rest else _now(reminder_clock).astimezone(Schedule(Role.DEPARTMENT).zone).year - 1
        if not await rem.roster_of(session, chat_id):
            await message.answer(tr("roster.empty", lang))
            return
        digest = await rem.roster_digest(session, chat_id, year)
        await message.answer(html.escape(rem.render_digest(_lang(lang), digest), quote=False))
    else:
        n = len(await rem.roster_of(session, chat_id))
        await message.answer(tr("roster.help", lang, n=n))


def _is_roster_file(message: Message) -> bool:
    doc = message.document
    if doc is None:
        return False
    name = (doc.file_name or "").lower()
    caption = (message.caption or "").strip().lower()
    return name.endswith((".csv", ".xlsx")) or caption.startswith("/roster")


async def roster_file(message: Message, lang: str, session: AsyncSession, bot: Bot) -> None:
    doc = message.document
    assert doc is not None
    if doc.file_size and doc.file_size > ROSTER_MAX_BYTES:
        await message.answer(tr("roster.big_file", lang))
        return
    buf = await bot.download(doc.file_id)
    data = buf.read() if buf is not None else b""
    if len(data) > ROSTER_MAX_BYTES:
        await message.answer(tr("roster.big_file", lang))
        return
    try:
        names = rem.names_from_file(data, doc.file_name or "")
    except ValueError:
        await message.answer(tr("roster.bad_file", lang))
        return
    if not names:
        await message.answer(tr("roster.bad_file", lang))
        return
    added = await rem.roster_add(session, message.chat.id, names)
    await message.answer(
        tr("roster.added", lang, n=len(added), names=_name_list(added, lang)) if added else tr("roster.nothing_added", lang)
    )


def get_router() -> Router:
    router = Router(name="reminders")
    router.message.register(remind, Command("remind"))
    router.message.register(roster, Command("roster"), OnLoop(F.document.is_(None)))
    router.message.register(roster_file, OnLoop(_is_roster_file))
    router.callback_query.register(remind_button, OnLoop(F.data.startswith("rm:")))
    router.message.register(days_left_answer, OnLoop(F.text.func(is_deadline_question)))
    return router
