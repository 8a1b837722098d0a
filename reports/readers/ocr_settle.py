"""The table arithmetic settles what OCR doubts; what it cannot confirm is unreadable, never a guess.

After the parser has read a document with OCR-read pages, every table figure is traced back to the
cell OCR read (an `OcrText` on the figure's source line). A figure whose cell is in doubt (a digit
read with a probability below ocr.DOUBT) is tried with each reading its doubtful digits allow (0/8,
1/7, 6/5 and the model's own second choice). Every combination of the table's doubtful figures is
tried against the table's relations that can be checked:

- a figure is settled when the combinations that satisfy every such relation agree on its value and
  at least one relation that holds uses it; it takes that value;
- otherwise (no combination adds up, several do, or nothing checks it: table 2 has no arithmetic)
  it is `unreadable`: the rules skip its relations and say the cell could not be read, so the report
  is never blamed for a digit the arithmetic could not confirm.

A cell OCR read as text other than a number is unreadable unless OCR was sure of every character
and it holds no digit (a written "若干" stays the report's).
Findings on OCR-read figures say so, with the confidence (Finding.ocr_confidence).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from reports.model import S3_COLUMNS, S4_GROUPS, S4_OUTCOMES
from reports.readers.ocr import DOUBT, OcrText
from reports.text import parse_token

if TYPE_CHECKING:
    from reports.document import Document
    from reports.model import Cell, Finding
    from reports.parse import Parsed
    from reports.relations import Relation

Number = int | float
MAX_DOUBTFUL = 400  # doubtful figures searched in one table (the search recurses once per figure)
MAX_NODES = 200_000  # assignments tried at most for one table (then every doubt is unreadable)


def _flat(text: str) -> str:
    return "".join(text.split()).replace(",", "").replace("，", "")


def _column(key: str, has_total: bool | None) -> tuple[int, int] | None:
    """Where a table 3 or 4 figure stands in its grid row, counted from the row's end: (position,
    columns), or None for other keys."""
    parts = key.split(".")
    if key.startswith("s3.") and parts[-1] in S3_COLUMNS:
        cols = S3_COLUMNS if has_total is not False else S3_COLUMNS[:-1]
        return (cols.index(parts[-1]), len(cols)) if parts[-1] in cols else None
    if key.startswith("s4.") and len(parts) == 3 and parts[1] in S4_GROUPS and parts[2] in S4_OUTCOMES:
        return S4_GROUPS.index(parts[1]) * len(S4_OUTCOMES) + S4_OUTCOMES.index(parts[2]), len(S4_GROUPS) * len(S4_OUTCOMES)
    return None


def _source(doc: Document, index: int, key: str, raw: str, has_total: bool | None) -> list[OcrText]:
    """The OCR cell a figure was read from: the one at its column in a grid row when that cell holds
    the figure's text; else every OCR cell of the line with that text (the lowest confidence of
    them counts); else all of the line's OCR cells with a digit (the parser cut a cell in pieces)."""
    if not 0 <= index < len(doc.lines):
        return []
    line = doc.lines[index].cells
    where = _column(key, has_total)
    if where is not None and len(line) >= where[1]:
        cell = line[len(line) - where[1] + where[0]]
        if isinstance(cell, OcrText) and _flat(cell) == _flat(raw):
            return [cell]
    cells = [c for c in line if isinstance(c, OcrText)]
    same = [c for c in cells if _flat(c) == _flat(raw)]
    return same or [c for c in cells if any(ch.isdigit() for ch in c)]


def _arith(cell: Cell | None) -> Number | None:
    if cell is None:
        return None
    if cell.status in ("blank", "marker"):
        return 0
    return cell.value if cell.status in ("read", "derived") else None


def _holds(rel: Relation, values: dict[str, Number | None]) -> bool | None:
    """Whether the relation holds; None when one of its figures is unknown."""
    vals = [values.get(k) for k in rel.keys]
    if any(v is None for v in vals):
        return None
    lhs = sum(vals[: len(rel.lhs)])  # type: ignore[arg-type]
    return abs(lhs - sum(vals[len(rel.lhs):])) < 1e-6  # type: ignore[arg-type]


