"""storage.jobs on SQLite and PostgreSQL: one job per message, one owner at a time, attempts counted."""

from __future__ import annotations

import asyncio

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage import jobs

FIELDS = {"chat_id": 5, "user_id": 5, "message_id": 9, "file_id": "F1", "file_name": "a.pdf", "file_size": 10,
          "workspace": "chat:5", "lang": "zh"}


async def test_one_job_per_message_and_one_taker(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    async with sessionmaker() as s:
        job = await jobs.record(s, owner="a", lease=60, **FIELDS)
        assert job is not None and (job.state, job.attempts, job.owner) == ("running", 1, "a")
        assert await jobs.record(s, owner="b", lease=60, **FIELDS) is None  # the same message again
        assert await jobs.expired(s) == []  # a's lease holds
        assert await jobs.renew(s, job.id, "a", 60) is True
        assert await jobs.renew(s, job.id, "b", 60) is False
    async with sessionmaker() as s:
        await jobs.release(s, job.id, "a", "network")
        assert await jobs.expired(s) == [job.id]

    async def take(owner: str) -> str | None:
        async with sessionmaker() as s:
            got = await jobs.claim(s, job.id, owner, 60)
            return got.owner if got is not None else None

    takers = [o for o in await asyncio.gather(*(take(f"p{i}") for i in range(4))) if o]
    assert len(takers) == 1  # several processes sweep at once: one wins
    async with sessionmaker() as s:
        got = await jobs.get(s, job.id)
        assert got is not None and (got.owner, got.attempts, got.error) == (takers[0], 2, "network")
        assert await jobs.open_count(s) == 1
        await jobs.finish(s, job.id, "done")
        assert await jobs.open_count(s) == 0
        assert await jobs.expired(s) == []
