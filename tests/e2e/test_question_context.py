"""Follow-ups in a chat, through the local Bot API server: another year, another agency, the last
answer in English, where its number comes from (a question or the "source" button)."""

from __future__ import annotations

from handlers.i18n import plain
from tests.docgen import make_figures, report_text
from tests.e2e.conftest import SAMPLES, Harness
from tests.e2e.test_documents import send_file

HUAIAN = "淮安市人民政府"
XINXIANG = "新乡市人民政府"


async def test_follow_ups(quiet: Harness) -> None:
    c = quiet.client
    u = c.user(61)
    chat = c.private(u)
    await send_file(c, u, chat, "huaian-2024.pdf", (SAMPLES / "huaian-2024.pdf").read_bytes())
    f23, fx = dict(make_figures(9)), dict(make_figures(3))
    await send_file(c, u, chat, "huaian-2023.txt", report_text(HUAIAN, 2023, f23).encode())
    await send_file(c, u, chat, "xinxiang-2023.txt", report_text(XINXIANG, 2023, fx).encode())

    a = await c.ask(u, chat, "淮安市人民政府2024年新收申请多少件？")
    assert a.text == "淮安市人民政府 2024 年新收政府信息公开申请 3119 件（来源：huaian-2024.pdf）"
    assert a.button_data() == ["q:src"]
    b = await c.ask(u, chat, "那2023年呢？")
    n23 = int(f23["s3.new.total"])
    assert b.text == f"淮安市人民政府 2023 年新收政府信息公开申请 {n23} 件（来源：huaian-2023.txt）"
    en = await c.ask(u, chat, "英文")
    assert en.text == (f"淮安市人民政府, 2023: new applications for government information: {n23} "
                       "(source: huaian-2023.txt)")
    page = await c.ask(u, chat, "哪一页？")
    assert page.text.startswith("来源：huaian-2023.txt（淮安市人民政府，2023 年）\n")
    assert f"（s3.new.total）= {n23}" in page.text and "行" in page.text
    other = await c.ask(u, chat, "and Xinxiang?")
    assert other.text == (f"新乡市人民政府, 2023: new applications for government information: "
                          f"{int(fx['s3.new.total'])} (source: xinxiang-2023.txt)")
    # the source button of the first answer: the PDF's page
    since = c.mark()
    await c.press_button(u, a, "q:src")
    src = await c.next_message(chat, since)
    assert src.text.startswith("来源：huaian-2024.pdf（淮安市人民政府，2024 年）\n")
    assert "（s3.new.total）= 3119，第 " in src.text and " 页" in src.text

    # another chat has no context
    v = c.user(62)
    other_chat = c.private(v)
    none = await c.ask(v, other_chat, "英文")
    assert none.text == plain("context_none", "zh")
    none = await c.ask(v, other_chat, "which page?")
    assert none.text == plain("context_none", "en")
