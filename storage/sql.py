"""A list parameter whose statement text does not depend on the list's length.

An array on PostgreSQL (`= ANY(:name)`), a JSON array read by json_each on SQLite: the driver's
prepared statement is reused whatever the length (asyncpg prepares per distinct text).
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import String, bindparam, func, select
from sqlalchemy.dialects.postgresql import ARRAY


def in_param(column: Any, dialect: str, name: str, item: Any = String) -> Any:
    """`column` in the list parameter `name` (pass its value through list_param)."""
    if dialect == "postgresql":
        return column == func.any(bindparam(name, type_=ARRAY(item)))
    return column.in_(select(func.json_each(bindparam(name, type_=String)).table_valued("value").c.value))


def list_param(dialect: str, values: list[Any]) -> Any:
    """The value of an in_param parameter."""
    return values if dialect == "postgresql" else json.dumps(values, ensure_ascii=False)


def ids_sql(dialect: str, name: str, alias: str) -> str:
    """The integer list parameter `name` as a table `alias` of one column `id`, for the FROM clause
    of a statement written out: joined to the tables by their indexes, its planned size small (an
    `IN` over PostgreSQL's generic plan of a prepared statement may scan a whole table instead)."""
    if dialect == "postgresql":
        return f"unnest(CAST(:{name} AS INTEGER[])) AS {alias}(id)"
    return f"(SELECT value AS id FROM json_each(:{name})) AS {alias}"
