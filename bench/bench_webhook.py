"""Webhook replicas under load (tests.prod.replicas): 3 `nianbao bot --webhook` processes behind nginx
on loopback, on PostgreSQL and Redis; the local Bot API server's updates (files and questions from
many chats) delivered by several connections, each delivery repeated once at random; one replica
SIGKILLed half-way, the instant its verdict on a document reaches the Bot API, and restarted; a
reminder falling due during the run. Checks every update is answered exactly once, the killed
replica's documents finished, the reminder sent once; prints updates/s and reply latencies.

    .venv/bin/python -m bench.bench_webhook [--updates 1000] [--chats 100] [--install-nginx]

Needs NIANBAO_TEST_DATABASE_URL (PostgreSQL) and NIANBAO_TEST_REDIS_URL; without them it says so
and exits 0 (bench/run.py runs it only with --full). Without nginx (and without --install-nginx
as root) the deliveries go to the replicas in turn, and the figures say so.
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
