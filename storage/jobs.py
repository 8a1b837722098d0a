"""The jobs table: accepted documents from their acknowledgement to their verdict.

A job is inserted in state "running", owned by the process that accepted it, with a lease it
renews while it works. Whoever finds an open job past its lease (the owner was killed) takes it
over with `claim`, which counts the attempt; `finish` closes it as done or failed.

A job's verdict replaces its status message (an edit: made again by a process resuming the job, it
is still one answer). After that edit the job is marked "answering" (`answering`: only by its owner,
only while it is running) before the rest of its answer (a long list of findings as a file) goes
out: a process that lost the job on the way is refused there, and a job found "answering" past its
lease (its process died while sending that rest) is closed, never answered again.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Job, utcnow

MAX_ATTEMPTS = 3
OPEN = "running"
ANSWERING = "answering"  # the verdict is in place, the rest of the answer going out: never sent again
LIVE = (OPEN, ANSWERING)


async def record(session: AsyncSession, *, owner: str, lease: float, **fields: Any) -> Job | None:
    """Insert a new job owned by `owner` (committed). None when this chat's message already has one
    (the same update delivered twice)."""
    job = Job(owner=owner, lease_until=time.time() + lease, **fields)
    session.add(job)
    try:
        await session.commit()
    except IntegrityError:
        await session.rollback()
        return None
    await session.refresh(job)
    session.expunge(job)
    return job


async def get(session: AsyncSession, job_id: int) -> Job | None:
    """The job as it is now, detached: the work on it commits and rolls back its session freely."""
    job = await session.get(Job, job_id, populate_existing=True)
    if job is not None:
        session.expunge(job)
    return job


async def set_status_message(session: AsyncSession, job_id: int, message_id: int) -> None:
    await session.execute(update(Job).where(Job.id == job_id).values(status_message_id=message_id, updated_at=utcnow()))
    await session.commit()


async def renew(session: AsyncSession, job_id: int, owner: str, lease: float) -> bool:
    """Extend the lease; False if the job is no longer this owner's (taken over or closed)."""
    res = await session.execute(
        update(Job).where(Job.id == job_id, Job.owner == owner, Job.state.in_(LIVE))
        .values(lease_until=time.time() + lease)
    )
    await session.commit()
    return bool(res.rowcount)  # type: ignore[attr-defined]


async def expired(session: AsyncSession, limit: int = 50) -> list[int]:
    """Open or answering jobs whose owner stopped renewing them, oldest first."""
    rows = await session.scalars(
        select(Job.id).where(Job.state.in_(LIVE), Job.lease_until < time.time()).order_by(Job.id).limit(limit)
    )
    return list(rows)


async def answering(session: AsyncSession, job_id: int, owner: str | None) -> bool:
    """Mark the job as answering; False (nothing changed) when `owner` no longer holds it running: the
    rest of its answer is then not this process's to send."""
    res = await session.execute(
        update(Job).where(Job.id == job_id, Job.owner == owner, Job.state == OPEN)
        .values(state=ANSWERING, updated_at=utcnow())
    )
    await session.commit()
    return bool(res.rowcount)  # type: ignore[attr-defined]


async def claim(session: AsyncSession, job_id: int, owner: str, lease: float) -> Job | None:
    """Take over an expired open or answering job (one process wins); the attempt is counted."""
    res = await session.execute(
        update(Job).where(Job.id == job_id, Job.state.in_(LIVE), Job.lease_until < time.time())
        .values(owner=owner, lease_until=time.time() + lease, attempts=Job.attempts + 1, updated_at=utcnow())
    )
    await session.commit()
    if not res.rowcount:  # type: ignore[attr-defined]
        return None
    return await get(session, job_id)


async def release(session: AsyncSession, job_id: int, owner: str, error: str) -> None:
    """This attempt failed for a passing reason (network, database): let the next sweep retry it."""
    await session.execute(
        update(Job).where(Job.id == job_id, Job.owner == owner, Job.state == OPEN)
        .values(lease_until=0.0, owner=None, error=error[:255], updated_at=utcnow())
    )
    await session.commit()


async def finish(session: AsyncSession, job_id: int, state: str = "done", error: str | None = None) -> None:
    await session.execute(
        update(Job).where(Job.id == job_id)
        .values(state=state, lease_until=0.0, error=error[:255] if error else None, updated_at=utcnow())
    )
    await session.commit()


async def open_count(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(Job).where(Job.state.in_(LIVE))) or 0)
