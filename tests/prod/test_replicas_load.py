"""Webhook replicas under load, shortened (tests.prod.replicas; the full 1,000 updates are
`bench/bench_webhook.py`): 3 replicas behind nginx on PostgreSQL and Redis, 60 updates from 12 chats
with deliveries repeated at random, one replica SIGKILLed the instant its verdict reaches the Bot
API and restarted, a reminder falling due during the run. Needs PostgreSQL
(NIANBAO_TEST_DATABASE_URL), Redis (NIANBAO_TEST_REDIS_URL) and nginx (installed from Debian when
absent and this runs as root); skipped, saying which, otherwise."""

from __future__ import annotations

import asyncio
import os

import pytest

from tests.e2e.test_redis_state import SKIP as NO_REDIS
from tests.prod.replicas import find_nginx, load_run


def _skip_reason() -> str | None:
    if not os.environ.get("NIANBAO_TEST_DATABASE_URL"):
        return "NIANBAO_TEST_DATABASE_URL is not set: the replicas' load test needs PostgreSQL"
    from tests.conftest_db import _pg_exec

    try:
        asyncio.run(_pg_exec(os.environ["NIANBAO_TEST_DATABASE_URL"], "SELECT 1"))
    except Exception as e:  # any failure to connect means: no server here
        return f"PostgreSQL is unreachable ({type(e).__name__}): the replicas' load test skipped"
    if NO_REDIS:
        return NO_REDIS
    nginx, why = find_nginx(install=True)
    return None if nginx else f"{why}: the replicas' load test needs nginx in front of them"


@pytest.mark.slow
async def test_three_replicas_answer_every_update_once_through_a_kill() -> None:
    reason = await asyncio.to_thread(_skip_reason)
    if reason:
        pytest.skip(reason)
    r = await load_run(60, 12, deliverers=6, reminder_lead=8.0, say=print)
    print({k: r[k] for k in ("updates_per_s", "p50_reply_s", "p95_reply_s", "elapsed_s", "repeated", "non_200",
                             "killed_at_s", "killed_on", "killed_replica_jobs_resumed")})
    assert r["proxy"].startswith("nginx")
    assert (r["updates"], r["files"], r["files_total"]) == (60, 7, 11)  # 4 sent to the replica that is killed
    assert r["killed_when"] == "its answer reached the Bot API"
    # every update answered exactly once, nothing else said
    assert r["not_once"] == {}
    assert (r["answered_once"], r["answers_expected"]) == (64, 64)
    assert r["stray_messages"] == []
    assert (r["verdicts"], r["file_answers_not_verdicts"]) == (11, [])
    # the killed replica's accepted documents (the one it was answering, and others it held) were
    # finished after its death, each answered once (above)
    resumed = {name for name, state, attempts in r["killed_replica_jobs_resumed"] if state == "done" and attempts == 2}
    assert r["killed_on"] in resumed and len(resumed) >= 2
    assert (r["jobs"], r["jobs_open"]) == (11, [])
    # its parser worker, forkserver and resource tracker died with it
    assert r["killed_children"] >= 3 and r["killed_children_left"] == []
    # the reminder that fell due during the run: sent once
    assert (r["reminders_sent"], r["reminder_rows"]) == (1, [("sent", 1)])
    assert r["reminder_sent_s"][0] >= r["reminder_due_s"] - 1.0
