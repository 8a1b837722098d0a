"""The wording of answers to questions (storage.answers.Answer), in Chinese or English: one
function for the bot (handlers/questions.py) and the CLI (`nianbao ask`). Plain text: the bot
escapes it for HTML. Every sentence is in the catalogue (handlers/i18n.MESSAGES, keys "ans.*").
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from handlers.i18n import plain
from reports.questions import EXAMPLES
from storage.answers import Answer

LIST_LIMIT = 20  # lines of a list printed (the answer's rows hold them all)
EXAMPLE_AGENCY = {"zh": "新乡市工业和信息化局", "en": "Xinxiang industry bureau"}


class _Words:
    """The query's words in one language."""

    def __init__(self, a: Answer, lang: str) -> None:
        self.a, self.q, self.lang = a, a.query, lang

    def __call__(self, key: str, **values: Any) -> str:
        return plain(f"ans.{key}", self.lang, **values)

    def _pick(self, field: str) -> str:
        return str((self.q.get(field) or {}).get(self.lang, ""))

    @property
    def label(self) -> str:
        return self._pick("label")

    def amount(self, v: int | float | None) -> str:
        unit = self._pick("unit")
        if v is None:
            return self("blank")
        return f"{v} {unit}" if unit else f"{v}"

    def join(self, items: list[Any], sep: str = "list.sep") -> str:
        return plain(sep, self.lang).join(str(i) for i in items)

    def scope(self) -> str:
        """The agencies a sum, ranking or count covers: a region, the words asked for, or all."""
        status, region = self.q.get("agency_status"), self.q.get("region")
        if status == "region" and region:
            return str(region)
        if status in ("ambiguous", "region"):
            return self("scope.mention", mention=self.q.get("agency_mention", ""))
        return self("scope.all")

    def source(self, i: int = 0) -> str:
        return self("source", file=self.a.sources[i]["file"])

    def when(self, key: str) -> str:
        year = self.a.facts.get("year")
        return self(key, year=year) if year else ""


def render_answer(a: Answer, lang: str | None = None) -> str:
    """The answer as a sentence (or a short list) in `lang` (default: the question's language)."""
    w = _Words(a, lang if lang in ("zh", "en") else a.lang)
    return _RENDER[a.kind](w)


def _help(w: _Words) -> str:
    reason = w.q.get("reason")
    if reason in ("leftover", "no-metric"):
        return _not_understood(w)
    head = w("help.head") if reason == "help" else w("help.not_understood")
    if reason == "unsupported-metric":
        head = w("help.unsupported")
    more = w("help.for_example") if reason != "help" else ""
    return "\n".join([head + (" " + more if more else ""), *(f"• {e}" for e in EXAMPLES[w.lang])])


def _not_understood(w: _Words) -> str:
    """A short answer: the words not understood, what was, and one example close to the question."""
    words = w.q.get("understood_not") or []
    head = w("help.leftover", words=w.join(words)) if words else w("help.not_understood")
    agencies = w.q.get("agencies") or []
    agency = agencies[0] if w.q.get("agency_status") == "resolved" and agencies else None
    years = w.q.get("years") or []
    understood = [w("understood.figure", label=w.label)] if w.label else []
    understood += [w("understood.agency", agency=agency)] if agency else []
    understood += [w("understood.year", year=y) for y in years[:2]]
    text = head + (w("help.understood", what=w.join(understood)) if understood else "")
    return text + "\n" + w("help.close", example=_close_example(w, agency, years)).strip()


def _close_example(w: _Words, agency: str | None, years: list[int]) -> str:
    """The question asked again the way the grammar reads it, else the stock example sharing the most
    with it."""
    if agency or w.label:
        label = w.label or plain("ans.default_label", w.lang)
        return w("example.value", agency=agency or EXAMPLE_AGENCY[w.lang], year=years[0] if years else 2023,
                 label=label)
    text = str(w.q.get("text", "")).lower()
    def shared(e: str) -> int:
        return len(set(e.lower().split()) & set(text.split())) if w.lang == "en" else len(set(e) & set(text))
    return max(EXAMPLES[w.lang], key=shared)


def _unknown(w: _Words) -> str:
    text = w("unknown", mention=w.q.get("agency_mention", ""))
    suggestions = w.q.get("suggestions") or []
    if suggestions:
        text += w("unknown.closest", names=w.join(suggestions, "ans.agency_sep"))
    elif w.a.facts.get("places"):
        text += w("unknown.places", names=w.join(w.a.facts["places"], "ans.agency_sep"))
    return text


