"""Compare forces: our headline measures, computed live, beside the figures other forces sent
in their exchange files (measures/exchange.py) for the same local-calendar period.

`table()` gives the rows (the page and the board report both use it). A figure computed under
other definitions than ours is never shown as if it were the same measure: every cell carries
its definitions version, and the page and charts say so beside it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query, Request

from demandhub.auth.deps import require_page
from demandhub.auth.roles import Actor, Permission
from demandhub.errors import Invalid
from demandhub.http import now, reading, settings
from demandhub.measures import exchange_store
from demandhub.measures.definitions import DEFINITIONS, DEFINITIONS_VERSION
from demandhub.measures.exchange_api import standards
from demandhub.measures.exchange_store import Period
from demandhub.measures.pack import MeasuresPack
from demandhub.web import charts
from demandhub.web.templating import render

router = APIRouter(include_in_schema=False)

# The headline measures (issue 6 point 5) and, where a measure has many segments, the ones shown.
HEADLINE: tuple[str, ...] = ("answer_999.within_10s_share", "call_101.mean_wait_s", "call_101.abandoned_share",
                             "digital.first_response.median_s", "attendance.within_target_share",
                             "resolution.rwd_share")
_HEADLINE_SEGMENTS: dict[str, Callable[[str], bool]] = {
    "attendance.within_target_share": lambda segment: "/area=" in segment,  # by grade and urban/rural
}
MAX_DAYS = 400  # one period, computed live for the page


@dataclass(frozen=True)
class Cell:
    force: str
    ours: bool
    held: bool  # False: that force sent no figure for this measure and segment
    value: float | None = None  # None with held: no data (nothing to measure)
    numerator: float | None = None
    denominator: float | None = None
    target: float | None = None
    met: bool | None = None
    definitions_version: str | None = None

    @property
    def same_version(self) -> bool:
        return not self.held or self.definitions_version == DEFINITIONS_VERSION


@dataclass(frozen=True)
class CompareRow:
    measure: str
    segment: str
    name: str
    unit: str
    standard: str | None  # the standard or target in words, from our definitions
    target: float | None  # our target for it (None: there is none)
    cells: tuple[Cell, ...]  # ours first, then each imported force by name

    @property
    def label(self) -> str:
        return self.name + (f" ({segment_label(self.segment)})" if self.segment != "all" else "")

    @property
    def mixed_versions(self) -> bool:
        return any(not c.same_version for c in self.cells)


def segment_label(segment: str) -> str:
    """'grade=1/area=urban' -> 'grade 1, urban'."""
    if segment == "all":
        return "all"
    parts = []
    for part in segment.split("/"):
        key, _, value = part.partition("=")
        parts.append(value.replace("_", " ") if key in ("area", "channel", "band", "direction")
                     else f"{key} {value}")
    return ", ".join(parts)


def _wanted(measure: str, segment: str, headline_only: bool) -> bool:
    keep = _HEADLINE_SEGMENTS.get(measure)
    if keep is not None:
        return keep(segment)
    return segment == "all" if headline_only and measure in HEADLINE else True


def table(session, *, period: Period, ours: MeasuresPack, force_name: str,
          measures: Sequence[str] = HEADLINE) -> list[CompareRow]:
    """One row per measure and segment: our figure (from `ours`, the pack for `period`) and each
    imported force's for exactly that period, with targets, met and definitions versions."""
    theirs = exchange_store.imported(session, period=period)
    forces = sorted({r.force for r in theirs})
    held = {(r.force, r.measure, r.segment): r for r in theirs}
    rows = []
    for measure in measures:
        segments = [r.segment for r in ours.rows if r.measure == measure]
        segments += sorted({r.segment for r in theirs if r.measure == measure} - set(segments))
        definition = DEFINITIONS.get(measure)
        for segment in segments:
            if not _wanted(measure, segment, headline_only=measure in HEADLINE):
                continue
            mine = next((r for r in ours.rows if r.measure == measure and r.segment == segment), None)
            cells = [Cell(force_name, True, mine is not None, *(
                (mine.value, mine.numerator, mine.denominator, mine.target, mine.met, ours.version)
                if mine is not None else ()))]
            for force in forces:
                r = held.get((force, measure, segment))
                cells.append(Cell(force, False, False) if r is None else Cell(
                    force, False, True, r.value, r.numerator, r.denominator, r.target, r.met, r.definitions_version))
            unit = definition.unit if definition else next(
                (held[(c.force, measure, segment)].unit for c in cells[1:] if c.held), "")
            rows.append(CompareRow(measure, segment, definition.name if definition else measure, unit,
                                   definition.standard if definition else None,
                                   mine.target if mine is not None else None, tuple(cells)))
    return rows


# ---------------------------------------------------------------------------- the page

