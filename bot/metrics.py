"""Prometheus metrics of one bot process (served at /metrics by the webhook server).

Updates handled by kind, reply latency, parse time and outcome, the parser queue, reminders sent,
failed or retried. Module-level collectors on prometheus_client's default registry: one set per
process, which is what a scrape of one replica should show.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, Update
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest

UPDATES = Counter("nianbao_updates_total", "Updates handled, by kind", ["kind"])
DUPLICATES = Counter("nianbao_updates_duplicate_total", "Webhook deliveries of an update already handled")
REPLY = Histogram(
    "nianbao_reply_seconds", "Time from an update's arrival to the end of its handler",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
PARSE = Histogram(
    "nianbao_parse_seconds", "Time of a document job from its start to its verdict, by outcome", ["outcome"],
    buckets=(0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60),
)
QUEUE = Gauge("nianbao_job_queue_depth", "Files waiting for a parser worker in this process")
RUNNING = Gauge("nianbao_jobs_running", "Document jobs under way in this process")
REMINDERS = Counter("nianbao_reminders_total", "Reminder sends, by result", ["result"])

CONTENT_TYPE = CONTENT_TYPE_LATEST


def observe_parse(outcome: str, seconds: float) -> None:
    PARSE.labels(outcome=outcome).observe(seconds)


_failed_before: set[tuple[int, int, int]] = set()


def count_reminders(outcomes: list[Any]) -> None:
    """storage.reminders outcomes -> sent / failed / blocked, and "retried" for a send of a reminder
    that failed before (in this process)."""
    for o in outcomes:
        key = (o.subscription_id, o.report_year, o.offset)
        if key in _failed_before:
            REMINDERS.labels(result="retried").inc()
            if o.result != "failed":
                _failed_before.discard(key)
        elif o.result == "failed" and len(_failed_before) < 100_000:
            _failed_before.add(key)
        REMINDERS.labels(result=str(o.result)).inc()


def render(sample: Callable[[], None] | None = None) -> bytes:
    if sample is not None:
        sample()
    return generate_latest()


class UpdateMetrics(BaseMiddleware):
    """Outermost update middleware: counts updates by kind and times their handling."""

    async def __call__(self, handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
                       event: TelegramObject, data: dict[str, Any]) -> Any:
        started = time.monotonic()
        try:
            return await handler(event, data)
        finally:
            kind = event.event_type if isinstance(event, Update) else type(event).__name__
            if isinstance(event, Update) and event.message is not None:
                kind = "document" if event.message.document else ("text" if event.message.text else kind)
            UPDATES.labels(kind=kind).inc()
            REPLY.observe(time.monotonic() - started)
