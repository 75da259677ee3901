"""Exporting our measures per period from the database, and keeping other forces' exports.

Periods are the force's local calendar (day, ISO week from Monday, month, quarter), half-open
from local midnight to local midnight, so a month is the month its people live in, daylight
saving included. Both use cases take a Session and own no commit; an import is all or nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from demandhub.audit import service as audit
from demandhub.errors import Invalid
from demandhub.geo.areas import AreaMap
from demandhub.measures import exchange
from demandhub.measures.compute import measures_pack
from demandhub.measures.definitions import DEFINITIONS_VERSION, Standards
from demandhub.measures.exchange_models import ForceMeasure
from demandhub.measures.load import force_areas, load_frames
from demandhub.measures.pack import MeasuresPack

PERIOD_KINDS = ("day", "week", "month", "quarter")
MAX_PERIODS = 400  # a year of days: one export is one request's work
FIRST_YEAR, LAST_YEAR = 1970, 9998  # instants are seconds since 1970; a year 9999 period would end past datetime
MAX_FILE_BYTES = 20 * 1024 * 1024  # a year of daily figures for a dozen forces is under this


@dataclass(frozen=True)
class Period:
    start: date  # local calendar date, included
    end: date  # excluded

    def bounds(self, timezone: str) -> tuple[datetime, datetime]:
        """The UTC instants of local midnight at the start and at the end."""
        zone = ZoneInfo(timezone)
        return tuple(datetime.combine(d, time(0), tzinfo=zone).astimezone(UTC) for d in (self.start, self.end))

    def __str__(self) -> str:
        return f"{self.start.isoformat()} to {self.end.isoformat()}"


def _next(d: date, kind: str) -> date:
    if kind == "day":
        return d + timedelta(days=1)
    if kind == "week":
        return d + timedelta(days=7)
    months = 1 if kind == "month" else 3
    m = d.month - 1 + months
    return date(d.year + m // 12, m % 12 + 1, 1)


def _aligned(d: date, kind: str) -> bool:
    return {"day": True, "week": d.weekday() == 0, "month": d.day == 1,
            "quarter": d.day == 1 and d.month in (1, 4, 7, 10)}[kind]


_STARTS = {"day": "a date", "week": "a Monday", "month": "the first of a month",
           "quarter": "the first of January, April, July or October"}


def periods(start: date, end: date, kind: str = "month") -> list[Period]:
    """The calendar periods from `start` up to `end`, which must both begin a period of the kind:
    a figure for part of a month would sit beside other forces' whole months as if it were one."""
    if kind not in PERIOD_KINDS:
        raise Invalid(f"period must be one of {', '.join(PERIOD_KINDS)}", problems=[{"field": "period",
                                                                                    "message": "unknown"}])
    problems = [{"field": name, "message": f"{d.isoformat()} is not {_STARTS[kind]}: a {kind} starts there"}
                for name, d in (("from", start), ("to", end)) if not _aligned(d, kind)]
    problems += [{"field": name, "message": f"{d.isoformat()} is outside the years {FIRST_YEAR} to {LAST_YEAR}"}
                 for name, d in (("from", start), ("to", end)) if not FIRST_YEAR <= d.year <= LAST_YEAR]
    if end <= start:
        problems.append({"field": "to", "message": f"{end.isoformat()} is not after from {start.isoformat()}"})
    if problems:
        raise Invalid("; ".join(f"{p['field']}: {p['message']}" for p in problems), problems=problems)
    out, d = [], start
    while d < end:
        if len(out) == MAX_PERIODS:
            raise Invalid(f"at most {MAX_PERIODS} periods in one export; ask for fewer or longer periods",
                          problems=[{"field": "to", "message": "too many periods"}])
        out.append(Period(d, _next(d, kind)))
        d = out[-1].end
    return out


def our_pack(session: Session, *, period: Period, standards: Standards, grades: Sequence[str], as_of: datetime,
             areas: AreaMap | None = None) -> MeasuresPack:
    """Our measures for one local-calendar period, read from the database now."""
    start, end = period.bounds(standards.timezone)
    frames = load_frames(session, start=start, end=end, as_of=as_of, grades=grades, standards=standards,
                         areas=areas if areas is not None else force_areas(session))
    return measures_pack(frames, standards)


def export_rows(session: Session, *, periods: Sequence[Period], force: str, standards: Standards,
                grades: Sequence[str], as_of: datetime) -> list[exchange.ExchangeRow]:
    areas = force_areas(session)
    rows: list[exchange.ExchangeRow] = []
    for p in periods:
        pack = our_pack(session, period=p, standards=standards, grades=grades, as_of=as_of, areas=areas)
        rows += exchange.rows_from_pack(pack, force=force, period_start=p.start, period_end=p.end)
    return rows


