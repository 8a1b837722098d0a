"""The link fetcher against a local HTTP server (127.0.0.1 only). The test policy allows loopback
alone: a link or a redirect to any other private, link-local or reserved address is refused before
any connection is made."""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web

from bot.settings import Settings
from handlers.fetch import FetchError, FetchPolicy, check_url, fetch, find_link

PDF = (Path(__file__).parent / "fixtures" / "report-2021-split-table-repeat.pdf").read_bytes()  # a real PDF
HTML = "<html><head><meta charset='utf-8'></head><body><p>某某市2023年政府信息公开工作年度报告</p></body></html>"
LOOPBACK = (ipaddress.ip_network("127.0.0.0/8"),)
MB = 1024 * 1024


async def _slow(request: web.Request) -> web.StreamResponse:
    await asyncio.sleep(3)
    return web.Response(body=PDF)


async def _stream(request: web.Request) -> web.StreamResponse:
    """An endless body without a length: must be cut off at the limit."""
    resp = web.StreamResponse()
    await resp.prepare(request)
    chunk = b"%PDF-1.4\n" + b"0" * (64 * 1024)
    for _ in range(10_000):  # bounded: 640 MB at most, never reached
        await resp.write(chunk)
    return resp


def _h(make):  # noqa: ANN001, ANN202 (a response maker as an async handler; a redirect is raised)
    async def handler(request: web.Request) -> web.StreamResponse:
        resp = make(request)
        if isinstance(resp, web.HTTPException):
            raise resp
        return resp
    return handler


class _Router:
    def __init__(self, app: web.Application) -> None:
        self.app = app

    def add_get(self, path: str, make) -> None:  # noqa: ANN001
        self.app.router.add_get(path, make if asyncio.iscoroutinefunction(make) else _h(make))


def _routes(app: web.Application) -> None:
    r = _Router(app)
    r.add_get("/report.pdf", lambda req: web.Response(body=PDF, content_type="application/octet-stream"))
    r.add_get("/page", lambda req: web.Response(text=HTML, content_type="text/html"))
    r.add_get("/download", lambda req: web.Response(body=PDF, headers={
        "Content-Disposition": "attachment; filename*=UTF-8''%E6%B7%AE%E5%AE%89%E5%B9%B4%E6%8A%A5.pdf"}))
    r.add_get("/image", lambda req: web.Response(body=b"\x89PNG\r\n\x1a\n" + b"0" * 100, content_type="application/pdf"))
    r.add_get("/empty", lambda req: web.Response(body=b""))
    r.add_get("/missing", lambda req: web.Response(status=404, text="no"))
    r.add_get("/big", lambda req: web.Response(body=b"%PDF-1.4\n" + b"0" * (2 * MB)))
    r.add_get("/stream", _stream)
    r.add_get("/slow", _slow)
    r.add_get("/to-pdf", lambda req: web.HTTPFound("/report.pdf"))
    r.add_get("/to-private", lambda req: web.HTTPFound("http://10.1.2.3/report.pdf"))
    r.add_get("/to-metadata", lambda req: web.HTTPFound("http://169.254.169.254/latest/meta-data/"))
    r.add_get("/to-v6", lambda req: web.HTTPFound("http://[fd00::1]/report.pdf"))
    r.add_get("/to-ftp", lambda req: web.HTTPFound("ftp://127.0.0.1/report.pdf"))
    r.add_get("/loop", lambda req: web.HTTPFound("/loop"))


@pytest.fixture
async def server() -> AsyncIterator[str]:
    app = web.Application()
    _routes(app)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


def policy(max_bytes: int = MB, timeout: float = 5.0, allow=LOOPBACK) -> FetchPolicy:
    return FetchPolicy(max_bytes, timeout, allow)


async def test_a_pdf(server: str) -> None:
    got = await fetch(f"{server}/report.pdf", policy(max_bytes=5 * MB))
    assert (got.data, got.kind, got.name, got.redirects) == (PDF, "pdf", "report.pdf", [])


async def test_an_html_page_named_by_its_kind(server: str) -> None:
    got = await fetch(f"{server}/page", policy())
    assert (got.kind, got.name, got.data) == ("html", "page.html", HTML.encode())


async def test_the_name_from_content_disposition(server: str) -> None:
    got = await fetch(f"{server}/download", policy(max_bytes=5 * MB))
    assert (got.kind, got.name) == ("pdf", "淮安年报.pdf")


