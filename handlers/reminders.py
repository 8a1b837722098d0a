"""/remind, /roster and "how many days until the deadline": the reminder conversations.

/remind walks through inline keyboards, editing one message: role (department 31 Jan, people's
government 31 Mar, or a custom local deadline: month, then day), the agency (one of the chat's
roster or stored reports, or none; `/remind 单位全称` names it directly), the days before the
deadline (toggles, default 30 14 7 3 1 0) and the hour. The step is the FSM state of the chat and
user (RemindForm), the draft lives in its FSM data; the buttons' RemindCb data carries only small
choices (it is limited to 64 bytes).
`/remind list` lists the chat's reminders with a button to switch each off; `/remind off` switches
them all off.

/roster add|remove NAMES, /roster list, /roster status [year], or a CSV/XLSX file (by its name, or
with the caption /roster): the agencies a supervising office collects reports from.

The reminder texts (handlers.reminder_texts) are plain; they are HTML-escaped here (the bot speaks HTML).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.filters import OnLoop
from handlers.i18n import Raw, plain, t
from handlers.reminder_texts import (
    MONTHS_EN,
    format_date,
    name_list,
    render_days_left,
    render_digest,
    render_due,
)
from reports.deadlines import DEFAULT_OFFSETS, DEFAULT_TZ, Role, Schedule, due_report
from storage import reminders as rem
from storage import repo

Clock = Callable[[], datetime]
ROSTER_MAX_BYTES = 1024 * 1024
HOURS = (7, 8, 9, 10, 11, 14, 15, 16, 17, 18)
MAX_AGENCY_BUTTONS = 6
MAX_LISTED = 150  # roster names in one /roster list message (Telegram allows 4096 characters)
_SPLIT = re.compile(r"[\n,，、;；]+")


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
    await message.answer(html.escape(render_days_left(_lang(lang), today.date(), schedules), quote=False))


# ---------------------------------------------------------------- /remind


class RemindForm(StatesGroup):
    """The steps of /remind; the draft (choices so far) is in the FSM data under "remind"."""

    role = State()
    month = State()  # a custom deadline: its month, then its day
    day = State()
    agency = State()
    offsets = State()
    hour = State()


class RemindCb(CallbackData, prefix="rm"):
    """A /remind button: an action (role, month, day, ag, off, hour, cancel, del) and its value.
    Packed without a trailing ":" when there is no value ("rm:cancel"), as buttons already sent
    carry it."""

    action: str
    value: str = ""

    def pack(self) -> str:
        return super().pack().removesuffix(":")

    @classmethod
    def unpack(cls, value: str) -> RemindCb:
        return super().unpack(value if value.count(":") != 1 else value + ":")


def _kb(rows: list[list[tuple[str, str, object]]]) -> InlineKeyboardMarkup:
    """Rows of (text, action, value) buttons."""
    b = InlineKeyboardBuilder()
    for row in rows:
        b.row(*[_button(text, action, value) for text, action, value in row])
    return b.as_markup()


def _button(text: str, action: str, value: object = "") -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=RemindCb(action=action, value=str(value)).pack())


def _month_name(month: int, lang: str) -> str:
    return f"{month}" if lang != "en" else MONTHS_EN[month - 1]



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
    who = Raw(t("remind.what.agency", lang, agency=agency)) if agency else ""
    return t(
        "remind.what", lang, role=t(f"remind.what.role.{schedule.role}", lang), deadline=format_date(due.deadline, _lang(lang)),
        agency=who, offsets=_offsets_text(schedule.offsets, lang), hour=schedule.hour, tz=schedule.tz,
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


def _step(step: str | None, draft: dict[str, Any], lang: str) -> tuple[str, InlineKeyboardMarkup]:
    """The text and keyboard of a step (a RemindForm state) of the draft."""
    cancel = [(t("remind.cancel", lang), "cancel", "")]
    if step == RemindForm.role.state:
        return t("remind.role", lang), _kb([
            [(t("remind.role.department", lang), "role", "department"), (t("remind.role.government", lang), "role", "government")],
            [(t("remind.role.custom", lang), "role", "custom")],
            cancel,
        ])  # fmt: skip
    if step == RemindForm.month.state:
        months = [(plain("remind.month.button", lang, month=_month_name(m, lang)), "month", m) for m in range(1, 13)]
        return t("remind.month", lang), _kb([months[i : i + 4] for i in range(0, 12, 4)] + [cancel])
    if step == RemindForm.day.state:
        month = draft["month"]
        last = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)[month - 1]
        days = [(str(d), "day", d) for d in range(1, last + 1)]
        return t("remind.day", lang, month=_month_name(month, lang)), _kb([days[i : i + 7] for i in range(0, last, 7)] + [cancel])
    if step == RemindForm.agency.state:
        rows = [[(name, "ag", i)] for i, name in enumerate(draft["choices"])]
        return t("remind.agency", lang), _kb([*rows, [(t("remind.agency.none", lang), "ag", "none")], cancel])
    if step == RemindForm.offsets.state:
        chosen = set(draft["offsets"])
        buttons: list[tuple[str, str, object]] = []
        for o in DEFAULT_OFFSETS:
            label = t("remind.offsets.same_day", lang) if o == 0 else t("remind.offsets.day", lang, n=o)
            buttons.append((("✅ " if o in chosen else "▫️ ") + label, "off", o))
        return t("remind.offsets", lang), _kb([buttons[:3], buttons[3:], [(t("remind.offsets.next", lang), "off", "next")], cancel])
    # RemindForm.hour
    hours = [(f"{h:02d}:00", "hour", h) for h in HOURS]
    return t("remind.hour", lang, tz=draft.get("tz", DEFAULT_TZ)), _kb([hours[:5], hours[5:], cancel])


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
        await message.answer(t("remind.off", lang, n=n))
        return
    await repo.unblock_chat(session, message.chat.id)
    draft: dict[str, Any] = {"agency": args[:200] or None, "offsets": list(DEFAULT_OFFSETS)}
    text, kb = _step(RemindForm.role.state, draft, lang)
    sent = await message.answer(text, reply_markup=kb)
    draft["mid"] = sent.message_id
    draft["workspace_id"] = getattr(chat_info, "workspace_id", None)
    await state.set_state(RemindForm.role)
    await state.update_data(remind=draft)


async def _send_list(message: Message, lang: str, session: AsyncSession, clock: Clock | None) -> None:
    text, kb = await _list_view(session, message.chat.id, lang, clock)
    await message.answer(text, reply_markup=kb)


async def _list_view(
    session: AsyncSession, chat_id: int, lang: str, clock: Clock | None
) -> tuple[str, InlineKeyboardMarkup | None]:
    subs = await rem.subscriptions_of(session, chat_id)
    if not subs:
        return t("remind.none", lang), None
    now = _now(clock)
    items = "\n".join(f"{i}. {describe(rem.schedule_of(s), s.agency, lang, now)}" for i, s in enumerate(subs, 1))
    buttons = [(t("remind.off.button", lang, n=i), "del", s.id) for i, s in enumerate(subs, 1)]
    return t("remind.list", lang, items=Raw(items)), _kb([buttons[i : i + 3] for i in range(0, len(buttons), 3)])


async def remind_button(
    query: CallbackQuery,
    callback_data: RemindCb,
    lang: str,
    session: AsyncSession,
    state: FSMContext,
    bot: Bot,
    reminder_clock: Clock | None = None,
) -> None:
    message = query.message
    if message is None:
        await query.answer()
        return
    chat_id = message.chat.id
    action, value = callback_data.action, callback_data.value
    if action == "del" and value.isdigit():
        await rem.unsubscribe(session, chat_id, int(value), now=_now(reminder_clock))
        text, kb = await _list_view(session, chat_id, lang, reminder_clock)
        await bot.edit_message_text(text=text, chat_id=chat_id, message_id=message.message_id, reply_markup=kb)
        await query.answer()
        return
    draft: dict[str, Any] | None = (await state.get_data()).get("remind")
    step = await state.get_state()
    if draft is None or draft.get("mid") != message.message_id or step not in RemindForm.__state_names__:
        await query.answer(t("remind.expired", lang), show_alert=True)
        return
    if action == "cancel":
        await _end(state)
        await bot.edit_message_text(text=t("remind.cancelled", lang), chat_id=chat_id, message_id=message.message_id)
        await query.answer()
        return
    if action == "role" and value in ("department", "government", "custom"):
        draft["role"] = value
        step = RemindForm.month.state if value == "custom" else await _after_deadline(session, chat_id, draft)
    elif action == "month" and value.isdigit() and 1 <= int(value) <= 12:
        draft["month"], step = int(value), RemindForm.day.state
    elif action == "day" and value.isdigit() and draft.get("month"):
        draft["day"] = int(value)
        step = await _after_deadline(session, chat_id, draft)
    elif action == "ag":
        choices = draft.get("choices", [])
        if value.isdigit() and int(value) < len(choices):
            draft["agency"] = choices[int(value)]
        step = RemindForm.offsets.state
    elif action == "off":
        if value == "next":
            if not draft["offsets"]:
                await query.answer(t("remind.offsets.empty", lang), show_alert=True)
                return
            step = RemindForm.hour.state
        elif value.isdigit() and int(value) in DEFAULT_OFFSETS:
            o = int(value)
            draft["offsets"] = [x for x in draft["offsets"] if x != o] if o in draft["offsets"] else [*draft["offsets"], o]
    elif action == "hour" and value.isdigit() and 0 <= int(value) <= 23:
        await _save(query, session, state, bot, draft, int(value), lang, reminder_clock)
        return
    await state.set_state(step)
    await state.update_data(remind=draft)
    text, kb = _step(step, draft, lang)
    await bot.edit_message_text(text=text, chat_id=chat_id, message_id=message.message_id, reply_markup=kb)
    await query.answer()


async def _end(state: FSMContext) -> None:
    """The set-up is over (saved or cancelled): no step, no draft."""
    await state.set_state(None)
    await state.update_data(remind=None)


async def _after_deadline(session: AsyncSession, chat_id: int, draft: dict[str, Any]) -> str:
    """After the deadline: ask for the agency, unless /remind named one or the chat knows none."""
    if draft.get("agency"):
        return RemindForm.offsets.state
    draft["choices"] = await _known_agencies(session, chat_id, draft.get("workspace_id"))
    return RemindForm.agency.state if draft["choices"] else RemindForm.offsets.state


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
    await _end(state)
    today = now.astimezone(schedule.zone).date()
    due = due_report(today, schedule.role, schedule.custom)
    due_text = render_due(_lang(lang), due.report_year, due.deadline, (due.deadline - today).days, draft.get("agency"))
    text = t("remind.saved", lang, what=Raw(describe(schedule, draft.get("agency"), lang, now)), due=due_text)
    await bot.edit_message_text(text=text, chat_id=message.chat.id, message_id=message.message_id)
    await query.answer()


# ---------------------------------------------------------------- /roster


def _names_arg(text: str) -> list[str]:
    return [n.strip() for n in _SPLIT.split(text) if n.strip()]


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
            t("roster.added", lang, n=len(added), names=name_list(added, lang)) if added else t("roster.nothing_added", lang)
        )
    elif verb in ("remove", "rm", "del", "删除", "移除") and rest.strip():
        removed = await rem.roster_remove(session, chat_id, _names_arg(rest))
        await message.answer(
            t("roster.removed", lang, n=len(removed), names=name_list(removed, lang))
            if removed
            else t("roster.nothing_removed", lang)
        )
    elif verb in ("list", "ls", "名单"):
        entries = await rem.roster_of(session, chat_id)
        names = "\n".join(f"{i}. {e.agency}" for i, e in enumerate(entries[:MAX_LISTED], 1))
        if len(entries) > MAX_LISTED:
            names += f"\n… (+{len(entries) - MAX_LISTED})"
        await message.answer(t("roster.list", lang, n=len(entries), names=names) if entries else t("roster.empty", lang))
    elif verb in ("status", "情况", "进度"):
        rest = rest.strip()
        if rest and not (rest.isdigit() and len(rest) == 4):
            await message.answer(t("roster.year", lang))
            return
        year = int(rest) if rest else _now(reminder_clock).astimezone(Schedule(Role.DEPARTMENT).zone).year - 1
        if not await rem.roster_of(session, chat_id):
            await message.answer(t("roster.empty", lang))
            return
        digest = await rem.roster_digest(session, chat_id, year)
        await message.answer(html.escape(render_digest(_lang(lang), digest), quote=False))
    else:
        n = len(await rem.roster_of(session, chat_id))
        await message.answer(t("roster.help", lang, n=n))


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
        await message.answer(t("roster.big_file", lang))
        return
    buf = await bot.download(doc.file_id)
    data = buf.read() if buf is not None else b""
    if len(data) > ROSTER_MAX_BYTES:
        await message.answer(t("roster.big_file", lang))
        return
    try:
        names = rem.names_from_file(data, doc.file_name or "")
    except ValueError:
        await message.answer(t("roster.bad_file", lang))
        return
    if not names:
        await message.answer(t("roster.bad_file", lang))
        return
    added = await rem.roster_add(session, message.chat.id, names)
    await message.answer(
        t("roster.added", lang, n=len(added), names=name_list(added, lang)) if added else t("roster.nothing_added", lang)
    )


def get_router() -> Router:
    router = Router(name="reminders")
    router.message.register(remind, Command("remind"))
    router.message.register(roster, Command("roster"), OnLoop(F.document.is_(None)))
    router.message.register(roster_file, OnLoop(_is_roster_file))
    router.callback_query.register(remind_button, RemindCb.filter())
    router.message.register(days_left_answer, OnLoop(F.text.func(is_deadline_question)))
    return router
