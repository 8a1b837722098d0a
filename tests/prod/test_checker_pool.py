"""The parser pool: each job timed from its own start, only the overrunning worker killed, chats
served in turn with a limit per chat, and no worker outliving the bot."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from reports.lifeline import alive
from reports.runner import Checker, CheckTimeout, QueueFull
from tests.e2e.slow import slow_check

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT.parent / "shared" / "samples"
VALID = (SAMPLES / "xinxiang-2023.txt").read_bytes()


async def _timed(c: Checker, chat: int, name: str, t0: float) -> tuple[str, float]:
    try:
        r = await c.check(VALID, name, chat=chat)
        outcome = r.agency or "?"
    except CheckTimeout:
        outcome = "timeout"
    return outcome, time.monotonic() - t0


async def test_hostile_files_of_one_chat_do_not_hold_up_the_others() -> None:
    c = Checker(workers=2, timeout=1.5, job=slow_check)
    try:
        await c.warm()
        first = set(c.pids())
        t0 = time.monotonic()
        hostile = [asyncio.create_task(_timed(c, 1, f"hang-{i}.txt", t0)) for i in (1, 2)]
        valid = await asyncio.gather(*(_timed(c, chat, f"valid-{chat}.txt", t0) for chat in (2, 3, 4)))
        # every valid file is read while the hostile ones hold at most one worker
        assert [v[0] for v in valid] == ["新乡市工业和信息化局"] * 3
        assert max(v[1] for v in valid) < 1.5
        h1, t1 = await hostile[0]
        assert len(first & set(c.pids())) == 1  # only the first hostile job's worker was killed
        h2, t2 = await hostile[1]
        # each hostile job had its own 1.5 s (+1 s grace for the engine's own bound), one after the other
        assert (h1, h2) == ("timeout", "timeout")
        assert 2.5 <= t1 < 4.5
        assert t2 - t1 >= 2.5
        await asyncio.sleep(0.5)
        await c.warm()
        deadline = time.monotonic() + 60
        while len(c.pids()) < 2 and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        assert len(c.pids()) == 2  # replaced
    finally:
        c.close()


async def test_a_chat_has_at_most_its_share_in_the_queue() -> None:
    c = Checker(workers=1, timeout=5, per_chat=2, job=slow_check)
    try:
        await c.warm()
        jobs = [asyncio.create_task(c.check(VALID, f"slow-{i}.txt", chat=7)) for i in range(2)]
        await asyncio.sleep(0.05)
        assert not c.accepts(7) and c.accepts(8)
        with pytest.raises(QueueFull):
            await c.check(VALID, "slow-3.txt", chat=7)
        other = await c.check(VALID, "other.txt", chat=8)  # another chat is served between chat 7's jobs
        assert other.agency == "新乡市工业和信息化局"
        assert not jobs[1].done()
        assert [r.agency for r in await asyncio.gather(*jobs)] == ["新乡市工业和信息化局"] * 2
        assert c.accepts(7) and c.queued == 0 and c.running == 0
    finally:
        c.close()


CHILD = """
import asyncio, sys, time
from reports.runner import Checker
async def main():
    c = Checker(workers=2, timeout=60)
    await c.warm()
    # one worker busy in a long job, the other idle
    asyncio.get_running_loop().create_task(c.check(b"hang", "hang.txt", chat=1))
    await asyncio.sleep(0.5)
    print("ready", flush=True)
    await asyncio.sleep(600)
if __name__ == "__main__":
    from tests.e2e import slow
    import reports.runner as s
    s.run_check = slow.slow_check
    Checker.__init__.__kwdefaults__["job"] = slow.slow_check
    asyncio.run(main())
"""


def _descendants(pid: int) -> set[int]:
    """Every live process below pid (by the parent links in /proc)."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_bytes()
            except OSError:
                continue
            fields = stat.rsplit(b")", 1)[1].split()
            parents[int(entry)] = int(fields[1])
    found, frontier = set(), {pid}
    while frontier:
        frontier = {p for p, pp in parents.items() if pp in frontier} - found
        found |= frontier
    return found


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc (Linux) to find the processes")
def test_workers_die_with_the_bot(tmp_path: Path) -> None:
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True, cwd=ROOT, env=env)
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready"
        below = _descendants(proc.pid)
        # the forkserver, the resource tracker and the two workers
        assert len(below) >= 4, below
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(alive(p) for p in below):
            time.sleep(0.1)
        assert [p for p in below if alive(p)] == []
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
