"""This process's count of changes to reports, figures and agencies, per database engine.

storage.answers keeps a view of the store per engine and checks it against this count (and the
database's own stamp) before every answer. The listeners are registered on the session class each
sessionmaker is built with (storage.db.make_sessionmaker), and count per engine, so two stores in
one process never share a count.
"""

from __future__ import annotations

import weakref
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from storage.models import Agency, Figure, Report

_TABLES = frozenset({"reports", "figures", "agencies"})
_COUNTS: weakref.WeakKeyDictionary[Engine, int] = weakref.WeakKeyDictionary()


def generation(engine: Engine) -> int:
    """How many changes sessions of `engine` (a sync engine) made in this process."""
    return _COUNTS.get(engine, 0)


def _bump(session: Session) -> None:
    engine = session.bind
    if isinstance(engine, Engine):
        _COUNTS[engine] = _COUNTS.get(engine, 0) + 1


def _touched(objects: Any) -> bool:
    return any(isinstance(o, Report | Agency | Figure) for o in objects)


def _after_flush(session: Session, _ctx: Any) -> None:
    if _touched(session.new) or _touched(session.dirty) or _touched(session.deleted):
        _bump(session)


def _on_execute(state: Any) -> None:
    table = getattr(state.statement, "table", None)
    if (state.is_update or state.is_delete or state.is_insert) and table is not None and table.name in _TABLES:
        _bump(state.session)  # e.g. publishing: UPDATE reports SET published


def watched_session_class() -> type[Session]:
    """A Session class whose changes to reports, figures and agencies are counted per engine."""
    cls = type("StoreSession", (Session,), {})
    event.listen(cls, "after_flush", _after_flush)
    event.listen(cls, "do_orm_execute", _on_execute)
    return cls