@dataclass
class ImportSummary:
    file_name: str
    sha256: str
    format: str
    definitions_version: str
    rows: int = 0
    added: int = 0
    replaced: int = 0
    forces: list[str] = field(default_factory=list)
    periods: list[tuple[date, date]] = field(default_factory=list)

    @property
    def same_version(self) -> bool:
        return self.definitions_version == DEFINITIONS_VERSION

    @property
    def message(self) -> str:
        spans = ", ".join(f"{a.isoformat()} to {b.isoformat()}" for a, b in self.periods[:4])
        spans += f" and {len(self.periods) - 4} more" if len(self.periods) > 4 else ""
        text = (f"Imported {self.rows:,} rows for {', '.join(self.forces)} ({len(self.periods)} "
                f"period{'s' if len(self.periods) != 1 else ''}: {spans}) from {self.file_name}: "
                f"{self.added:,} new, {self.replaced:,} replaced figures imported earlier for the same force, "
                f"period, measure and segment.")
        if not self.same_version:
            text += (f" Their definitions version {self.definitions_version} is not ours ({DEFINITIONS_VERSION}): "
                     "the figures are kept but flagged, and never shown as the same measure as ours.")
        return text

    def as_dict(self) -> dict:
        return {"file_name": self.file_name, "sha256": self.sha256, "format": self.format,
                "definitions_version": self.definitions_version, "same_version": self.same_version,
                "rows": self.rows, "added": self.added, "replaced": self.replaced, "forces": self.forces,
                "periods": [{"start": a.isoformat(), "end": b.isoformat()} for a, b in self.periods],
                "message": self.message}


def import_file(session: Session, *, data: bytes, name: str, our_force: str, actor: str,
                now: datetime) -> ImportSummary:
    """Read the whole file strictly, then replace the same keys and add the rest: all or nothing."""
    name = (name or "upload").replace("\x00", "")[:255] or "upload"
    if len(data) > MAX_FILE_BYTES:
        raise Invalid(f"the file is over {MAX_FILE_BYTES // 1_048_576} MB, the largest accepted",
                      problems=[{"field": "file", "message": "too large"}])
    kind = exchange.detect(data, name)
    parsed = exchange.read(data, name=name, our_force=our_force)
    if not parsed.rows:
        raise exchange.ExchangeRefused(f"{name} has no rows: nothing imported",
                                       problems=[{"row": None, "column": None, "message": "no rows",
                                                  "where": "the file"}])
    digest = hashlib.sha256(data).hexdigest()
    summary = ImportSummary(file_name=name, sha256=digest, format=kind, definitions_version=parsed.definitions_version,
                            rows=len(parsed.rows))
    groups: dict[tuple, set[tuple[str, str]]] = {}
    for r in parsed.rows:
        groups.setdefault((r.force, r.period_start, r.period_end), set()).add((r.measure, r.segment))
    stale: list[int] = []
    for (force, start, end), keys in groups.items():
        for row_id, measure, segment in session.execute(
                sa.select(ForceMeasure.id, ForceMeasure.measure, ForceMeasure.segment)
                .where(ForceMeasure.force == force, ForceMeasure.period_start == start,
                       ForceMeasure.period_end == end)):
            if (measure, segment) in keys:
                stale.append(row_id)
    for k in range(0, len(stale), 500):
        session.execute(sa.delete(ForceMeasure).where(ForceMeasure.id.in_(stale[k:k + 500])))
    summary.replaced, summary.added = len(stale), len(parsed.rows) - len(stale)
    session.execute(sa.insert(ForceMeasure), [
        {**r.as_dict(), "imported_at": now, "imported_by": actor[:120], "source_name": name,
         "source_sha256": digest} for r in parsed.rows])
    summary.forces = sorted({r.force for r in parsed.rows})
    summary.periods = sorted({(r.period_start, r.period_end) for r in parsed.rows})
    audit.append(session, actor=actor, action="measures.import", entity_type="force_measures", entity_id=digest,
                 at=now, details={k: v for k, v in summary.as_dict().items() if k != "message"})
    return summary


def imported(session: Session, *, period: Period) -> list[ForceMeasure]:
    """Other forces' figures for exactly this period (their local calendar), by force."""
    return list(session.scalars(
        sa.select(ForceMeasure).where(ForceMeasure.period_start == period.start, ForceMeasure.period_end == period.end)
        .order_by(ForceMeasure.force, ForceMeasure.measure, ForceMeasure.segment)))


@dataclass(frozen=True)
class ImportedPeriod:
    period: Period
    forces: int
    rows: int


def imported_periods(session: Session, *, limit: int = 50) -> list[ImportedPeriod]:
    """The periods other forces' figures are held for, latest first."""
    q = (sa.select(ForceMeasure.period_start, ForceMeasure.period_end,
                   sa.func.count(sa.distinct(ForceMeasure.force)), sa.func.count())
         .group_by(ForceMeasure.period_start, ForceMeasure.period_end)
         .order_by(ForceMeasure.period_start.desc(), ForceMeasure.period_end).limit(limit))
    return [ImportedPeriod(Period(a, b), forces, rows) for a, b, forces, rows in session.execute(q)]
