"""Fetch a report from a link (http or https), safely.

- Only http and https; no user name or password in the link.
- Every address the host resolves to must be public: loopback, private, link-local, multicast,
  reserved and unspecified addresses are refused, unless an admin allows their network
  (NIANBAO_FETCH_ALLOW_NETWORKS, bot.settings). The connection goes to the addresses checked (the
  resolver is the guard), so a name cannot resolve to another address in between.
- Redirects are followed by hand, at most MAX_REDIRECTS, each new link checked by the same rules.
- The body is cut off past the upload limit (NIANBAO_MAX_UPLOAD_MB), and the whole fetch, redirects
  included, has a time limit; no proxy from the environment is used.
- The kind of file is sniffed from the bytes (reports.readers.sniff), not taken from the headers.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

MAX_REDIRECTS = 5
CHUNK = 64 * 1024
REPORT_KINDS = {"pdf": ".pdf", "docx": ".docx", "html": ".html", "text": ".txt"}
URL_RE = re.compile(r"https?://[^\s<>\"'，。；！？、）】」]+", re.I)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class FetchError(Exception):
    """Why a link was not fetched. code: scheme, address, redirects, status, too_big, timeout,
    network, empty, not_a_report."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code, self.detail = code, detail


@dataclass(frozen=True)
class FetchPolicy:
    max_bytes: int
    timeout: float = 20.0
    allow: tuple[IPNetwork, ...] = ()  # networks allowed although not public (admin setting)

    @classmethod
    def from_settings(cls, settings: Any) -> FetchPolicy:
        return cls(settings.max_upload_bytes, settings.fetch_timeout,
                   tuple(ipaddress.ip_network(n, strict=False) for n in settings.fetch_allow_networks))

    def allowed(self, address: str) -> bool:
        ip: IPAddress = ipaddress.ip_address(address.split("%", 1)[0])
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        if any(ip in net for net in self.allow):
            return True
        return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_unspecified)


@dataclass
class Fetched:
    data: bytes
    url: str  # after redirects
    name: str  # a file name for the report (its extension from the sniffed kind)
    kind: str
    redirects: list[str] = field(default_factory=list)


def find_link(text: str) -> str | None:
    """The first http(s) link in a message."""
    m = URL_RE.search(text or "")
    return m.group(0).rstrip(".,;:!?)]}") if m else None


def check_url(url: str, policy: FetchPolicy) -> tuple[str, int]:
    """(host, port) of a link that may be fetched; FetchError otherwise. A literal address is checked
    here; a name is checked when it resolves (_GuardResolver)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as e:
        raise FetchError("scheme", str(e)) from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise FetchError("scheme", parts.scheme)
    if parts.username or parts.password:
        raise FetchError("scheme", "credentials in the link")
    host = parts.hostname
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        if not re.fullmatch(r"[A-Za-z0-9.-]+", host):  # an internationalised name: its ASCII form
            try:
                host = host.encode("idna").decode("ascii")
            except UnicodeError:
                raise FetchError("scheme", "host name") from None
    else:
        if not policy.allowed(host):
            raise FetchError("address", host)
    return host, port or (443 if parts.scheme.lower() == "https" else 80)


def _resolver_class() -> type:
    from aiohttp.abc import AbstractResolver

    class GuardResolver(AbstractResolver):
        """Resolves a name and refuses it when any of its addresses is not allowed."""

        def __init__(self, policy: FetchPolicy) -> None:
            self.policy = policy

        async def resolve(self, host: str, port: int = 0, family: int = socket.AF_INET) -> list[dict[str, Any]]:
            loop = asyncio.get_running_loop()
            try:
                infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM, family=socket.AF_UNSPEC)
            except OSError as e:
                raise FetchError("network", f"{host}: {e}") from None
            out = []
            for fam, _, proto, _, sockaddr in infos:
                address = str(sockaddr[0])
                if not self.policy.allowed(address):
                    raise FetchError("address", f"{host} -> {address}")
                out.append({"hostname": host, "host": address, "port": port, "family": fam, "proto": proto,
                            "flags": socket.AI_NUMERICHOST})
            if not out:
                raise FetchError("network", f"{host}: no address")
            return out

        async def close(self) -> None:
            return None

    return GuardResolver


def _file_name(url: str, disposition: str | None, kind: str) -> str:
    name = ""
    if disposition:
        m = re.search(r"filename\*=(?:UTF-8'')?([^;]+)|filename=\"?([^\";]+)", disposition, re.I)
        if m:
            name = unquote((m.group(1) or m.group(2) or "").strip())
    if not name:
        name = unquote(urlsplit(url).path.rsplit("/", 1)[-1])
    name = re.sub(r"[\\/\x00-\x1f]", "_", name).strip() or "report"
    ext = REPORT_KINDS.get(kind, "")
    stem = name.rsplit(".", 1)[0] if "." in name else name
    return (stem[:120] or "report") + ext


async def fetch(url: str, policy: FetchPolicy) -> Fetched:
    """The report a link points to; FetchError says why not."""
    try:
        async with asyncio.timeout(policy.timeout):
            return await _fetch(url, policy)
    except TimeoutError:
        raise FetchError("timeout", f"{policy.timeout:g} s") from None


async def _fetch(url: str, policy: FetchPolicy) -> Fetched:
    import aiohttp

    from reports.readers import sniff

    connector = aiohttp.TCPConnector(resolver=_resolver_class()(policy), use_dns_cache=False, limit=1)
    headers = {"User-Agent": "Nianbao/1.0 (annual report checker)", "Accept": "*/*"}
    redirects: list[str] = []
    async with aiohttp.ClientSession(connector=connector, trust_env=False, headers=headers,
                                     timeout=aiohttp.ClientTimeout(total=policy.timeout)) as http:
        while True:
            check_url(url, policy)
            try:
                async with http.get(url, allow_redirects=False, auto_decompress=True) as resp:
                    if resp.status in (301, 302, 303, 307, 308):
                        location = resp.headers.get("Location")
                        if not location or len(redirects) >= MAX_REDIRECTS:
                            raise FetchError("redirects", str(len(redirects)))
                        redirects.append(url)
                        url = urljoin(url, location)
                        continue
                    if resp.status != 200:
                        raise FetchError("status", str(resp.status))
                    if (resp.content_length or 0) > policy.max_bytes:
                        raise FetchError("too_big", str(resp.content_length))
                    data = bytearray()
                    async for chunk in resp.content.iter_chunked(CHUNK):
                        data += chunk
                        if len(data) > policy.max_bytes:  # cut off: a lying or missing length
                            raise FetchError("too_big", f"> {policy.max_bytes}")
                    disposition = resp.headers.get("Content-Disposition")
            except aiohttp.ClientError as e:
                cause = e.__cause__ or e.__context__
                if isinstance(cause, FetchError):
                    raise cause from None
                raise FetchError("network", type(e).__name__) from None
            break
    body = bytes(data)
    if not body:
        raise FetchError("empty")
    kind = sniff(body)
    if kind not in REPORT_KINDS:
        raise FetchError("not_a_report", kind)
    return Fetched(body, url, _file_name(url, disposition, kind), kind, redirects)
