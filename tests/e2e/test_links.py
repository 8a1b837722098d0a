"""A report sent as a link: fetched from a local HTTP server, checked and stored like an upload, and
answered from afterwards; a link to loopback refused when the settings do not allow it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web

from handlers.i18n import plain
from reports.runner import Checker
from tests.docgen import make_figures, report_html
from tests.e2e.conftest import SAMPLES, start_harness, stop_harness

FIGS = dict(make_figures(5))
PAGE = report_html("沭阳县住房和城乡建设局", 2023, FIGS).encode("utf-8")


@pytest.fixture
async def site() -> AsyncIterator[str]:
    app = web.Application()

    async def page(request: web.Request) -> web.Response:
        return web.Response(body=PAGE, content_type="text/html", charset="utf-8")

    async def pdf(request: web.Request) -> web.Response:
        return web.Response(body=(SAMPLES / "huaian-2024.pdf").read_bytes())

    async def moved(request: web.Request) -> web.Response:
        raise web.HTTPFound("http://192.168.7.7/report.pdf")

    app.router.add_get("/zwgk/2023/report.html", page)
    app.router.add_get("/files/huaian-2024.pdf", pdf)
    app.router.add_get("/moved", moved)
    runner = web.AppRunner(app)
    await runner.setup()
    tcp = web.TCPSite(runner, "127.0.0.1", 0)
    await tcp.start()
    try:
        yield f"http://127.0.0.1:{tcp._server.sockets[0].getsockname()[1]}"  # type: ignore[union-attr]
    finally:
        await runner.cleanup()


async def _final(c, u, chat, text: str):  # noqa: ANN001, ANN202
    since = c.mark()
    await c.send_text(u, chat, text)
    return await c.wait_message(chat, lambda m: not m.body.startswith(("📥", "⏳", "🔎")) or m.deleted, since, 60)


async def test_a_report_by_link(tmp_path: Path, checker: Checker, site: str) -> None:
    h = await start_harness(tmp_path, checker, throttle_rate=0, fetch_allow_networks=["127.0.0.0/8"])
    try:
        c = h.client
        u = c.user(71)
        chat = c.private(u)
        r = await _final(c, u, chat, f"请检查这份年报 {site}/zwgk/2023/report.html 谢谢")
        assert "沭阳县住房和城乡建设局" in r.text and "2023" in r.text
        a = await c.ask(u, chat, "沭阳县住建局2023年收到多少申请？")
        assert a.text == (f"沭阳县住房和城乡建设局 2023 年新收政府信息公开申请 {int(FIGS['s3.new.total'])} 件"
                          "（来源：report.html）")
        r = await _final(c, u, chat, f"{site}/files/huaian-2024.pdf")
        assert "淮安市人民政府" in r.text
        r = await _final(c, u, chat, f"{site}/moved")  # a redirect to a private address
        assert r.text == plain("link_failed.address", "zh")
        r = await _final(c, u, chat, "ftp://127.0.0.1/a.pdf 和 http://10.0.0.1/a.pdf")
        assert r.text == plain("link_failed.address", "zh")
    finally:
        await stop_harness(h)


async def test_loopback_refused_by_default(tmp_path: Path, checker: Checker, site: str) -> None:
    h = await start_harness(tmp_path, checker, throttle_rate=0)
    try:
        c = h.client
        u = c.user(72)
        r = await _final(c, u, c.private(u), f"{site}/files/huaian-2024.pdf")
        assert r.text == plain("link_failed.address", "zh")
    finally:
        await stop_harness(h)