def _ambiguous(w: _Words) -> str:
    cands = w.q.get("agencies") or []
    return w("ambiguous", mention=w.q.get("agency_mention", ""), n=len(cands), names=w.join(cands, "ans.agency_sep"))


def _missing_year(w: _Words) -> str:
    f = w.a.facts
    stored = w.join(f["stored"]) or plain("none", w.lang)
    return w("missing_year", agency=f["agency"], year=f["year"], stored=stored)


def _value(w: _Words) -> str:
    s = w.a.sources[0]
    return w("value", agency=s["agency"], year=s["year"], label=w.label, amount=w.amount(w.a.value), source=w.source())


def _share(w: _Words) -> str:
    s, f = w.a.sources[0], w.a.facts
    return w("share", agency=s["agency"], year=s["year"], label=w.label, whole=w._pick("denominator_label"),
             pct=w.a.value, num=f["numerator"], den=f["denominator"], file=s["file"])


def _share_blank(w: _Words) -> str:
    s, den = w.a.sources[0], w.a.facts["denominator"]
    return w("share_blank", agency=s["agency"], year=s["year"], whole=w._pick("denominator_label"),
             den=den if den is not None else w("blank_word"), source=w.source())


def _compare(w: _Words) -> str:
    (early, late), diff = w.a.rows, w.a.value
    assert isinstance(diff, int | float)
    values = {"agency": late["agency"], "label": w.label, "late": late["year"], "early": early["year"],
              "now": w.amount(late["value"]), "before": w.amount(early["value"]),
              "files": w.join([s["file"] for s in w.a.sources])}
    if not diff:
        return w("compare.same", **values)
    return w("compare", word=w("up" if diff > 0 else "down"), by=w.amount(abs(diff)), **values)


def _compare_all(w: _Words) -> str:
    (early, late), diff = w.a.rows, w.a.value
    return w("compare_all", scope=w.scope(), label=w.label, late=late["year"], early=early["year"],
             now=w.amount(late["value"]), before=w.amount(early["value"]), diff=f"{diff:+}")


def _sum(w: _Words) -> str:
    n = w.a.facts["reports"]
    text = w("sum", year=w.a.facts["year"], scope=w.scope(), n=n, label=w.label, amount=w.amount(w.a.value))
    return text + (w.source() if n == 1 else "")


def _top(w: _Words) -> str:
    head = w("top.fewest" if w.q.get("order") == "asc" else "top.most", year=w.a.facts["year"], label=w.label)
    lines = [w("top.line", i=i, agency=r["agency"], amount=w.amount(r["value"]), file=s["file"])
             for i, (r, s) in enumerate(zip(w.a.rows, w.a.sources, strict=True), 1)]
    if w.a.facts.get("capped"):
        lines.append(w("top.capped", n=w.a.facts["capped"]))
    return "\n".join([head, *lines])


def _which_agency(w: _Words) -> str:
    return w("which_agency.share" if w.q.get("kind") == "share" else "which_agency.value")


def _count(w: _Words) -> str:
    scope = w("count.scope", scope=w.scope()) if w.a.facts["scoped"] else ""
    key = "count.agencies" if w.q.get("count_of") == "agencies" else "count.reports"
    return w(key, scope=scope, when=w.when("when.of"), n=w.a.value)


def _list_reports(w: _Words) -> str:
    which = {"fail": w("which.fail"), "pass": w("which.pass")}.get(w.q.get("verdict") or "", "")
    when = w.when("when.in")
    rows = w.a.rows
    if not rows:
        return w("list_reports.none", when=when, which=which)
    lines = [w("list_reports.head", when=when, which=which, n=len(rows))]
    for r in rows[:LIST_LIMIT]:
        lines.append(w("list_reports.line", agency=r["agency"] or plain("unknown_agency", w.lang),
                       year=w("year", year=r["year"]) if r["year"] else w("unknown_year"), file=r["file"],
                       verdict=w("verdict.pass" if r["verdict"] == "pass" else "verdict.fail"), errors=r["value"]))
    if len(rows) > LIST_LIMIT:
        lines.append(w("list_reports.more", n=len(rows) - LIST_LIMIT))
    return "\n".join(lines)


