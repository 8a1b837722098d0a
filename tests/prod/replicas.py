"""Webhook replicas under load, shared by bench/bench_webhook.py and tests/prod/test_replicas_load.py.

Three `nianbao bot --webhook` processes (tests.prod.botproc) on one PostgreSQL schema and one Redis
prefix, behind nginx on loopback (found, or installed from Debian when allowed; else each delivery
goes to the replicas in turn, as nginx would, and the result says so). The local Bot API server
holds the users' updates (files and questions from many chats) and the bot's answers; this module
plays Telegram's side of the webhook: several connections at once, each delivery repeated at random
(the first response then counts as lost, as when Telegram times out), a delivery that got no 200
tried again, and the method a 200 carries in its body executed on the Bot API server.

In the middle one replica is SIGKILLed at the worst moment: the instant the Bot API server receives
its answer to a document (its verdict), before the replica can record anything about it, while it
holds other accepted documents. A document's answer is its status message once it holds the verdict. It is restarted 2 s later. A reminder falls due during the run.
"""

from __future__ import annotations

import asyncio
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from aiohttp import ClientSession, ClientTimeout, web

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT.parent / "shared" / "samples" / "xinxiang-2023.txt"
SECRET = "load-secret"
QUESTION = "新乡市工业和信息化局2023年收到多少政府信息公开申请？"
STATUS = ("📥", "⏳", "🔎")  # progress messages of a document, not answers
KILLED = 1  # the replica killed half-way
SERVER: web.AppKey[Any] = web.AppKey("server", object)


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def find_nginx(install: bool = False) -> tuple[str | None, str]:
    """nginx's path, or None and why not. With `install` (and root), Debian's nginx-light is
    installed when absent."""
    for p in ("/usr/sbin/nginx", "/usr/bin/nginx", shutil.which("nginx")):
        if p and Path(p).is_file():
            return p, "nginx"
    if not install:
        return None, "nginx not installed (apt-get install nginx-light)"
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        return None, "nginx not installed and cannot be installed here (needs root and apt-get)"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for cmd in (["apt-get", "install", "-y", "-q", "nginx-light"], ["apt-get", "update", "-q"],
                ["apt-get", "install", "-y", "-q", "nginx-light"]):
        ok = subprocess.run(cmd, env=env, capture_output=True, timeout=600).returncode == 0
        if ok and cmd[1] == "install":
            break
    path = "/usr/sbin/nginx"
    return (path, "nginx (installed now)") if Path(path).is_file() else (None, "nginx could not be installed")


def _nginx(binary: str, ports: list[int], work: Path) -> tuple[subprocess.Popen[bytes], int]:
    """nginx on loopback in front of the replicas, configured as deploy/nginx.conf."""
    port = _port()
    (work / "logs").mkdir(exist_ok=True)
    conf = work / "nginx.conf"
    servers = "\n".join(f"    server 127.0.0.1:{p} max_fails=1 fail_timeout=2s;" for p in ports)
    conf.write_text(f"""
daemon off; worker_processes 1; pid {work}/nginx.pid; error_log {work}/logs/error.log;
events {{ worker_connections 1024; }}
http {{
  access_log off; client_body_temp_path {work}/body; proxy_temp_path {work}/proxy;
  fastcgi_temp_path {work}/fcgi; uwsgi_temp_path {work}/uwsgi; scgi_temp_path {work}/scgi;
  upstream bots {{
{servers}
  }}
  server {{ listen 127.0.0.1:{port};
    location /webhook {{ proxy_pass http://bots; proxy_next_upstream error timeout http_502 http_503;
      proxy_next_upstream_tries 3; proxy_read_timeout 60s; }} }}
}}""")
    proc = subprocess.Popen([binary, "-c", str(conf), "-p", str(work)], stdout=subprocess.DEVNULL,
                            stderr=open(work / "logs" / "nginx.out", "wb"))  # noqa: SIM115
    return proc, port


