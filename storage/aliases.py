"""Agency names at scale: every form a question may use for an agency, in an indexed table.

On save, each new agency's keys (reports.questions.agencies: the full name, its short forms, its
regions and their pinyin) go into agency_aliases. A question is then resolved by looking up the
keys it contains, instead of loading every stored name: resolve_agency returns the few stored
names the question can mean, in the order of their agency ids, which the question parser takes as
its list of names and resolves exactly as it would with the full list (its score: the summed length
of the body keys an agency shares with the question, within the regions named).
"""

from __future__ import annotations

import re
import unicodedata
import weakref
from collections.abc import Sequence
from typing import Any

from reports.questions.agencies import BLOCKED, EN_BODY, SUFFIXES, _entry
from storage.reader import Reader, reader

# Up to this many agencies a question is parsed against every name (kept in memory), beyond it against
# the names its keys find by index. Measured with bench.bench_questions (SQLite, cache off): at 2,000
# agencies p95 9.4 ms in memory against 22.7 ms by index, at 3,780 13.3 against 26.7 ms.
SMALL_STORE = 5000
MAX_KEY = 40  # the longest key looked up in a question (agency names are at most 200 characters)
MAX_TEXT = 200  # characters of a question scanned for keys
CANDIDATE_LIMIT = 5000  # names handed to the parser at most
NEIGHBOURS = 5  # names per two-character prefix offered for suggestions when no key matches
_GENERIC = frozenset((*SUFFIXES, "政府"))
_NOT_IN_KEY = re.compile(r"[0-9A-Za-z\s？?，,。！!：:；;、\"']")


def alias_rows(agency_id: int, name: str) -> list[dict[str, Any]]:
    """The alias rows of an agency called `name`."""
    entry = _entry(name)
    return [{"key": k[:200], "agency_id": agency_id, "region": k in entry.region_keys, "generic": k in _GENERIC}
            for k in sorted(entry.keys)]


async def add_agencies(session: Any, agencies: Sequence[tuple[int, str]]) -> None:
    """Record new agencies' keys, (id, name) each (same transaction as the agencies)."""
    from sqlalchemy import insert

    from storage.models import AgencyAlias

    rows = [row for agency_id, name in agencies for row in alias_rows(agency_id, name)]
    if rows:
        conn = await session.connection()
        await conn.execute(insert(AgencyAlias.__table__), rows)  # type: ignore[attr-defined]


def question_keys(text: str) -> list[str]:
    """Every key a question could contain: its substrings (outside 政府信息公开 and the like), its
    lower-case words, two words joined, and the Chinese keys of the English body words."""
    s = re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text)).strip()[:MAX_TEXT]
    blocked = [False] * len(s)
    for m in BLOCKED.finditer(s):
        for i in range(*m.span()):
            blocked[i] = True
    keys: set[str] = set()
    for i in range(len(s)):
        for j in range(i + 1, min(len(s), i + MAX_KEY) + 1):
            if blocked[j - 1] or _NOT_IN_KEY.match(s[j - 1]):
                break  # no name holds a digit, a space or a question mark
            keys.add(s[i:j])
    lower = s.lower().replace("’", "'")
    words = [w.replace("'", "") for w in re.findall(r"[a-z][a-z']*", lower)]
    for j, w in enumerate(words):
        keys.update((w, w[:-1] if w.endswith("s") else w))
        if j + 1 < len(words):
            keys.add(w + words[j + 1])
    for pattern, key in EN_BODY:
        if pattern.search(lower):
            keys.add(key)
    return sorted(keys)


_LARGE: weakref.WeakKeyDictionary[Any, bool] = weakref.WeakKeyDictionary()  # engines past SMALL_STORE


def is_large(engine: Any) -> bool:
    """Whether questions on this engine's store are resolved by index (known once one was)."""
    return bool(_LARGE.get(engine))


async def resolve_agency(session: Any, text: str, *, visible: Sequence[int] | None = None,
                         with_published: bool = True) -> list[tuple[int, str]] | None:
    """The stored agencies `text` can mean, as (id, name) by id (the parser's list of names for it);
    None when the store holds few enough agencies to give the parser every name. `visible`: only
    agencies with a current report in these workspaces (or, with_published, a published one)."""
    db = reader(session)
    if not _LARGE.get(db.key):
        if (await db.scalar("SELECT max(id) FROM agencies") or 0) <= SMALL_STORE:
            return None
        _LARGE[db.key] = True  # agencies are not taken away: a large store stays large
    keys = question_keys(text)
    generic = sorted(_GENERIC.intersection(keys))
    # _pick over every alias row the question's keys find, computed by the database (a place's
    # name alone finds thousands of rows; the answer is a few agency ids).
    picked = {aid for aid, in await db.all(_PICK_SQL[db.postgres], {
        "keys": db.lst([k for k in keys if k not in _GENERIC]), "generic": db.lst(generic)})}
    rows: list[Any] = []
    for k in generic if not picked else ():
        # Alone it names two of its agencies, so the parser asks which one is meant.
        rows += await db.all("SELECT agency_id, key, region, generic FROM agency_aliases WHERE key = :k "
                             "ORDER BY agency_id LIMIT 2", {"k": k})
    if rows:
        picked = _pick(rows)
    found = await named(db, picked, visible, with_published) if picked else []
    if not found:
        # No stored key in the question: the parser still needs names to tell an unknown agency
        # ("火星市教育局") from none at all. Its fallback suggestions are the first stored names, and
        # the names sharing a two-character prefix with the question's Chinese come close.
        found = await _neighbours(db, text, visible, with_published)
    return found


