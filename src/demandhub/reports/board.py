"""The board report's content, assembled from the database as plain data: the quarterly
performance paper a Head of Demand takes to the board.

Everything the HTML page and the PDF show is decided here, including the words ("Met",
"Not met", "No data") and the figures as text, so the two outputs can never disagree and a
test can read the paper's content without rendering it. The measures are docs/measures.md's,
computed by `measures.compute.measures_pack` over the period, over each month (or week, or
day) in it, and over the previous period of the same length for comparison. The quality
section is the quality desk's own report (`quality.service.report`).

Periods are local calendar days, half-open: `start` included, `end` excluded.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from demandhub.errors import Invalid
from demandhub.measures.compute import measures_pack
from demandhub.measures.definitions import BANDS_999, DEFINITIONS, DEFINITIONS_VERSION, WEEKDAYS, Standards
from demandhub.measures.load import force_areas, load_frames
from demandhub.measures.pack import MeasuresPack, Row
from demandhub.quality import service as quality
from demandhub.quality.checklist import Checklist
from demandhub.quality.kappa import Agreement
from demandhub.reports.board_commentary import SLOT_TITLES, SLOTS, Commentary

MAX_DAYS = 366  # the quality report's longest period too
MET, NOT_MET, NO_DATA, NO_TARGET = "Met", "Not met", "No data", "For information"


# ------------------------------------------------------------------ formatting (shared by both outputs)

def duration(seconds: float | None) -> str:
    """8.5 s, 7 min 05 s, 3 h 20 min: a board reads minutes, not 425 s."""
    if seconds is None or math.isnan(seconds):
        return "no data"
    if seconds < 60:
        return f"{seconds:.1f} s".replace(".0 s", " s")
    if seconds < 3600:
        m, s = divmod(int(round(seconds)), 60)
        return f"{m} min {s:02d} s" if s else f"{m} min"
    h, m = divmod(int(round(seconds / 60)), 60)
    return f"{h} h {m:02d} min" if m else f"{h} h"


def percent(share: float | None) -> str:
    return "no data" if share is None else f"{100 * share:.1f}%"


def number(n: float | None, decimals: int = 0) -> str:
    if n is None:
        return "no data"
    return f"{n:,.{decimals}f}"


# How each kind of figure is shown in charts: (unit label, divisor from the stored value).
CHART_UNITS = {"share": ("%", 0.01), "seconds": ("s", 1.0), "minutes": ("min", 60.0), "hours": ("h", 3600.0),
               "count": ("", 1.0), "rate": ("", 1.0)}


def figure(value: float | None, shown: str) -> str:
    if shown == "share":
        return percent(value)
    if shown in ("seconds", "minutes", "hours"):
        return duration(value)
    if shown == "rate":
        return number(value, 1)
    return number(value)


# ------------------------------------------------------------------ periods

@dataclass(frozen=True)
class Span:
    label: str
    start: date  # local day, included
    end: date  # local day, excluded


def check_period(start: date, end: date) -> None:
    for name, day in (("from", start), ("to", end)):
        if not 2000 <= day.year <= 2200:
            raise Invalid(f"'{name}' must be between the years 2000 and 2200",
                          problems=[{"field": name, "message": "out of range"}])
    if end <= start:
        raise Invalid("the period is empty: 'to' must be after 'from' (the 'to' day itself is not included)",
                      problems=[{"field": "to", "message": "must be after from"}])
    if (end - start).days > MAX_DAYS:
        raise Invalid(f"a board report covers at most {MAX_DAYS} days",
                      problems=[{"field": "to", "message": f"at most {MAX_DAYS} days after from"}])


def _months_between(start: date, end: date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month


def add_months(day: date, months: int) -> date:
    k = day.year * 12 + day.month - 1 + months
    return date(k // 12, k % 12 + 1, 1)


def previous_period(start: date, end: date) -> tuple[date, date]:
    """Whole calendar months: the same number of months before (a quarter's previous quarter);
    otherwise the same number of days just before."""
    if start.day == 1 and end.day == 1:
        return add_months(start, -_months_between(start, end)), start
    return start - (end - start), start


def granularity(start: date, end: date) -> str:
    days = (end - start).days
    return "month" if days >= 56 else "week" if days >= 14 else "day"


def spans(start: date, end: date, unit: str) -> list[Span]:
    """The period cut into months (calendar months, the first and last clipped to the period),
    weeks (7 days from the period's first day, the last maybe shorter) or days."""
    out: list[Span] = []
    day = start
    while day < end:
        if unit == "month":
            nxt = min(add_months(day, 1), end)
            label = day.strftime("%b %Y") if day.day == 1 and nxt == add_months(day, 1) else \
                f"{day:%d %b}–{nxt - timedelta(days=1):%d %b}"
        elif unit == "week":
            nxt = min(day + timedelta(days=7), end)
            label = f"w/c {day:%d %b}"
        else:
            nxt = day + timedelta(days=1)
            label = f"{day:%a %d %b}"
        out.append(Span(label, day, nxt))
        day = nxt
    return out


def day_range(start: date, end: date) -> str:
    """'1 Jul 2026 to 30 Sep 2026': the last day included, in words."""
    last = end - timedelta(days=1)
    return f"{start.day} {start:%b %Y}" if last == start else f"{start.day} {start:%b %Y} to {last.day} {last:%b %Y}"


# ------------------------------------------------------------------ what the paper shows

@dataclass(frozen=True)
class Spec:
    """One headline figure: which row of the measures pack, in which part, shown how."""
    part: str  # a commentary slot
    measure: str
    segment: str
    label: str
    shown: str  # share | seconds | minutes | hours | count | rate
    standard: str | None = None  # the standard or threshold in words
    trend: bool = False  # one of the measures charted month by month


@dataclass(frozen=True)
class Headline:
    part: str
    key: str  # measure[segment]: stable, for tests and anchors
    label: str
    shown: str
    value: float | None
    text: str  # the value as shown
    previous: float | None
    previous_text: str
    standard: str
    status: str  # MET | NOT_MET | NO_DATA | NO_TARGET
    basis: str  # what the value is over: "1 of 2 answered"


@dataclass(frozen=True)
class TrendPoint:
    label: str
    value: float | None
    text: str


@dataclass(frozen=True)
class Trend:
    part: str
    key: str
    title: str
    shown: str
    target: float | None  # in the stored unit (a share 0..1, seconds)
    current: list[TrendPoint]
    previous: list[TrendPoint]
    current_total: TrendPoint
    previous_total: TrendPoint

    @property
    def has_data(self) -> bool:
        return any(p.value is not None for p in self.current + self.previous)


@dataclass(frozen=True)
class Breakdown:
    """Demand by a category (channel, hour, day): this period beside the previous one."""
    key: str
    title: str
    shown: str
    unit_words: str
    labels: list[str]
    current: list[float | None]
    previous: list[float | None]

    def text(self, values: list[float | None]) -> list[str]:
        return [figure(v, self.shown) for v in values]


@dataclass(frozen=True)
class QualityItem:
    label: str
    answered: int
    yes_share: float | None
    yes_text: str
    pairs: int
    kappa: float | None
    kappa_text: str
    interpretation: str


@dataclass(frozen=True)
class QualitySection:
    done: int
    open: int
    pairs: int
    items: list[QualityItem]
    overall: QualityItem
    checklist: str


@dataclass(frozen=True)
class ComparisonRow:
    label: str
    values: list[str]  # one per force, as shown


@dataclass(frozen=True)
class Comparison:
    """Other forces' published measures beside ours (imported exports, same definitions version)."""
    intro: str
    caption: str
    forces: list[str]
    rows: list[ComparisonRow]


@dataclass(frozen=True)
class Part:
    slot: str
    title: str
    headlines: list[Headline]
    trends: list[Trend]


@dataclass(frozen=True)
class BoardReport:
    force: str
    start: date
    end: date
    period_text: str
    previous_start: date
    previous_end: date
    previous_text: str
    timezone: str
    generated: datetime  # UTC
    generated_text: str  # local
    definitions_version: str
    granularity: str
    parts: list[Part]
    demand: list[Breakdown]
    quality: QualitySection
    commentary: Commentary
    notes: list[str] = field(default_factory=list)
    comparison: Comparison | None = None

    @property
    def headlines(self) -> list[Headline]:
        return [h for p in self.parts for h in p.headlines]

    def headline(self, key: str) -> Headline:
        for h in self.headlines:
            if h.key == key:
                return h
        raise KeyError(key)

    def part(self, slot: str) -> Part:
        return next(p for p in self.parts if p.slot == slot)

    @property
    def basename(self) -> str:
        return f"board-report-{self.start.isoformat()}-{self.end.isoformat()}"


def specs(standards: Standards) -> list[Spec]:
    """The headline figures, part by part, with the standards and thresholds in words."""
    abandon = f"{standards.short_abandon_s:g} s"
    out = [
        Spec("999", "answer_999.presented", "all", "999 calls presented", "count"),
        Spec("999", "answer_999.without_answer_time", "all", "999 calls with no answer time recorded", "count",
             "counted, left out of the times"),
        Spec("999", "answer_999.within_10s_share", "all", "999 calls answered in under 10 seconds", "share",
             f"{standards.answer_999_share:.0%} (national standard)", trend=True),
        Spec("999", "answer_999.band_share", f"band={BANDS_999[0]}", "Published band: under 10 s", "share",
             "published band"),
        Spec("999", "answer_999.band_share", f"band={BANDS_999[1]}", "Published band: 10 s to under 60 s",
             "share", "published band"),
        Spec("999", "answer_999.band_share", f"band={BANDS_999[2]}", "Published band: 60 s or more", "share",
             "published band"),
        Spec("999", "answer_999.median_s", "all", "999 answer time, median", "seconds"),
        Spec("999", "answer_999.abandoned_share", "all", "999 calls abandoned", "share",
             f"abandoned after waiting {abandon} or more", trend=True),
        Spec("101", "call_101.presented", "all", "101 calls presented", "count"),
        Spec("101", "call_101.mean_wait_s", "all", "101 average wait to answer", "seconds",
             "no national standard", trend=True),
        Spec("101", "call_101.abandoned_share", "all", "101 abandonment rate", "share",
             f"abandoned after waiting {abandon} or more (shorter abandons excluded)", trend=True),
        Spec("digital", "digital.presented", "all", "Digital contacts presented", "count"),
        Spec("digital", "digital.awaiting_response", "all", "Digital contacts still awaiting a response", "count"),
        Spec("digital", "digital.closed_without_response", "all", "Digital contacts closed without a response",
             "count"),
        Spec("digital", "digital.first_response.median_s", "all", "Digital time to first response, median",
             "minutes", "no national standard", trend=True),
        Spec("digital", "digital.first_response.p90_s", "all", "Digital time to first response, 90th percentile",
             "minutes", "no national standard"),
    ]
    for grade, (urban, rural) in standards.attendance_targets_s.items():
        times = duration(urban) if urban == rural else f"{duration(urban)} urban, {duration(rural)} rural"
        aim = f"{standards.attendance_share:.0%} within"
        out += [
            Spec("attendance", "attendance.within_target_share", f"grade={grade}",
                 f"Grade {grade} attended within target", "share", f"{aim} {times} (force aim)", trend=True),
            Spec("attendance", "attendance.within_target_share", f"grade={grade}/area=urban",
                 f"Grade {grade} urban attended within target", "share", f"{aim} {duration(urban)} (force aim)"),
            Spec("attendance", "attendance.within_target_share", f"grade={grade}/area=rural",
                 f"Grade {grade} rural attended within target", "share", f"{aim} {duration(rural)} (force aim)"),
            Spec("attendance", "attendance.median_s", f"grade={grade}/area=urban",
                 f"Grade {grade} urban attendance time, median", "minutes"),
            Spec("attendance", "attendance.p90_s", f"grade={grade}/area=urban",
                 f"Grade {grade} urban attendance time, 90th percentile", "minutes"),
            Spec("attendance", "attendance.median_s", f"grade={grade}/area=rural",
                 f"Grade {grade} rural attendance time, median", "minutes"),
            Spec("attendance", "attendance.p90_s", f"grade={grade}/area=rural",
                 f"Grade {grade} rural attendance time, 90th percentile", "minutes"),
        ]
    callback = duration(standards.callback_target_s)
    out += [
        Spec("attendance", "appointments.kept_share", "all", "Appointments kept", "share", trend=True),
        Spec("resolution", "resolution.rwd_share", "all", "Resolved without deployment", "share", trend=True),
        Spec("resolution", "resolution.callback_within_target_share", "all", f"Called back within {callback}",
             "share", f"first callback within {callback}", trend=True),
        Spec("resolution", "resolution.callback_median_s", "all", "Time to first callback, median", "hours"),
        Spec("quality", "contacts.risk_assessed_share", "all", "Risk assessment (THRIVE+) complete", "share",
             trend=True),
        Spec("quality", "contacts.vulnerability_identified_share", "all", "Vulnerability identified", "share",
             trend=True),
        Spec("quality", "contacts.safeguarding_share", "all", "Vulnerable contacts with a safeguarding action",
             "share", trend=True),
        Spec("quality", "contacts.grade_override_share", "all", "Recommended grade overridden", "share",
             trend=True),
        Spec("demand", "demand.contacts", "all", "Contacts (all channels)", "count", trend=True),
        Spec("demand", "contacts.repeat_share", "all", "Contacts from a repeat caller (28 days)", "share",
             trend=True),
    ]
    return out


def _row(pack: MeasuresPack, spec: Spec) -> Row | None:
    try:
        return pack.get(spec.measure, spec.segment)
    except KeyError:  # a grade with a target in the rules and no such grade in the data: no row
        return None


def _status(row: Row | None) -> str:
    if row is None or row.value is None:
        return NO_DATA
    if row.target is None:
        return NO_TARGET
    return MET if row.met else NOT_MET


def _basis(row: Row | None, spec: Spec) -> str:
    if row is None:
        return "none in the period"
    unit = DEFINITIONS[spec.measure].unit
    if unit == "share":
        return f"{number(row.numerator)} of {number(row.denominator)}" if row.denominator else "none"
    if unit == "seconds":
        n = int(row.denominator or 0)
        return f"over {n:,} {'time' if n == 1 else 'times'}" if n else "none"
    return ""


def headline(spec: Spec, pack: MeasuresPack, previous: MeasuresPack) -> Headline:
    row, before = _row(pack, spec), _row(previous, spec)
    value = None if row is None else row.value
    prev = None if before is None else before.value
    standard = spec.standard or ("no standard" if spec.shown not in ("share", "count") else
                                 "no target" if spec.shown == "share" else "")
    if row is not None and row.target is not None and spec.standard is None:
        standard = f"{row.target:.0%}"
    return Headline(spec.part, f"{spec.measure}[{spec.segment}]", spec.label, spec.shown, value,
                    figure(value, spec.shown), prev, figure(prev, spec.shown), standard, _status(row),
                    _basis(row, spec))


def _point(label: str, pack: MeasuresPack, spec: Spec) -> TrendPoint:
    row = _row(pack, spec)
    value = None if row is None else row.value
    return TrendPoint(label, value, figure(value, spec.shown))


def trend(spec: Spec, packs: list[tuple[str, MeasuresPack]], previous: list[tuple[str, MeasuresPack]],
          total: MeasuresPack, previous_total: MeasuresPack) -> Trend:
    row = _row(total, spec)
    return Trend(spec.part, f"{spec.measure}[{spec.segment}]", spec.label, spec.shown,
                 None if row is None else row.target,
                 [_point(label, p, spec) for label, p in packs], [_point(label, p, spec) for label, p in previous],
                 _point("Whole period", total, spec), _point("Whole period", previous_total, spec))


# ------------------------------------------------------------------ demand

def channel_label(name: str) -> str:
    return name.replace("_", " ").capitalize()


def _channel_names(pack: MeasuresPack) -> list[str]:
    return [seg.split("=", 1)[1] for seg in pack.by_measure("demand.contacts") if seg != "all"]


def demand(pack: MeasuresPack, previous: MeasuresPack) -> list[Breakdown]:
    channels = [c for c in _channel_names(pack)
                if pack.value("demand.contacts", f"channel={c}") or previous.value("demand.contacts", f"channel={c}")]
    hours = [f"{h:02d}" for h in range(24)]

    def values(p: MeasuresPack, measure: str, segments: list[str]) -> list[float | None]:
        return [p.value(measure, s) for s in segments]

    return [
        Breakdown("channel", "Contacts by channel", "count", "contacts", [channel_label(c) for c in channels],
                  values(pack, "demand.contacts", [f"channel={c}" for c in channels]),
                  values(previous, "demand.contacts", [f"channel={c}" for c in channels])),
        Breakdown("hour", "Contacts per hour, by hour of day (local time)", "rate", "contacts per hour", hours,
                  values(pack, "demand.by_hour", [f"hour={h}" for h in hours]),
                  values(previous, "demand.by_hour", [f"hour={h}" for h in hours])),
        Breakdown("day", "Contacts per day, by day of the week (local time)", "rate", "contacts per day",
                  [d.capitalize() for d in WEEKDAYS],
                  values(pack, "demand.by_day", [f"day={d}" for d in WEEKDAYS]),
                  values(previous, "demand.by_day", [f"day={d}" for d in WEEKDAYS])),
    ]


# ------------------------------------------------------------------ quality

def interpret_kappa(a: Agreement) -> str:
    """Landis and Koch's (1977) words for kappa, the scale reviewers usually quote."""
    if a.pairs == 0:
        return "no double-marked pairs yet"
    if a.kappa is None:
        return "cannot be computed: both reviewers gave one and the same answer throughout"
    k = round(a.kappa, 2)  # judged as shown: 0.40 is fair, whatever the last bits of the float
    if k < 0:
        return "poor (worse than chance)"
    for upper, words in ((0.20, "slight"), (0.40, "fair"), (0.60, "moderate"), (0.80, "substantial")):
        if k <= upper:
            return words
    return "almost perfect"


def _quality_item(item: quality.ItemReport) -> QualityItem:
    a = item.agreement
    return QualityItem(item.label, item.answered, item.yes_share, percent(item.yes_share), a.pairs, a.kappa,
                       "–" if a.kappa is None else f"{a.kappa:.2f}", interpret_kappa(a))


def quality_section(session: Session, *, start: date, end: date, checklist: Checklist) -> QualitySection:
    r = quality.report(session, period_start=start, period_end=end - timedelta(days=1), checklist=checklist)
    return QualitySection(r.done, r.open, r.pairs, [_quality_item(i) for i in r.items], _quality_item(r.overall),
                          f"{checklist.name} v{checklist.version}")


# ------------------------------------------------------------------ other forces

def comparison(session: Session, *, start: date, end: date, ours: MeasuresPack, force: str) -> Comparison:
    """Other forces' imported figures for exactly this period beside ours (reports.compare's
    table: the compare page shows the same rows)."""
    from demandhub.measures.exchange_store import Period
    from demandhub.reports import compare

    rows = compare.table(session, period=Period(start, end), ours=ours, force_name=force)
    forces = [c.force for c in rows[0].cells] if rows else [force]
    if len(forces) < 2:
        return Comparison(f"No other force's figures have been imported for exactly {day_range(start, end)}. "
                          "Import their exchange files (CSV or Parquet, docs/measures.md) for the same period to "
                          "see them here.", "", forces, [])

    def cell(c, unit: str) -> str:
        if not c.held:
            return "not sent"
        text = figure(c.value, "seconds" if unit == "seconds" else unit if unit in ("share", "count") else "rate")
        if c.met is not None:
            text += ", met" if c.met else ", not met"
        if not c.same_version:
            text += f" (definitions {c.definitions_version})"
        return text

    shown = [ComparisonRow(r.label, [cell(c, r.unit) for c in r.cells]) for r in rows]
    mixed = any(r.mixed_versions for r in rows)
    return Comparison(
        f"The headline measures for {day_range(start, end)} beside the figures other forces published for the same "
        "local-calendar period in their exchange files." + (
            " Some figures were computed under other definition versions: they are marked, and are not the same "
            "measure." if mixed else ""),
        f"Definitions version {DEFINITIONS_VERSION} unless marked; 'not sent': that force's file has no such figure.",
        forces, shown)


# ------------------------------------------------------------------ assembling

def instant(day: date, timezone: str) -> datetime:
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(timezone)).astimezone(UTC)


def assemble(session: Session, *, start: date, end: date, now: datetime, force: str, grades: Sequence[str],
             standards: Standards, checklist: Checklist, commentary: Commentary | None = None,
             compare: bool = False) -> BoardReport:
    """The whole paper for local days [start, end), read as at `now`."""
    check_period(start, end)
    tz = standards.timezone
    areas = force_areas(session)

    def pack(a: date, b: date) -> MeasuresPack:
        frames = load_frames(session, start=instant(a, tz), end=instant(b, tz), as_of=now, grades=grades,
                             standards=standards, areas=areas)
        return measures_pack(frames, standards)

    prev_start, prev_end = previous_period(start, end)
    unit = granularity(start, end)
    total, previous_total = pack(start, end), pack(prev_start, prev_end)
    current = [(s.label, pack(s.start, s.end)) for s in spans(start, end, unit)]
    earlier = [(s.label, pack(s.start, s.end)) for s in spans(prev_start, prev_end, unit)]

    chosen = specs(standards)
    parts = []
    for slot in SLOTS:
        if slot == "summary":
            continue
        mine = [s for s in chosen if s.part == slot]
        parts.append(Part(slot, SLOT_TITLES[slot], [headline(s, total, previous_total) for s in mine],
                          [trend(s, current, earlier, total, previous_total) for s in mine if s.trend]))
    local_now = now.astimezone(ZoneInfo(tz))
    notes = []
    untimed = total.value("answer_999.without_answer_time") or 0
    if untimed:
        notes.append(f"{int(untimed):,} of {int(total.value('answer_999.presented') or 0):,} 999 calls have no "
                     "answer time recorded (an imported system's records, say): they are counted as demand and "
                     "left out of every answer-time figure.")
    pending = sum((r.value or 0) for r in total.by_measure("attendance.pending").values()
                  if r.segment.count("/") == 0)
    if pending:
        notes.append(f"{int(pending):,} incidents were still awaiting a unit within their target when the figures "
                     "were read: counted, not yet judged.")
    return BoardReport(
        force=force, start=start, end=end, period_text=day_range(start, end), previous_start=prev_start,
        previous_end=prev_end, previous_text=day_range(prev_start, prev_end), timezone=tz, generated=now,
        generated_text=f"{local_now.day} {local_now:%b %Y at %H:%M} ({tz})", definitions_version=DEFINITIONS_VERSION,
        granularity=unit, parts=parts, demand=demand(total, previous_total),
        quality=quality_section(session, start=start, end=end, checklist=checklist),
        commentary=commentary or Commentary(), notes=notes,
        comparison=comparison(session, start=start, end=end, ours=total, force=force) if compare else None)
