"""The one text catalogue (handlers/i18n.MESSAGES): every message in both languages, with the same
placeholders in both (but for the few declared in ONE_SIDED)."""

from __future__ import annotations

import string

from handlers.i18n import COMMANDS, MESSAGES, ONE_SIDED, plain, t


def _fields(text: str) -> set[str]:
    names = set()
    for _, name, _, _ in string.Formatter().parse(text):
        if name is not None:
            names.add(name.split(".")[0].split("[")[0])
    return names


def test_every_message_has_both_languages() -> None:
    bad = [k for k, v in MESSAGES.items() if len(v) != 2 or not all(isinstance(x, str) and x.strip() for x in v)]
    assert bad == []
    assert all(zh.strip() and en.strip() for _, zh, en in COMMANDS)


def test_both_languages_take_the_same_placeholders() -> None:
    bad = {}
    for key, (zh, en) in MESSAGES.items():
        differ = _fields(zh) ^ _fields(en)
        if differ != ONE_SIDED.get(key, frozenset()):
            bad[key] = sorted(differ)
    assert bad == {}
    assert set(ONE_SIDED) <= set(MESSAGES)


def test_t_escapes_and_plain_does_not() -> None:
    assert t("report_none", "en", query="<b>") == "No report found for “&lt;b&gt;”."
    assert plain("report_none", "en", query="<b>") == "No report found for “<b>”."
    assert plain("remind.off", "zh", n=2) == "已关闭本聊天的 2 个提醒。"
