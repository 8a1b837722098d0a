"""Everyday mistakes with the `nianbao` command, each run as a user runs it (a subprocess): one line
in the user's language saying what to do, exit status 2, never a traceback; `--json` always prints
JSON; and the exit statuses scripts rely on (ask, ingest)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT.parent / "shared" / "samples"
NIANBAO = [sys.executable, "-m", "bot.commands"]


def run(*args: str, lang: str = "en", stdin: str | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("NIANBAO_")}
    base.update(NIANBAO_LANGUAGE=lang, **env)
    p = subprocess.run([*NIANBAO, *args], capture_output=True, text=True, timeout=120, cwd=ROOT, env=base,
                       input=stdin)
    assert "Traceback" not in p.stdout + p.stderr, p.stderr
    return p


def one_line(p: subprocess.CompletedProcess[str]) -> str:
    lines = p.stderr.splitlines()
    assert len(lines) == 1, p.stderr
    return lines[0]


def test_check_json_inputs_that_are_not_files(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.pdf"
    os.mkfifo(fifo)  # reading it would wait for a writer forever
    loop = tmp_path / "loop.pdf"
    loop.symlink_to(loop)
    folder = tmp_path / "folder.pdf"
    folder.mkdir()
    missing = tmp_path / "missing.pdf"
    p = run("check", "--json", "/dev/zero", str(fifo), str(loop), str(folder), str(missing))
    assert p.returncode == 2
    objs = [json.loads(line) for line in p.stdout.splitlines()]
    assert [(o["file"], o["error"]["code"]) for o in objs] == [
        ("/dev/zero", "not-a-regular-file"),
        (str(fifo), "not-a-regular-file"),
        (str(loop), "symlink-loop"),
        (str(folder), "is-a-folder"),
        (str(missing), "not-found"),
    ]
    assert objs[-1]["error"] == {"code": "not-found", "message_zh": "文件不存在：请检查路径。",
                                 "message_en": "No such file: check the path."}
    assert p.stderr == ""


def test_check_missing_file_as_text_in_each_language(tmp_path: Path) -> None:
    missing = str(tmp_path / "nosuch.pdf")
    assert one_line(run("check", "--lang", "en", missing)) == f"{missing}: No such file: check the path."
    p = run("check", missing, lang="zh")
    assert p.returncode == 2 and one_line(p) == f"{missing}: 文件不存在：请检查路径。"


@pytest.mark.skipif(not SAMPLES.exists(), reason="../shared/samples is not beside the checkout")
def test_check_a_good_file_beside_a_missing_one(tmp_path: Path) -> None:
    p = run("check", "--json", str(SAMPLES / "lingbao-2023.txt"), str(tmp_path / "x.txt"))
    assert p.returncode == 2
    first, second = (json.loads(line) for line in p.stdout.splitlines())
    assert first["verdict"] == "pass" and second["error"]["code"] == "not-found"


def test_export_to_a_place_that_cannot_be_written(tmp_path: Path) -> None:
    db = f"sqlite+aiosqlite:///{tmp_path / 'n.db'}"
    p = run("export", "--xlsx", "/proc/x.xlsx", "--database-url", db)
    assert p.returncode == 2
    assert one_line(p) == ("nianbao export: cannot write /proc/x.xlsx (No such file or directory): "
                           "choose a folder you can write to, e.g. --xlsx reports.xlsx.")
    p = run("export", "--xlsx", str(tmp_path), "--database-url", db, lang="zh")
    assert p.returncode == 2 and one_line(p).startswith(f"nianbao export: 无法写入 {tmp_path}（Is a directory）")


def test_unreachable_database_server_and_bad_urls() -> None:
    p = run("ask", "--database-url", "postgresql+asyncpg://postgres@127.0.0.1:9/x", "2023年收到多少申请")
    assert p.returncode == 2
    line = one_line(p)
    assert line == ("nianbao ask: cannot reach the database or Redis server ([Errno 111] Connect call failed "
                    "('127.0.0.1', 9)): check that it runs, and check NIANBAO_DATABASE_URL / NIANBAO_REDIS_URL "
                    "(or --database-url).")
    p = run("ask", "--database-url", "nonsense://x", "q")
    assert p.returncode == 2
    assert one_line(p) == ("nianbao ask: the database URL is not valid (Can't load plugin: sqlalchemy.dialects:nonsense): "
                           "it looks like postgresql+asyncpg://user@host/db or sqlite+aiosqlite:///path.")
    p = run("db", "upgrade", lang="zh", NIANBAO_DATABASE_URL="postgresql+asyncpg://postgres@127.0.0.1:9/x")
    assert p.returncode == 2 and one_line(p).startswith("nianbao db: 连不上数据库或 Redis 服务器（")


def test_a_data_dir_that_cannot_be_created(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    data_dir = str(blocker / "data")
    p = run("ask", "q", NIANBAO_DATA_DIR=data_dir)
    assert p.returncode == 2
    assert one_line(p) == (f"nianbao ask: the data folder {data_dir} cannot be used: {data_dir} has a part that is "
                           "not a folder. Set NIANBAO_DATA_DIR to a folder you can write to.")
    p = run("ingest", str(tmp_path), lang="zh", NIANBAO_DATA_DIR=data_dir)
    assert p.returncode == 2 and "请把 NIANBAO_DATA_DIR 设为一个可写的文件夹" in one_line(p)


def test_bad_settings(tmp_path: Path) -> None:
    p = run("bot", NIANBAO_PARSE_WORKERS="two", NIANBAO_DATA_DIR=str(tmp_path))
    assert p.returncode == 2
    assert one_line(p) == ("nianbao bot: the setting NIANBAO_PARSE_WORKERS is wrong (Input should be a valid integer, "
                           "unable to parse string as an integer): correct the environment variable or the .env file.")
    p = run("try", "--data-dir", str(tmp_path), stdin="", NIANBAO_MAX_UPLOAD_MB="0")
    assert p.returncode == 2 and one_line(p).startswith("nianbao try: the setting NIANBAO_MAX_UPLOAD_MB is wrong (")


def test_usage_mistakes() -> None:
    p = run("frobnicate")
    assert p.returncode == 2
    assert one_line(p) == "nianbao: unknown command 'frobnicate': nianbao -h lists the commands."
    p = run("check")  # argparse: its usage and one error line
    assert p.returncode == 2 and p.stderr.splitlines()[-1].startswith("nianbao check: error:")
    p = run("--version")
    assert p.returncode == 0 and p.stdout.startswith("nianbao ") and p.stderr == ""


def test_help_into_a_pipe_closed_early() -> None:
    p = subprocess.run(f"{sys.executable} -m bot.commands -h | head -2; echo status ${{PIPESTATUS[0]}}", shell=True,
                       executable="/bin/bash", capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert p.stdout.splitlines() == ["usage: nianbao COMMAND [ARGS]", "", "status 0"]
    assert p.stderr == ""


def test_a_logged_traceback_is_one_line_without_debug() -> None:
    code = ("import logging, sys\nfrom bot.commands import _setup_logging\n_setup_logging('check', '--debug' in sys.argv)\n"
            "try:\n    1 / 0\nexcept ZeroDivisionError:\n"
            "    logging.getLogger('reports.engine').exception('check failed for %s', 'x.pdf')\n")
    quiet = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert quiet.stderr == "nianbao: check failed for x.pdf\n"
    loud = subprocess.run([sys.executable, "-c", code, "--debug"], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert "check failed for x.pdf" in loud.stderr and "Traceback" in loud.stderr and "ZeroDivisionError" in loud.stderr


def test_logging_set_up_when_something_loads_it() -> None:
    """`nianbao check` sets up logging only once something loads it (bot.commands.LAZY_LOGGING): a
    reader's failure, logged in the checking child, is still one line on stderr."""
    fixture = ROOT / "tests" / "fixtures" / "pdf" / "unruled.pdf"
    code = ("import sys\nimport reports.readers\n"
            "def fail(*args, **kwargs):\n    raise RuntimeError('a bug')\n"
            "reports.readers.read = fail\nfrom bot.commands import main\n"
            "code = main(['check', '--json', sys.argv[1]])\nprint('logging' in sys.modules, code)")
    p = subprocess.run([sys.executable, "-c", code, str(fixture)], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert p.stderr == "nianbao: check failed for unruled.pdf\n"
    assert p.stdout.splitlines()[-1] == "False 2"  # logged in the child; the parent never loaded logging
    assert '"code": "unreadable-file"' in p.stdout


@pytest.mark.skipif(not SAMPLES.exists(), reason="../shared/samples is not beside the checkout")
def test_exit_status_of_ingest_and_ask(tmp_path: Path) -> None:
    db = f"sqlite+aiosqlite:///{tmp_path / 'n.db'}"
    good = tmp_path / "good"
    good.mkdir()
    (good / "lingbao-2023.txt").write_bytes((SAMPLES / "lingbao-2023.txt").read_bytes())
    p = run("ingest", "--quiet", "--database-url", db, str(good))
    assert (p.returncode, p.stdout, p.stderr) == (0, "", "")
    p = run("ingest", "--quiet", "--database-url", db, str(good))  # already there: still 0
    assert (p.returncode, p.stdout) == (0, "")
    (good / "old.doc").write_bytes(b"\xd0\xcf\x11\xe0 an old Word file")
    (good / "figures.json").write_text("{}")
    p = run("ingest", "--quiet", "--database-url", db, str(good))
    assert (p.returncode, p.stdout) == (1, "")
    assert p.stderr.splitlines() == [f"{good / 'old.doc'}: unsupported-format: skipped"]
    p = run("ingest", "--database-url", db, str(good), COLUMNS="300")  # wide enough for the tables' paths
    assert p.returncode == 1
    assert "unsupported-format (skipped)" in p.stdout and "not-a-report (skipped)" in p.stdout
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "junk.txt").write_text("hello")
    p = run("ingest", "--quiet", "--database-url", db, str(bad), str(good / "lingbao-2023.txt"))
    assert p.returncode == 1
    p = run("ingest", "--quiet", "--database-url", db, str(bad), str(tmp_path / "missing.pdf"))
    assert p.returncode == 2
    assert p.stderr.splitlines()[-1] == f"{tmp_path / 'missing.pdf'}: cannot read the file: No such file or directory"
    p = run("ask", "--database-url", db, "灵宝市工信局2023年收到多少申请？")
    assert p.returncode == 0 and p.stdout.startswith("灵宝市工业和信息化科技局 2023 年新收政府信息公开申请")
    assert run("ask", "--database-url", db, "今天天气怎么样").returncode == 1  # not understood
    assert run("ask", "--database-url", db, "灵宝市工信局2019年收到多少申请？").returncode == 1  # no such report
    p = run("ask", "--json", "--database-url", db, "what is this")
    assert p.returncode == 1 and json.loads(p.stdout)["value"] is None


async def test_a_token_telegram_refuses(tmp_path: Path) -> None:
    import asyncio

    from bot.settings import LOCAL_TOKEN
    from localapi import BotAPIServer

    server = BotAPIServer(LOCAL_TOKEN)
    await server.start()
    try:
        p = await asyncio.to_thread(run, "bot", NIANBAO_API_BASE=server.base_url, NIANBAO_DATA_DIR=str(tmp_path),
                                    NIANBAO_BOT_TOKEN="123456:not-the-token")
    finally:
        await server.stop()
    assert p.returncode == 2
    assert p.stderr.splitlines()[-1] == (
        "nianbao bot: Telegram refused the bot token: check NIANBAO_BOT_TOKEN (you get it from @BotFather).")


def test_an_ingest_workers_logged_error_is_one_line() -> None:
    code = ("from storage.ingest import _worker_init\n_worker_init(False)\nimport logging\n"
            "try:\n    1 / 0\nexcept ZeroDivisionError:\n"
            "    logging.getLogger('reports.engine').exception('check failed for %s', 'y.pdf')\n")
    env = {k: v for k, v in os.environ.items() if k != "NIANBAO_DEBUG"}
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=ROOT, env=env)
    assert p.stderr == "nianbao: check failed for y.pdf\n"
