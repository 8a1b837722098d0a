"""A command no handler knows gets a short answer in private chats, and none in a group unless it
names this bot."""

from __future__ import annotations

from tests.e2e.conftest import Harness


async def test_unknown_command_is_answered(harness: Harness) -> None:
    c = harness.client
    zh_user, en_user = c.user(21, language_code="zh-hans"), c.user(22, language_code="en-US")
    assert (await c.ask(zh_user, c.private(zh_user), "/foo")).text == "没有 /foo 这个命令。发送 /help 查看全部命令。"
    assert (await c.ask(en_user, c.private(en_user), "/foo@nianbao_bot bar")).text == (
        "There is no /foo command. Send /help for the list.")


async def test_unknown_command_in_a_group_only_when_addressed(harness: Harness) -> None:
    c = harness.client
    u = c.user(23, language_code="en-US")
    group = c.group("office")
    since = c.mark()
    await c.send_text(u, group, "/foo@otherbot")
    await c.send_text(u, group, "/foo")
    reply = await c.ask(u, group, "/foo@nianbao_bot")
    assert reply.text == "There is no /foo command. Send /help for the list."
    assert [e.data.get("text") for e in c.events(since, group, "send")] == [reply.text]
