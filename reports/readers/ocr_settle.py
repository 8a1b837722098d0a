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

import itertools
from dataclasses import replace
from typing import TYPE_CHECKING

from reports.readers.ocr import DOUBT, OcrText
from reports.text import parse_token

if TYPE_CHECKING:
    from reports.document import Document
    from reports.model import Cell, Finding
    from reports.parse import Parsed
    from reports.relations import Relation

Number = int | float
MAX_COMBINATIONS = 4096


def _flat(text: str) -> str:
    return "".join(text.split()).replace(",", "").replace("，", "")


def _source(doc: Document, index: int, raw: str) -> list[OcrText]:
    """The OCR cells of a line that hold the figure's text; all of the line's OCR cells with a digit
    when none matches (the parser cut a cell into several figures)."""
    cells = [c for c in doc.lines[index].cells if isinstance(c, OcrText)] if 0 <= index < len(doc.lines) else []
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
            sources = _source(doc, row.index, cell.raw)
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


def _decide(report: object, rels: list[Relation], candidates: dict[str, list[Number]], void: set[str]) -> None:
    from reports.model import Report

    assert isinstance(report, Report)
    doubtful = [k for k in candidates if k not in void]
    base = {k: _arith(c) for k, c in report.cells.items()}
    for k in void | set(doubtful):
        base[k] = None
    settled: dict[str, Number] = {}
    touching = [r for r in rels if any(k in candidates for k in r.keys)]
    if doubtful and all(candidates[k] for k in doubtful):
        combos = 1
        for k in doubtful:
            combos *= len(candidates[k])
        if combos <= MAX_COMBINATIONS:
            seen: dict[str, set[Number]] = {k: set() for k in doubtful}
            used: dict[str, bool] = dict.fromkeys(doubtful, True)
            for combo in itertools.product(*(candidates[k] for k in doubtful)):
                values = dict(base)
                values.update(zip(doubtful, combo, strict=True))
                checks = [(r, _holds(r, values)) for r in touching]
                if any(ok is False for _r, ok in checks):
                    continue
                for k, v in zip(doubtful, combo, strict=True):
                    seen[k].add(v)
                    # Confirmed only by a relation that holds and that uses it.
                    used[k] = used[k] and any(ok and k in r.keys for r, ok in checks)
            settled = {k: next(iter(seen[k])) for k in doubtful if len(seen[k]) == 1 and used[k]}
    for k in set(candidates) | void:
        cell = report.cells[k]
        if k in settled:
            v = settled[k]
            if v != cell.value or cell.status != "read":
                report.cells[k] = replace(cell, value=v, raw=f"{v:g}" if isinstance(v, float) else str(v),
                                          status="read", certain=True, blank=False)
        else:
            report.cells[k] = replace(cell, value=None, status="unreadable", certain=False, blank=False)


def annotate(findings: list[Finding], confidence: dict[str, float]) -> None:
    """Say which findings rest on figures OCR read, with the lowest confidence among them."""
    for f in findings:
        loc = f.location
        if loc.key is not None:
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