async def named(session: Any, ids: set[int] | str, visible: Sequence[int] | None, with_published: bool,
                params: dict[str, Any] | None = None) -> list[tuple[int, str]]:
    """(id, name) of the agencies `ids` (a set, or SQL selecting ids with its `params`) by id, those
    with a visible report."""
    db = reader(session)
    params = dict(params or {})
    if isinstance(ids, set):
        params["ids"] = db.lst(sorted(ids)[:CANDIDATE_LIMIT])
        cond = db.in_list("a.id", "ids", "INTEGER")
    else:
        cond = f"a.id IN ({ids})"
    if visible is not None:
        own = db.in_ints("r.workspace_id", "ws", list(visible), params)
        if with_published:
            own = f"({own} OR r.published)"
        cond += (" AND EXISTS (SELECT 1 FROM reports r WHERE r.agency_id = a.id AND r.superseded_by IS NULL "
                 f"AND {own})")
    return [(i, n) for i, n in await db.all(f"SELECT a.id, a.name FROM agencies a WHERE {cond} ORDER BY a.id",
                                            params)]


def _pick_sql(postgres: bool) -> str:
    """_pick as one statement over the alias rows of the keys `keys` (not bare suffixes) and, for the
    agencies they find, of the bare suffixes `generic`; no row when no key is found."""
    def key_in(name: str) -> str:  # probes of the primary key (key, agency_id), on either database
        if postgres:
            return f"a.key = ANY(CAST(:{name} AS VARCHAR[]))"
        return f"a.key IN (SELECT value FROM json_each(:{name}))"
    found = "a.agency_id = ANY(ARRAY(SELECT agency_id FROM base))" if postgres else \
        "a.agency_id IN (SELECT agency_id FROM base)"
    return (
        "WITH base AS (SELECT a.agency_id, a.key, a.region FROM agency_aliases a "
        f"WHERE {key_in('keys')} AND NOT a.generic), "
        "hits AS (SELECT agency_id, key, region FROM base UNION ALL "
        f"SELECT a.agency_id, a.key, a.region FROM agency_aliases a WHERE {key_in('generic')} AND {found}), "
        "rk AS (SELECT DISTINCT key FROM hits WHERE region), "
        "pool AS (SELECT DISTINCT agency_id FROM hits WHERE region), "
        "sc AS (SELECT agency_id, SUM(LENGTH(key)) AS s FROM hits WHERE key NOT IN (SELECT key FROM rk) "
        "AND (NOT EXISTS (SELECT 1 FROM rk) OR agency_id IN (SELECT agency_id FROM pool)) GROUP BY agency_id), "
        "best AS (SELECT agency_id FROM sc WHERE s = (SELECT MAX(s) FROM sc)), "
        "chosen AS (SELECT agency_id FROM best UNION SELECT agency_id FROM pool WHERE NOT EXISTS (SELECT 1 FROM best)), "
        "covered AS (SELECT DISTINCT key FROM hits WHERE agency_id IN (SELECT agency_id FROM chosen)) "
        "SELECT agency_id FROM chosen UNION SELECT MIN(agency_id) FROM hits GROUP BY key "
        "HAVING MAX(CASE WHEN region THEN 1 ELSE 0 END) = 1 OR key NOT IN (SELECT key FROM covered)"
    )


_PICK_SQL = {True: _pick_sql(True), False: _pick_sql(False)}


def _pick(rows: Sequence[Any]) -> set[int]:
    """The agencies the parser needs to resolve the question as it would against every name: the
    best-scored ones within the named regions (all of a region named alone), and one agency for each
    key found, so the parser sees every key the question contains."""
    region_keys = {k for _, k, region, _ in rows if region}
    by_key: dict[str, list[int]] = {}
    for aid, k, _, _ in rows:
        by_key.setdefault(k, []).append(aid)
    if all(generic for *_, generic in rows):
        return {aid for aid, *_ in rows}  # only bare suffixes: two agencies each, the parser asks which
    pool = {aid for aid, k, region, _ in rows if region} if region_keys else None
    scores: dict[int, int] = {}
    for aid, k, _, _ in rows:
        if k not in region_keys and (pool is None or aid in pool):
            scores[aid] = scores.get(aid, 0) + len(k)
    if not scores or max(scores.values()) == 0:
        chosen = set(pool or ())
    else:
        best = max(scores.values())
        chosen = {aid for aid, s in scores.items() if s == best}
    covered = {k for k, ids in by_key.items() if chosen & set(ids)}
    for k, ids in by_key.items():
        # Also the first agency of each region: the parser names the region as that one prints it.
        if k not in covered or k in region_keys:
            chosen.add(min(ids))
    return chosen


async def _neighbours(db: Reader, text: str, visible: Sequence[int] | None,
                      with_published: bool) -> list[tuple[int, str]]:
    """The first stored names, and a few names per two-character prefix of the question's Chinese,
    each read from a prefix range of the alias key index; one statement."""
    s = unicodedata.normalize("NFKC", text)[:MAX_TEXT]
    pairs = list(dict.fromkeys(m.group(0)[i:i + 2] for m in re.finditer(r"[\u4e00-\u9fff]{2,}", s)
                               for i in range(len(m.group(0)) - 1)))[:20]
    parts = [f"SELECT id FROM (SELECT id FROM agencies ORDER BY id LIMIT {3 * NEIGHBOURS}) AS f"]
    params: dict[str, Any] = {}
    for i, p in enumerate(pairs):
        params[f"lo{i}"], params[f"hi{i}"] = p, p + "\uffff"
        parts.append(f"SELECT id FROM (SELECT agency_id AS id FROM agency_aliases WHERE key >= :lo{i} "
                     f"AND key < :hi{i} AND NOT generic LIMIT {NEIGHBOURS}) AS n{i}")
    return await named(db, " UNION ALL ".join(parts), visible, with_published, params)