def _list_agencies(w: _Words) -> str:
    years: dict[str, list[int]] = {}
    for r in w.a.rows:
        years.setdefault(r["agency"], []).append(r["year"])
    when = w.when("when.in")
    if not years:
        return w("list_agencies.none", when=when)
    unidentified = years.pop(None, [])  # type: ignore[call-overload]
    lines = [w("list_agencies.head", n=len(years), when=when)]
    lines += [w("list_agencies.line", agency=a, years=w.join([y or w("unknown_year") for y in ys]))
              for a, ys in list(years.items())[:LIST_LIMIT]]
    if len(years) > LIST_LIMIT:
        lines.append(w("list_agencies.more", n=len(years) - LIST_LIMIT))
    if unidentified:
        lines.append(w("list_agencies.unidentified", n=len(unidentified)))
    return "\n".join(lines)


def _compare_agencies(w: _Words) -> str:
    lines = [w("compare_agencies.head", label=w.label)]
    for r in w.a.rows:
        if not r["reports"]:
            lines.append(w("compare_agencies.none", agency=r["agency"]))
        elif r["whole"]:
            lines.append(w("compare_agencies.whole", agency=r["agency"], n=r["reports"], year=r["year"],
                           amount=w.amount(r["value"])))
        else:
            lines.append(w("compare_agencies.line", agency=r["agency"], year=r["year"], amount=w.amount(r["value"])))
    diff = w.a.facts.get("difference")
    if diff is not None:
        lines.append(w("compare_agencies.diff", by=w.amount(abs(diff))))
    files = [s["file"] for s in w.a.sources if s.get("file")]
    if files and len(files) <= 6:
        lines.append(plain("ans.source", w.lang, file=w.join(files)).strip())
    return "\n".join(lines)


def _missing_reports(w: _Words) -> str:
    year, rows = w.a.facts["year"], w.a.rows
    if not rows:
        return w("missing_reports.none", year=year)
    lines = [w("missing_reports.head", year=year, n=len(rows))]
    lines += [w("missing_reports.line", agency=r["agency"], last=r["year"]) for r in rows[:LIST_LIMIT]]
    if len(rows) > LIST_LIMIT:
        lines.append(w("list_agencies.more", n=len(rows) - LIST_LIMIT))
    return "\n".join(lines)


def render_sources(details: list[dict[str, Any]], lang: str) -> str:
    """Where an answer's number comes from (storage.answers.source_details): file, page or line, cells."""
    from reports.model import key_label

    if not details:
        return plain("ans.src.none", lang)
    lines: list[str] = []
    for d in details:
        lines.append(plain("ans.src.head", lang, file=d["file"] or "?", agency=d["agency"] or plain("unknown_agency", lang),
                           year=d["year"] or "?"))
        for c in d["cells"]:
            where = [plain("ans.src.page", lang, page=c["page"])] if c["page"] is not None else []
            where += [plain("ans.src.line", lang, line=c["line"])] if c["line"] is not None else []
            value = c["value"] if c["value"] is not None else plain("ans.blank", lang)
            lines.append(plain("ans.src.cell", lang, label=key_label(c["key"], lang), key=c["key"], value=value,
                               where=plain("ans.src.where", lang, where=plain("list.sep", lang).join(where))
                               if where else ""))
        if d["more"]:
            lines.append(plain("ans.src.more", lang, n=d["more"]))
    return "\n".join(lines)


def _fixed(key: str) -> Callable[[_Words], str]:
    """A sentence of the answer's facts alone."""
    return lambda w: w(key, **w.a.facts)


_RENDER: dict[str, Callable[[_Words], str]] = {
    "help": _help,
    "unknown": _unknown,
    "ambiguous": _ambiguous,
    "empty": _fixed("empty"),
    "no_agency_reports": _fixed("no_agency_reports"),
    "missing_year": _missing_year,
    "value": _value,
    "share": _share,
    "share_blank": _share_blank,
    "compare": _compare,
    "compare_blank": lambda w: w("compare_blank", agency=w.a.rows[0]["agency"], label=w.label),
    "sum": _sum,
    "sum_none": lambda w: w("sum_none", scope=w.scope(), year=w.a.facts["year"]),
    "top": _top,
    "which_agency": _which_agency,
    "top_none": _fixed("top_none"),
    "compare_all": _compare_all,
    "compare_all_missing": _fixed("compare_all_missing"),
    "count": _count,
    "list_reports": _list_reports,
    "list_agencies": _list_agencies,
    "compare_agencies": _compare_agencies,
    "missing_reports": _missing_reports,
}
