"""List parameters, two ways.

in_param: (SQLAlchemy expressions; storage.reader.Reader.in_list writes the same as SQL text for the
question path) one statement text whatever the list's length (an array on PostgreSQL, `= ANY(:name)`; a
JSON array read by json_each on SQLite), so the driver's prepared statement is reused (asyncpg
prepares per distinct text). Its plan is made once, for the tables as they were then.

ids_in / IDS: ids written into the statement (literal_execute), planned for them each time. For
the save path's lookups by report or agency id: on PostgreSQL a prepared statement's generic plan
made while a fresh store was small (a sequential scan of figures) would be kept as the tables grow.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Integer, String, bindparam, func, select
from sqlalchemy.dialects.postgresql import ARRAY


def in_param(column: Any, dialect: str, name: str, item: Any = String) -> Any:
    """`column` in the list parameter `name` (its value from storage.reader.list_param)."""
    if dialect == "postgresql":
        return column == func.any(bindparam(name, type_=ARRAY(item)))
    return column.in_(select(func.json_each(bindparam(name, type_=String)).table_valued("value").c.value))


def ids_in(column: Any, ids: Iterable[int]) -> Any:
    """`column IN (...)`, the ids written into the statement."""
    return column.in_(bindparam(None, sorted({int(i) for i in ids}), type_=Integer, expanding=True,
                                literal_execute=True))


# `IN :ids` in a text() statement, the ids written in (bind a list of ints to "ids").
IDS = bindparam("ids", type_=Integer, expanding=True, literal_execute=True)