def settle(doc: Document, parsed: Parsed) -> dict[str, float]:
    """Settle or void the OCR-doubted figures of every table, in parsed.report; the OCR confidence of
    every figure OCR read (key -> lowest character probability)."""
    report = parsed.report
    confidence: dict[str, float] = {}
    for s, table in parsed.tables.items():
        candidates: dict[str, list[Number]] = {}
        void: set[str] = set()
        for key, row in table.origin.items():
            cell = report.cells.get(key)
            if cell is None or cell.status in ("blank", "derived"):
                continue
            sources = _source(doc, row.index, key, cell.raw, report.has_total_column)
            if not sources:
                continue
            confidence[key] = min(c.conf for c in sources)
            if cell.status == "text":
                if confidence[key] < DOUBT or any(ch.isdigit() or ch.isascii() and ch.isalpha() for ch in cell.raw):
                    void.add(key)
                continue
            if not any(c.doubtful for c in sources) or cell.value is None:
                continue
            values: list[Number] = [cell.value] if cell.status in ("read", "marker") else []
            if len({_flat(c) for c in sources}) == 1:
                for alt in sources[0].alts:
                    tok = parse_token(alt)
                    if tok.kind == "number" and tok.value is not None and tok.value not in values:
                        values.append(tok.value)
            candidates[key] = values
        _decide(report, parsed.relations.get(s, []), candidates, void)
    return confidence


class _TooMuch(Exception):
    pass


def _decide(report: object, rels: list[Relation], candidates: dict[str, list[Number]], void: set[str]) -> None:
    from reports.model import Report

    assert isinstance(report, Report)
    base = {k: _arith(c) for k, c in report.cells.items()}
    for k in void | set(candidates):
        base[k] = None
    doubtful = {k for k, v in candidates.items() if v and k not in void}
    # Relations that can decide: every figure in them known or in doubt.
    live = [r for r in rels if any(k in doubtful for k in r.keys)
            and all(k in doubtful or base.get(k) is not None for k in r.keys)]
    searched = sorted(k for k in doubtful if any(k in r.keys for r in live))
    settled: dict[str, Number] = {}
    if searched and len(searched) <= MAX_DOUBTFUL:
        try:
            settled = _search(searched, candidates, base, live)
        except _TooMuch:
            settled = {}
    for k in set(candidates) | void:
        cell = report.cells[k]
        if k in settled:
            v = settled[k]
            if v != cell.value or cell.status != "read":
                report.cells[k] = replace(cell, value=v, raw=f"{v:g}" if isinstance(v, float) else str(v),
                                          status="read", certain=True, blank=False)
        else:
            report.cells[k] = replace(cell, value=None, status="unreadable", certain=False, blank=False)


def _search(order: list[str], candidates: dict[str, list[Number]], base: dict[str, Number | None],
            rels: list[Relation]) -> dict[str, Number]:
    """Every assignment of the doubtful figures under which all relations hold (depth first, a
    relation checked as soon as its last doubtful figure is given a value); the figures on whose
    value all of them agree. Keys in sorted order keep a row's cells together, so its total is
    checked early. Raises _TooMuch past MAX_NODES."""
    pos = {k: i for i, k in enumerate(order)}
    closing: dict[int, list[Relation]] = {}
    for r in rels:
        closing.setdefault(max(pos[k] for k in r.keys if k in pos), []).append(r)
    values = dict(base)
    seen: dict[str, set[Number]] = {k: set() for k in order}
    nodes = 0

    def dfs(i: int) -> None:
        nonlocal nodes
        nodes += 1
        if nodes > MAX_NODES:
            raise _TooMuch
        if i == len(order):
            for k in order:
                seen[k].add(values[k])  # type: ignore[arg-type]
            return
        k = order[i]
        for v in candidates[k]:
            values[k] = v
            if all(_holds(r, values) for r in closing.get(i, ())):
                dfs(i + 1)
        values[k] = None

    dfs(0)
    return {k: next(iter(vs)) for k, vs in seen.items() if len(vs) == 1}


def annotate(findings: list[Finding], confidence: dict[str, float]) -> None:
    """Say which findings rest on figures OCR read, with the lowest confidence among them."""
    for f in findings:
        loc = f.location
        if f.rests_on:  # a relation: every figure of its sums
            keys = [k for k in f.rests_on if k in confidence]
        elif loc.key is not None:
            keys = [loc.key] if loc.key in confidence else []
        elif loc.section is not None and loc.row is not None:
            head = f"s{loc.section}.{loc.row}."
            keys = [k for k in confidence if k.startswith(head) and (loc.column is None or k.endswith("." + loc.column))]
        else:
            keys = []
        if not keys:
            continue
        conf = min(confidence[k] for k in keys)
        f.ocr_confidence = round(conf, 3)
        pct = f"{conf * 100:.0f}%" if conf < 0.995 else f"{conf * 100:.1f}%"
        f.message_zh += f"（该数字由文字识别（OCR）读出，置信度 {pct}）"
        f.message_en += f" (read by OCR, confidence {pct})"
