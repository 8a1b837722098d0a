"""Webhook replicas under load (tests.prod.replicas): 3 `nianbao bot --webhook` processes behind nginx
on loopback, on PostgreSQL and Redis; the local Bot API server's updates (files and questions from
many chats) delivered by several connections, each delivery repeated once at random; one replica
SIGKILLed half-way, the instant its verdict on a document reaches the Bot API, and restarted; a
reminder falling due during the run. Checks every update is answered exactly once, the killed
replica's documents finished, the reminder sent once; prints updates/s and reply latencies.

    .venv/bin/python -m bench.bench_webhook [--updates 1000] [--chats 100] [--install-nginx]

Needs NIANBAO_TEST_DATABASE_URL (PostgreSQL) and NIANBAO_TEST_REDIS_URL; without them it says so
and exits 0. Without nginx (and without --install-nginx as root) the deliveries go to the
replicas in turn, and the figures say so. bench/run.py runs 200 updates, 1,000 with --full.

Figures (2 cores shared with other work, load average 12-16; nginx 1.22 from Debian, PostgreSQL 15,
Redis; 8 connections; 1 parser worker per replica):
- 1,000 updates from 100 chats (100 files, 900 questions) + 4 files sent to the replica killed;
  477 deliveries repeated, 1,481 in all; replica 1 killed 209 s in, at its verdict: 1,004 of 1,004
  answered exactly once, 104 verdicts, no other message; the 2 documents it held (one of them the
  one it was answering) finished by the others; its parser worker, forkserver and resource tracker
  gone with it; the reminder due at 20 s sent once at 22.7 s. 2.5 updates/s (405 s from the first
  delivery to the last answer), reply latency p50 3.0 s, p95 9.7 s.
- tests/prod/test_replicas_load.py (60 updates from 12 chats): 64 of 64 once, 1.2 updates/s,
  p50 3.9 s, p95 20.5 s (the 10 s claim and job leases of the killed replica dominate), 4.6 min
  in all on that machine, of which 3 replicas starting take 1-3 min; on the same machine once
  quiet (load average 2): 71 s in all, 3.8 updates/s, p50 0.5 s, p95 10.4 s, 64 of 64 once.

The double answer of the first draft (1 of 60 updates) was the replica killed after its answer
reached the Bot API and before it recorded that: a question's claim was not yet marked done, so it
lapsed and a retry on another replica answered again; a document's job was not yet finished, so
it was resumed and its verdict sent a second time ("already checked"). Killing the replica at that
very instant reproduces both (60 updates, before the fix: 63 of 64 once with the kill at a
verdict; 62 and 63 of 64 in two runs with the kill at a question's answer). Now a question's
answer travels in the webhook response, stored with the done mark, and a verdict is an edit of
the job's status message (see bot.webhook, storage.jobs).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--updates", type=int, default=1000)
    ap.add_argument("--chats", type=int, default=100)
    ap.add_argument("--deliverers", type=int, default=8, help="connections delivering at once")
    ap.add_argument("--install-nginx", action="store_true", help="apt-get install nginx-light when absent (root)")
    ap.add_argument("--kill-on", choices=("document", "question"), default="document",
                    help="the answer whose arrival at the Bot API kills the replica")
    a = ap.parse_args()
    if not (os.environ.get("NIANBAO_TEST_DATABASE_URL") and os.environ.get("NIANBAO_TEST_REDIS_URL")):
        print("bench_webhook: skipped, set NIANBAO_TEST_DATABASE_URL (PostgreSQL) and NIANBAO_TEST_REDIS_URL")
        return 0
    from tests.prod.replicas import load_run

    result = asyncio.run(load_run(a.updates, a.chats, deliverers=a.deliverers, install_nginx=a.install_nginx,
                                  kill_on=a.kill_on, say=lambda s: print(s, flush=True)))
    print(json.dumps(result, ensure_ascii=False, indent=1))
    ok = (result["answered_once"] == result["answers_expected"] and not result["stray_messages"]
          and not result["jobs_open"] and result["reminders_sent"] == 1 and not result["killed_children_left"])
    print(f"updates/s {result['updates_per_s']}, p95 reply {result['p95_reply_s']} s, "
          f"{result['answered_once']}/{result['answers_expected']} answered exactly once: {'ok' if ok else 'FAILED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