async def test_a_redirect_is_followed_and_rechecked(server: str) -> None:
    got = await fetch(f"{server}/to-pdf", policy(max_bytes=5 * MB))
    assert got.url == f"{server}/report.pdf" and got.redirects == [f"{server}/to-pdf"] and got.data == PDF


@pytest.mark.parametrize(("path", "code"), [
    ("/to-private", "address"), ("/to-metadata", "address"), ("/to-v6", "address"), ("/to-ftp", "scheme"),
    ("/loop", "redirects"), ("/missing", "status"), ("/empty", "empty"), ("/image", "not_a_report"),
])
async def test_refused(server: str, path: str, code: str) -> None:
    with pytest.raises(FetchError) as e:
        await fetch(f"{server}{path}", policy())
    assert e.value.code == code


async def test_loopback_is_refused_unless_allowed(server: str) -> None:
    with pytest.raises(FetchError) as e:
        await fetch(f"{server}/report.pdf", policy(allow=()))
    assert e.value.code == "address"
    port = server.rsplit(":", 1)[1]
    with pytest.raises(FetchError) as e:  # a name resolving to loopback: refused by the resolver
        await fetch(f"http://localhost:{port}/report.pdf", policy(allow=()))
    assert e.value.code == "address"
    got = await fetch(f"http://localhost:{port}/report.pdf", policy(max_bytes=5 * MB))  # allowed: loopback
    assert got.data == PDF


async def test_an_oversized_body_is_cut_off(server: str) -> None:
    with pytest.raises(FetchError) as e:  # announced by its length: refused before reading
        await fetch(f"{server}/big", policy(max_bytes=MB))
    assert e.value.code == "too_big"
    with pytest.raises(FetchError) as e:  # no length: cut off once past the limit
        await fetch(f"{server}/stream", policy(max_bytes=MB))
    assert e.value.code == "too_big"


async def test_the_time_limit(server: str) -> None:
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    with pytest.raises(FetchError) as e:
        await fetch(f"{server}/slow", policy(timeout=0.5))
    assert e.value.code == "timeout" and loop.time() - t0 < 2.5


@pytest.mark.parametrize(("url", "code"), [
    ("ftp://example.org/a.pdf", "scheme"), ("file:///etc/passwd", "scheme"), ("javascript:alert(1)", "scheme"),
    ("http://user:pw@example.org/a.pdf", "scheme"), ("http://127.0.0.1/a.pdf", "address"),
    ("http://10.0.0.8/a.pdf", "address"), ("http://192.168.1.1/a.pdf", "address"), ("http://172.16.0.1/", "address"),
    ("http://169.254.169.254/", "address"), ("http://[::1]/", "address"), ("http://[::ffff:127.0.0.1]/", "address"),
    ("http://0.0.0.0/", "address"), ("http://100.64.0.1/", "address"), ("http://224.0.0.1/", "address"),
    ("http://[fe80::1%25eth0]/", "address"),
])
def test_check_url_refuses(url: str, code: str) -> None:
    with pytest.raises(FetchError) as e:
        check_url(url, policy(allow=()))
    assert e.value.code == code


def test_check_url_accepts_public_addresses() -> None:
    assert check_url("https://8.8.8.8/x.pdf", policy(allow=())) == ("8.8.8.8", 443)
    assert check_url("http://www.gov.cn/a.pdf", policy(allow=())) == ("www.gov.cn", 80)


@pytest.mark.parametrize(("text", "url"), [
    ("请检查 https://www.example.gov.cn/2023/年报.pdf。谢谢", "https://www.example.gov.cn/2023/年报.pdf"),
    ("see http://a.example.org/r?id=3, thanks", "http://a.example.org/r?id=3"),
    ("（http://x.example.org/a.html）", "http://x.example.org/a.html"),
    ("没有链接", None),
])
def test_find_link(text: str, url: str | None) -> None:
    assert find_link(text) == url


def test_policy_from_settings() -> None:
    s = Settings(_env_file=None, fetch_allow_networks="127.0.0.0/8, 10.0.0.0/8", max_upload_mb=3)  # type: ignore[call-arg]
    p = FetchPolicy.from_settings(s)
    assert p.max_bytes == 3 * MB and p.timeout == 20.0
    assert p.allowed("127.0.0.1") and p.allowed("10.9.9.9") and not p.allowed("192.168.0.1")
    assert not FetchPolicy.from_settings(Settings(_env_file=None)).allowed("127.0.0.1")  # type: ignore[call-arg]
    with pytest.raises(ValueError):
        Settings(_env_file=None, fetch_allow_networks="not-a-network")  # type: ignore[call-arg]