def descendants(pid: int) -> set[int]:
    """Every live process below pid (by the parent links in /proc)."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_bytes()
            except OSError:
                continue
            parents[int(entry)] = int(stat.rsplit(b")", 1)[1].split()[1])
    found, frontier = set(), {pid}
    while frontier:
        frontier = {p for p, pp in parents.items() if pp in frontier} - found
        found |= frontier
    return found


@dataclass
class Replicas:
    api: str
    db: str
    redis: str
    prefix: str
    work: Path
    clock_file: Path
    ports: list[int] = field(default_factory=lambda: [_port() for _ in range(3)])
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def start(self, i: int) -> subprocess.Popen[bytes]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("NIANBAO_")}
        env.update({
            "PYTHONPATH": str(ROOT), "NIANBAO_API_BASE": self.api, "NIANBAO_DATABASE_URL": self.db,
            "NIANBAO_REDIS_URL": self.redis, "NIANBAO_REDIS_PREFIX": self.prefix,
            "NIANBAO_WEBHOOK_URL": "http://127.0.0.1:1/webhook", "NIANBAO_WEBHOOK_SECRET": SECRET,
            "NIANBAO_WEBHOOK_PORT": str(self.ports[i]), "NIANBAO_THROTTLE_RATE": "0",
            "NIANBAO_PARSE_WORKERS": "1", "NIANBAO_JOB_LEASE": "10", "NIANBAO_JOB_SWEEP": "1",
            "NIANBAO_DATA_DIR": str(self.work), "NIANBAO_TEST_CLOCK_FILE": str(self.clock_file),
            "NIANBAO_TEST_REMINDER_INTERVAL": "1",
        })
        out = open(self.work / f"replica-{i}-{time.monotonic_ns()}.log", "wb")  # noqa: SIM115 - the child's
        proc = subprocess.Popen([sys.executable, "-m", "tests.prod.botproc", "--webhook"], cwd=self.work, env=env,
                                stdout=out, stderr=subprocess.STDOUT)
        if i < len(self.procs):
            self.procs[i] = proc
        else:
            self.procs.append(proc)
        return proc

    def stop(self) -> None:
        for p in self.procs:
            if p.poll() is None:
                p.send_signal(signal.SIGINT)
        for p in self.procs:
            try:
                p.wait(30)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


@dataclass
class Kill:
    """Kill a replica the instant the Bot API server records its answer to one of `targets` (the
    updates sent to it alone, by (chat id, message id)): the first answered, whichever it is, so that
    the others are still in its hands. `hit` names it."""

    targets: dict[tuple[int, int], str] = field(default_factory=dict)
    hit: str = ""
    pid: int = 0
    at: float = 0.0
    trigger: str = "its answer reached the Bot API"
    below: set[int] = field(default_factory=set)
    done: asyncio.Event = field(default_factory=asyncio.Event)

    @web.middleware
    async def middleware(self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
                         ) -> web.StreamResponse:
        server = request.app[SERVER]
        before = len(server.events)
        response = await handler(request)
        if self.pid and not self.done.is_set():
            for e in server.events[before:]:
                m = e.message
                if (e.kind in ("send", "edit") and m is not None and (m.chat_id, m.reply_to) in self.targets
                        and not m.body.startswith(STATUS)):
                    self.hit = self.targets[(m.chat_id, m.reply_to)]
                    self.below = descendants(self.pid)
                    os.kill(self.pid, signal.SIGKILL)  # before the replica sees this call's response
                    self.at = time.monotonic()
                    self.done.set()
                    break
        return response


def _reminder_setup(chat_id: int) -> tuple[Any, datetime]:
    """A subscription (its reminder 10 days ahead, at 09:00 Shanghai time) and the instant it is due."""
    from reports.deadlines import Schedule, due_report, reminder_instants
    from storage.reminder_models import Subscription

    now = datetime.now(UTC)
    deadline = (now + timedelta(days=10)).date()
    schedule = Schedule("custom", (deadline.month, deadline.day), (0,), 9, "Asia/Shanghai")
    year = due_report(deadline, schedule.role, schedule.custom).report_year
    sub = Subscription(chat_id=chat_id, role="custom", deadline_month=deadline.month, deadline_day=deadline.day,
                       offsets=[0], hour=9, tz="Asia/Shanghai", lang="en", created_at=now, updated_at=now)
    return sub, reminder_instants(schedule, year)[0]


async def load_run(updates: int = 1000, chats: int = 100, *, deliverers: int = 8, seed: int = 1,
                   install_nginx: bool = False, reminder_lead: float = 20.0, kill_on: str = "document",
                   say: Callable[[str], None] = lambda s: None) -> dict[str, Any]:
    """Run the load and return its figures and its checks (see the module docstring)."""
    from bot.settings import LOCAL_TOKEN
    from localapi import BotAPIServer, LocalClient
    from storage.db import make_engine, make_sessionmaker, upgrade
    from storage.models import Job
    from storage.reminder_models import SentReminder
    from tests.conftest_db import _pg_exec

    pg, redis_url = os.environ.get("NIANBAO_TEST_DATABASE_URL"), os.environ.get("NIANBAO_TEST_REDIS_URL")
    if not pg or not redis_url:
        raise RuntimeError("set NIANBAO_TEST_DATABASE_URL (PostgreSQL) and NIANBAO_TEST_REDIS_URL")
    rng = random.Random(seed)
    t0 = time.monotonic()

    def phase(what: str) -> None:
        say(f"{time.monotonic() - t0:6.1f} s  {what}")

    schema = f"load_{uuid.uuid4().hex[:10]}"
    await _pg_exec(pg, f"CREATE SCHEMA {schema}")
    db = f"{pg}?search_path={schema}"
    await upgrade(db)  # once, before the replicas (as the deploy's migrate service)
    engine = make_engine(db)
    sessions = make_sessionmaker(engine)
    work = Path(tempfile.mkdtemp(prefix="nianbao-load-"))
    kill = Kill()
    server = BotAPIServer(LOCAL_TOKEN)
    server.app[SERVER] = server
    server.app.middlewares.append(kill.middleware)
    await server.start()
    prefix = f"load-{uuid.uuid4().hex[:8]}"
    c = LocalClient(server)
    users = [c.user(10_000 + i, language_code="en" if i % 2 else "zh-hans") for i in range(chats)]
    extra = [c.user(20_000 + i) for i in range(4)]  # the documents sent to the replica that is killed
    reminded = c.user(30_000, language_code="en")
    sub, instant = _reminder_setup(c.private(reminded).id)
    async with sessions() as s:
        s.add(sub)
        await s.commit()
    replicas = Replicas(server.base_url, db, redis_url, prefix, work, work / "clock-shift")
    for i in range(3):
        replicas.start(i)
    nginx_bin, proxy_note = find_nginx(install_nginx)
    proxy: subprocess.Popen[bytes] | None = None
    targets = [f"http://127.0.0.1:{p}/webhook" for p in replicas.ports]
    if nginx_bin is not None:
        proxy, proxy_port = _nginx(nginx_bin, replicas.ports, work)
        targets = [f"http://127.0.0.1:{proxy_port}/webhook"]
    else:
        proxy_note = f"direct to the replicas in turn ({proxy_note})"
    say(f"proxy: {proxy_note}; work dir {work}")
    try:
        await c.wait_for(lambda: server.calls.get("setwebhook", 0) >= 3, 300, "3 replicas to start")
        phase("3 replicas up")
        server.webhook = None  # Telegram's side is played here
        # the users' messages, as the Bot API server queues them
        data = SAMPLE.read_bytes()
        keys: list[tuple[int, int]] = []
        files: set[tuple[int, int]] = set()
        for i in range(updates):
            n, k = i % chats, i // chats
            chat = c.private(users[n])
            if k % 10 == n % 10:
                msg = await c.send_document(users[n], chat, f"r{i}.txt", data + f"\n# {i}".encode())
                files.add((chat.id, msg["message_id"]))
            else:
                msg = await c.send_text(users[n], chat, QUESTION)
            keys.append((chat.id, msg["message_id"]))
        regular = list(server._updates)
        server._updates.clear()
        special: list[dict[str, Any]] = []
        for j, u in enumerate(extra):
            chat = c.private(u)
            msg = (await c.send_text(u, chat, QUESTION) if kill_on == "question" and j == 0
                   else await c.send_document(u, chat, f"k{j}.txt", data + f"\n# killed {j}".encode()))
            keys.append((chat.id, msg["message_id"]))
            if "document" in msg:
                files.add(keys[-1])
        special = list(server._updates)
        server._updates.clear()
        kill.targets = {k: f"k{j}.txt" for j, k in enumerate(keys[updates:])}

        # the replicas' reminder clock jumps: the reminder falls due `reminder_lead` seconds from now
        due_at = time.monotonic() + reminder_lead
        (work / "clock-shift").write_text(str((instant - datetime.now(UTC)).total_seconds() - reminder_lead))
        first_post: dict[int, float] = {}
        stats = {"posts": 0, "repeated": 0, "non_200": 0}
        started = time.monotonic()

        def key_of(update: dict[str, Any]) -> tuple[int, int]:
            m = update["message"]
            return m["chat"]["id"], m["message_id"]

        async def post(http: ClientSession, url: str, update: dict[str, Any]) -> bytes | None:
            stats["posts"] += 1
            try:
                async with http.post(url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}) as r:
                    body = await r.read()
                    if r.status == 200:
                        return body
            except Exception:  # noqa: BLE001 - a replica killed: Telegram tries again
                pass
            stats["non_200"] += 1
            return None

        async def deliver(http: ClientSession, update: dict[str, Any], first: str | None = None) -> None:
            """Until a 200; a repeated delivery's first 200 counts as lost (Telegram timed out)."""
            first_post.setdefault(update["update_id"], time.monotonic())
            lose_one = rng.random() < 0.5
            if lose_one:
                stats["repeated"] += 1
            attempt = 0
            while True:
                url = first if (first and attempt == 0) else targets[(update["update_id"] + attempt) % len(targets)]
                body = await post(http, url, update)
                attempt += 1
                if body is None:
                    await asyncio.sleep(0.3)
                    continue
                if lose_one:
                    lose_one = False
                    await asyncio.sleep(rng.random() * 0.2)
                    continue
                await server._webhook_reply(body)  # the method in the answer, as Telegram runs it
                return

        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        for u in regular:
            queue.put_nowait(u)
        half = asyncio.Event()

        async def deliverer(http: ClientSession) -> None:
            while not queue.empty():
                update = queue.get_nowait()
                await deliver(http, update)
                if queue.qsize() <= len(regular) // 2:
                    half.set()

        async def killer(http: ClientSession) -> None:
            await half.wait()
            kill.pid = replicas.procs[KILLED].pid
            direct = f"http://127.0.0.1:{replicas.ports[KILLED]}/webhook"
            await asyncio.gather(*(deliver(http, u, direct) for u in special))
            try:
                await asyncio.wait_for(kill.done.wait(), 240)
            except TimeoutError:  # no answer of its went through the Bot API (a question's rides in the response)
                kill.below = descendants(kill.pid)
                os.kill(kill.pid, signal.SIGKILL)
                kill.at, kill.trigger = time.monotonic(), "timer"
                kill.done.set()
            replicas.procs[KILLED].wait()
            phase(f"replica {KILLED} killed ({kill.trigger})")
            await asyncio.sleep(2)
            replicas.start(KILLED)

        async with ClientSession(timeout=ClientTimeout(total=90)) as http:
            await asyncio.gather(killer(http), *(deliverer(http) for _ in range(deliverers)))
        phase("every update delivered")

        def answers() -> dict[tuple[int, int], list[Any]]:
            out: dict[tuple[int, int], list[Any]] = {}
            for e in server.events:
                m = e.message
                if e.kind == "send" and m is not None and m.reply_to is not None and not m.body.startswith(STATUS):
                    out.setdefault((m.chat_id, m.reply_to), []).append(m)
            return out

        reminded_chat = c.private(reminded).id

        def reminders() -> list[Any]:
            return [e.message for e in server.events if e.kind == "send" and e.chat_id == reminded_chat]

        await c.wait_for(lambda: len(answers()) >= len(keys) and reminders(), 600, "an answer to every update")
        phase("every update answered, the reminder sent")
        await c.settle(3.0)
        got = answers()
        def at(k: tuple[int, int]) -> float:  # when the answer came: a verdict is the status message's last edit
            return min(m.edited_at or m.sent_at for m in got[k])

        ends = [at(k) for k in keys[:updates] if k in got]
        latencies = sorted(at(k) - first_post[u["update_id"]]
                           for k, u in zip(keys[:updates], regular, strict=True) if k in got)
        not_once = {f"{k[0]}:{k[1]}": [m.body[:50] for m in got.get(k, [])] for k in keys if len(got.get(k, [])) != 1}
        stray = [m.body[:50] for e in server.events if e.kind == "send" and (m := e.message) is not None
                 and m.reply_to is None and m.chat_id != reminded_chat and not m.body.startswith(STATUS)]
        other = [m.body[:50] for k in files for m in got.get(k, []) if not m.body.startswith(("✅", "❌"))]
        verdicts = sum(1 for k in files if any(m.body.startswith(("✅", "❌")) for m in got.get(k, [])))
        from sqlalchemy import select

        from storage.jobs import LIVE

        async def live_jobs() -> int:  # the killed replica's: closed once their lease ran out and a sweep took them
            async with sessions() as s:
                return len((await s.scalars(select(Job.id).where(Job.state.in_(LIVE)))).all())

        deadline = time.monotonic() + 120
        while await live_jobs() and time.monotonic() < deadline:
            await asyncio.sleep(0.5)
        async with sessions() as s:
            jobs = list((await s.scalars(select(Job))).all())
            sent = list((await s.scalars(select(SentReminder))).all())
        resumed = [j for j in jobs if j.attempts > 1]
        left_alive = [p for p in kill.below if Path(f"/proc/{p}").exists()
                      and Path(f"/proc/{p}/stat").read_bytes().rsplit(b")", 1)[1].split()[0] != b"Z"]
        return {
            "updates": updates, "chats": chats, "files": sum(1 for k in files if k in set(keys[:updates])),
            "deliveries": stats["posts"], "repeated": stats["repeated"], "non_200": stats["non_200"],
            "proxy": proxy_note,
            "answered_once": sum(1 for k in keys if len(got.get(k, [])) == 1), "answers_expected": len(keys),
            "not_once": not_once, "stray_messages": stray, "verdicts": verdicts, "file_answers_not_verdicts": other, "files_total": len(files),
            "jobs": len(jobs), "jobs_open": [(j.id, j.state) for j in jobs if j.state != "done"],
            "killed_replica_jobs_resumed": sorted((j.file_name, j.state, j.attempts) for j in resumed),
            "killed_at_s": round(kill.at - started, 1), "killed_when": kill.trigger, "killed_on": kill.hit, "killed_children_left": sorted(left_alive),
            "killed_children": len(kill.below),
            "reminders_sent": len(reminders()),
            "reminder_due_s": round(due_at - started, 1),
            "reminder_sent_s": [round(m.sent_at - started, 1) for m in reminders()], "reminder_rows": [(r.status, r.attempts) for r in sent],
            "elapsed_s": round(max(ends) - started, 1),
            "updates_per_s": round(updates / (max(ends) - started), 1),
            "p50_reply_s": round(latencies[len(latencies) // 2], 3),
            "p95_reply_s": round(latencies[max(0, int(0.95 * len(latencies)) - 1)], 3),
            "work": str(work),
        }
    finally:
        replicas.stop()
        phase("replicas stopped")
        if proxy is not None:
            proxy.terminate()
            proxy.wait()
        await server.stop()
        await engine.dispose()
        await _pg_exec(pg, f"DROP SCHEMA {schema} CASCADE")
        import redis.asyncio as aioredis

        r = aioredis.Redis.from_url(redis_url)
        stale = [k async for k in r.scan_iter(f"{prefix}:*")]
        if stale:
            await r.delete(*stale)
        await r.aclose()