def show(value: float | None, unit: str) -> str:
    if value is None:
        return "no data"
    if unit == "share":
        return f"{100 * value:.1f}%"
    if unit == "seconds":
        return f"{value:,.0f} s" if value < 120 else f"{value / 60:,.1f} min"
    if unit == "count":
        return f"{value:,.0f}"
    return f"{value:,.2f}"


def chart_for(row: CompareRow) -> str:
    """A bar per force, the target as a dashed line; a force on other definitions is named so."""
    scale, unit = (100.0, "%") if row.unit == "share" else (1.0, "s" if row.unit == "seconds" else "")
    categories = [c.force + (" (us)" if c.ours else "") + ("" if c.same_version else f" [definitions "
                                                                                     f"{c.definitions_version}]")
                  for c in row.cells]
    values = [None if c.value is None else c.value * scale for c in row.cells]
    title = row.label + (" (not all on the same definitions)" if row.mixed_versions else "")
    chart = charts.bar_chart(title=title, categories=categories, series=[charts.Series(row.name, values)],
                             unit=unit, target=None if row.target is None else row.target * scale, height=220)
    return charts.to_svg(chart)


def last_month(today: date) -> Period:
    first = today.replace(day=1)
    return Period((first - timedelta(days=1)).replace(day=1), first)


def _period(start: date | None, end: date | None, session, today: date) -> Period:
    if start is None and end is None:
        held = exchange_store.imported_periods(session, limit=1)
        return held[0].period if held else last_month(today)
    if start is None or end is None:
        raise Invalid("give both from and to, or neither", problems=[{"field": "from" if start is None else "to",
                                                                      "message": "missing"}])
    problems = []
    if end <= start:
        problems.append({"field": "to", "message": f"{end.isoformat()} is not after from {start.isoformat()}"})
    elif (end - start).days > MAX_DAYS:
        problems.append({"field": "to", "message": f"a period of at most {MAX_DAYS} days"})
    for name, d in (("from", start), ("to", end)):
        if not exchange_store.FIRST_YEAR <= d.year <= exchange_store.LAST_YEAR:
            problems.append({"field": name, "message": f"{d.isoformat()} is out of range"})
    if problems:
        raise Invalid("; ".join(f"{p['field']}: {p['message']}" for p in problems), problems=problems)
    return Period(start, end)


@router.get("/measures/compare")
def compare_page(request: Request, actor: Annotated[Actor, Depends(require_page(Permission.MEASURES_READ))],
                 start: Annotated[date | None, Query(alias="from")] = None,
                 end: Annotated[date | None, Query(alias="to")] = None,
                 measure: Annotated[list[str] | None, Query()] = None):
    s = settings(request)
    unknown = [m for m in measure or [] if m not in DEFINITIONS]
    if unknown or len(measure or []) > len(DEFINITIONS):
        raise Invalid(f"not a measure: {unknown[0][:80]!r}" if unknown else "too many measures",
                      problems=[{"field": "measure", "message": "unknown"}])
    chosen = [m for m in DEFINITIONS if m in (measure or [])] or list(HEADLINE)
    as_of: datetime = now(request)
    with reading(request) as session:
        period = _period(start, end, session, as_of.astimezone(ZoneInfo(s.timezone)).date())
        ours = exchange_store.our_pack(session, period=period, standards=standards(request),
                                       grades=request.app.state.policy.grade_codes, as_of=as_of)
        rows = table(session, period=period, ours=ours, force_name=s.force_name, measures=chosen)
        held_periods = exchange_store.imported_periods(session)
        sources = _sources(exchange_store.imported(session, period=period))
    other_versions = sorted({(c.force, c.definitions_version) for r in rows for c in r.cells if not c.same_version})
    return render(request, "compare.html", {
        "active": "compare", "period": period, "rows": rows, "charts": [chart_for(r) for r in rows],
        "forces": [c.force for c in rows[0].cells] if rows else [s.force_name], "as_of": as_of,
        "chosen": chosen, "headline": HEADLINE, "definitions": DEFINITIONS, "version": DEFINITIONS_VERSION,
        "other_versions": other_versions, "held_periods": held_periods, "sources": sources, "show": show,
        "segment_label": segment_label}, actor=actor)


def _sources(rows) -> list[dict]:
    """Per imported force: which file its figures came from, when it read them, which definitions."""
    out: dict[str, dict] = {}
    for r in rows:
        seen = out.setdefault(r.force, {"force": r.force, "files": set(), "versions": set(), "generated_at": None,
                                        "imported_at": None})
        seen["files"].add(r.source_name)
        seen["versions"].add(r.definitions_version)
        seen["generated_at"] = max(filter(None, (seen["generated_at"], r.generated_at)))
        seen["imported_at"] = max(filter(None, (seen["imported_at"], r.imported_at)))
    return [{**v, "files": sorted(v["files"]), "versions": sorted(v["versions"])} for v in out.values()]
