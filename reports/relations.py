"""The arithmetic the format demands (勾稽关系), as data: one list used both by the parser (to decide
how to read ambiguous cells) and by the rules (to report what does not add up)."""

from __future__ import annotations

from dataclasses import dataclass

from reports.model import (
    S3_APPLICANT_COLUMNS,
    S3_COLUMNS,
    S3_GROUPS,
    S3_RESULT_ITEMS,
    S3_RESULT_ITEMS_2019,
    S4_GROUPS,
)


@dataclass(frozen=True)
class Relation:
    """sum(lhs) == sum(rhs). `code` is the finding code when it fails; `section`, `row`, `column`
    place it."""

    code: str
    section: int
    lhs: tuple[str, ...]
    rhs: tuple[str, ...]
    row: str | None = None
    column: str | None = None

    @property
    def keys(self) -> tuple[str, ...]:
        return self.lhs + self.rhs


def subtotal_key(group: str, column: str) -> str:
    return f"s3.sub.{group}.{column}"


def table3_relations(*, fmt: str, has_total: bool, rows: set[str], subtotals: set[str]) -> list[Relation]:
    """Rules 1–3 of FORMAT.md for table 3, plus subtotal rows that the report added."""
    columns = S3_COLUMNS if has_total else S3_APPLICANT_COLUMNS
    items = S3_RESULT_ITEMS_2019 if fmt == "2019" else S3_RESULT_ITEMS
    out: list[Relation] = []
    for c in columns:
        out.append(Relation("column-balance", 3, (f"s3.new.{c}", f"s3.carried_in.{c}"),
                            (f"s3.results_total.{c}", f"s3.carried_out.{c}"), column=c))
    for c in columns:
        out.append(Relation("results-total", 3, (f"s3.results_total.{c}",), tuple(f"s3.{r}.{c}" for r in items),
                            row="results_total", column=c))
    if has_total:
        for r in ("new", "carried_in", *items, "results_total", "carried_out"):
            if r in rows:
                out.append(Relation("row-total", 3, (f"s3.{r}.total",),
                                    tuple(f"s3.{r}.{c}" for c in S3_APPLICANT_COLUMNS), row=r, column="total"))
        for g in sorted(subtotals):
            out.append(Relation("row-total", 3, (subtotal_key(g, "total"),),
                                tuple(subtotal_key(g, c) for c in S3_APPLICANT_COLUMNS), row=f"sub.{g}",
                                column="total"))
    for g in sorted(subtotals):
        for c in columns:
            out.append(Relation("subtotal-mismatch", 3, (subtotal_key(g, c),),
                                tuple(f"s3.{r}.{c}" for r in S3_GROUPS[g]), row=f"sub.{g}", column=c))
    return out


def table4_relations() -> list[Relation]:
    return [
        Relation("appeal-total", 4, (f"s4.{g}.total",),
                 tuple(f"s4.{g}.{o}" for o in ("upheld", "corrected", "other", "pending")), row=g, column="total")
        for g in S4_GROUPS
    ]
