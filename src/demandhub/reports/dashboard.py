"""What the supervisor's live dashboard reads and computes: the queues now, the units, and
today's measures against target.

Every figure is a handful of set-based SELECTs (counts and minimums, never one query per
row), so a panel can be re-read on every live event. The queues use the same rules as the
desks' own screens (incidents.service.queue, contacts.digital.waiting, the resolution
desk's due time, vulnerability.advice) but count in SQL rather than load the first 500
rows, so a busy day is never undercounted. Today's measures are the published measures
(docs/measures.md) over the local day so far, computed once per change and shared by every
open dashboard in the process (PackCache).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import sqlalchemy as sa
from sqlalchemy.orm import Session

from demandhub.assessment.models import GradingDecision
from demandhub.contacts.channels import Channel
from demandhub.contacts.digital import DIGITAL_CHANNELS
from demandhub.contacts.models import Contact
from demandhub.dispatch.models import Assignment
from demandhub.dispatch.rules import DispatchRules
from demandhub.events.service import latest_id
from demandhub.geo.areas import AreaMap
from demandhub.incidents.lifecycle import ACTIVE
from demandhub.incidents.models import Incident
from demandhub.measures import localtime
from demandhub.measures.compute import measures_pack
from demandhub.measures.definitions import DEFINITIONS, FORCE_INITIATED_CHANNELS, Standards
from demandhub.measures.load import force_areas, load_frames
from demandhub.measures.pack import MeasuresPack, Row
from demandhub.web.charts import Chart, Series, bar_chart
from demandhub.resolution.models import Appointment, AppointmentSlot, CallbackAttempt
from demandhub.resolution.rules import APPOINTMENT_GRADE, RESOLUTION_GRADE
from demandhub.resources.models import Unit
from demandhub.resources.status import ON_INCIDENT, UnitStatus
from demandhub.vulnerability.advice import OPEN as ADVICE_OPEN
from demandhub.vulnerability.models import AdviceRequest
from demandhub.vulnerability.vocab import Specialism

_ACTIVE = [s.value for s in ACTIVE]
LONGEST_SHOWN = 5  # the incidents waiting longest for a unit, listed by reference
WEEKS_COMPARED = 4  # demand today beside the same weekday over this many weeks before


@dataclass(frozen=True)
class Force:
    """What the dashboard needs to know about the force (from the app's policy, rules and settings)."""

    timezone: str
    grades: tuple[str, ...]  # the grading policy's codes, most urgent first
    grade_labels: Mapping[str, str]
    rules: DispatchRules
    standards: Standards
    callback_target: timedelta

    def label(self, grade: str) -> str:
        return self.grade_labels.get(grade, grade)

    @property
    def targeted_grades(self) -> list[str]:
        """Grades with an attendance target: the ones that wait for a unit, in policy order."""
        targets = self.rules.attendance_targets_minutes
        return [g for g in self.grades if g in targets] + sorted(set(targets) - set(self.grades))


def local_day(now: datetime, timezone: str) -> tuple[datetime, datetime]:
    """[local midnight, next local midnight) as UTC instants: 23 or 25 hours apart on a clock-change
    day. (UTC, because Python subtracts two times of one zone by their wall clocks.)"""
    zone = ZoneInfo(timezone)
    day = now.astimezone(zone).date()
    return (datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC),
            datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC))


def duration_text(seconds: float | None) -> str:
    """'1 h 05 m', '4 m 05 s', '12 s': a wait as a supervisor reads it from across the room."""
    if seconds is None or math.isnan(seconds):
        return "–"
    total = max(0, int(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes:02d} m"
    if minutes:
        return f"{minutes} m {secs:02d} s"
    return f"{secs} s"


def _since(now: datetime, at: datetime | None) -> float | None:
    return None if at is None else (now - at).total_seconds()


# --- Queues now ---------------------------------------------------------------------------

@dataclass(frozen=True)
class WaitingIncident:
    reference: str
    grade: str
    area: str  # urban | rural (no position: urban, the stricter target)
    wait_s: float
    target_s: float
    breaching: bool  # waited longer than its grade's target for its area


@dataclass(frozen=True)
class GradeWait:
    grade: str
    label: str
    waiting: int
    oldest_wait_s: float | None
    past_target: int
    target_text: str  # "15 min urban / 20 min rural"

    @property
    def breaching(self) -> bool:
        return self.past_target > 0


@dataclass(frozen=True)
class IncidentQueue:
    grades: list[GradeWait]
    longest: list[WaitingIncident]

    @property
    def past_target(self) -> int:
        return sum(g.past_target for g in self.grades)


def _target_text(rules: DispatchRules, grade: str) -> str:
    t = rules.attendance_targets_minutes[grade]
    if t.urban == t.rural:
        return f"{t.urban:g} min"
    return f"{t.urban:g} min urban / {t.rural:g} min rural"


def incidents_waiting(session: Session, *, force: Force, areas: AreaMap, now: datetime) -> IncidentQueue:
    """Active incidents of a grade with an attendance target that no unit is on and no unit
    has reached: a unit stood down before arriving puts the incident back here. The wait runs
    from creation, as the attendance clock does (dispatch.attendance)."""
    grades = force.targeted_grades
    working = sa.select(Assignment.id).where(Assignment.incident_id == Incident.id,
                                             sa.or_(Assignment.ended_at.is_(None), Assignment.at_scene_at.is_not(None)))
    rows = session.execute(
        sa.select(Incident.reference, Incident.grade, Incident.created_at, Incident.latitude, Incident.longitude)
        .where(Incident.status.in_(_ACTIVE), Incident.grade.in_(grades), ~working.exists())
        .order_by(Incident.created_at, Incident.id)).all()
    waiting: list[WaitingIncident] = []
    for r in rows:
        area = areas.classify(r.latitude, r.longitude) if r.latitude is not None else "urban"
        target = force.rules.target_s(r.grade, area)
        wait = (now - r.created_at).total_seconds()
        waiting.append(WaitingIncident(r.reference or "", r.grade, area, wait, target, wait > target))
    per_grade = []
    for grade in grades:
        mine = [w for w in waiting if w.grade == grade]
        per_grade.append(GradeWait(grade=grade, label=force.label(grade), waiting=len(mine),
                                   oldest_wait_s=max((w.wait_s for w in mine), default=None),
                                   past_target=sum(w.breaching for w in mine),
                                   target_text=_target_text(force.rules, grade)))
    rank = {g: i for i, g in enumerate(grades)}
    longest = sorted(waiting, key=lambda w: (not w.breaching, rank[w.grade], -w.wait_s))[:LONGEST_SHOWN]
    return IncidentQueue(per_grade, longest)


@dataclass(frozen=True)
class DigitalQueue:
    waiting: int  # open and no first response yet
    longest_wait_s: float | None
    urgent: int  # of those waiting: an emergency channel, or marked urgent for risk cues
    in_hand: int  # open and responded to, not yet ended
    by_channel: dict[str, int]  # waiting, by channel label


def digital_queue(session: Session, *, now: datetime) -> DigitalQueue:
    """The open digital contacts (as contacts.digital.waiting: not ended), counted."""
    rows = session.execute(
        sa.select(Contact.channel, Contact.presented_at, Contact.answered_at, Contact.urgent)
        .where(Contact.channel.in_([c.value for c in DIGITAL_CHANNELS]), Contact.ended_at.is_(None))).all()
    waiting = [r for r in rows if r.answered_at is None]
    by_channel = {c.label: 0 for c in DIGITAL_CHANNELS}
    for r in waiting:
        by_channel[Channel(r.channel).label] += 1
    return DigitalQueue(
        waiting=len(waiting),
        longest_wait_s=_since(now, min((r.presented_at for r in waiting), default=None)),
        urgent=sum(1 for r in waiting if r.urgent or Channel(r.channel).is_emergency),
        in_hand=len(rows) - len(waiting), by_channel=by_channel)


@dataclass(frozen=True)
class ResolutionDesk:
    on_desk: int  # active incidents of the desk's grade
    not_called: int  # of those, no callback attempt recorded yet
    overdue: int  # not called and past the callback target
    due_today: int  # not called, due before the end of the local day, not yet overdue
    most_overdue_s: float | None  # how long past due the most overdue one is
    target_text: str


def resolution_desk(session: Session, *, force: Force, now: datetime, day_end: datetime) -> ResolutionDesk:
    """The desk's due time is when the incident got the desk's grade plus the callback target
    (resolution.service.queue); a callback attempt, whatever its outcome, is the force trying
    (docs/measures.md 2.7), so an incident with one is no longer waiting for its callback."""
    tried = sa.select(CallbackAttempt.id).where(CallbackAttempt.incident_id == Incident.id).exists()
    rows = session.execute(
        sa.select(GradingDecision.decided_at, tried.label("tried")).select_from(Incident)
        .join(GradingDecision, GradingDecision.id == Incident.grading_decision_id)
        .where(Incident.status.in_(_ACTIVE), Incident.grade == RESOLUTION_GRADE)).all()
    due = [r.decided_at + force.callback_target for r in rows if not r.tried]
    overdue = [d for d in due if d < now]
    hours = force.callback_target.total_seconds() / 3600
    return ResolutionDesk(
        on_desk=len(rows), not_called=len(due), overdue=len(overdue),
        due_today=sum(1 for d in due if now <= d < day_end),
        most_overdue_s=_since(now, min(overdue, default=None)), target_text=f"callback within {hours:g} h")


@dataclass(frozen=True)
class AppointmentsToday:
    total: int  # appointments whose slot starts today (local day), any status
    booked: int  # still to happen or not yet recorded
    attended: int
    missed: int
    cancelled: int
    next_at: datetime | None  # the next booked appointment still to start today
    awaiting_booking: int  # active appointment-grade incidents with none booked (any day)


def appointments_today(session: Session, *, now: datetime, day: tuple[datetime, datetime]) -> AppointmentsToday:
    start, end = day
    counts = dict(session.execute(
        sa.select(Appointment.status, sa.func.count()).join(AppointmentSlot, AppointmentSlot.id == Appointment.slot_id)
        .where(AppointmentSlot.starts_at >= start, AppointmentSlot.starts_at < end)
        .group_by(Appointment.status)).all())
    next_at = session.scalar(
        sa.select(sa.func.min(AppointmentSlot.starts_at)).join(Appointment, Appointment.slot_id == AppointmentSlot.id)
        .where(Appointment.status == "booked", AppointmentSlot.starts_at >= now, AppointmentSlot.starts_at < end))
    # As resolution.appointments.awaiting_booking: no appointment booked or attended.
    has = sa.select(Appointment.id).where(Appointment.incident_id == Incident.id,
                                          Appointment.status.in_(("booked", "attended"))).exists()
    awaiting = session.scalar(sa.select(sa.func.count()).select_from(Incident).where(
        Incident.status.in_(_ACTIVE), Incident.grade == APPOINTMENT_GRADE, ~has)) or 0
    return AppointmentsToday(total=sum(counts.values()), booked=counts.get("booked", 0),
                             attended=counts.get("attended", 0), missed=counts.get("missed", 0),
                             cancelled=counts.get("cancelled", 0), next_at=next_at, awaiting_booking=awaiting)


@dataclass(frozen=True)
class AdviceWaiting:
    specialism: str
    label: str
    waiting: int
    oldest_wait_s: float | None


def advice_waiting(session: Session, *, now: datetime) -> list[AdviceWaiting]:
    """Specialist advice requests not yet answered, by specialism (every specialism shown, 0 too)."""
    found = {s: (n, oldest) for s, n, oldest in session.execute(
        sa.select(AdviceRequest.specialism, sa.func.count(), sa.func.min(AdviceRequest.requested_at))
        .where(AdviceRequest.status == ADVICE_OPEN).group_by(AdviceRequest.specialism)).all()}
    out = []
    for s in Specialism:
        n, oldest = found.get(s.value, (0, None))
        out.append(AdviceWaiting(s.value, s.label, n, _since(now, oldest)))
    return out


# --- Units --------------------------------------------------------------------------------

@dataclass(frozen=True)
class UnitCount:
    kind: str
    label: str
    available: int
    on_incident: int  # assigned, en route or at scene
    committed: int  # busy away from any incident: custody, statements, refreshment
    off_duty: int

    @property
    def on_duty(self) -> int:
        return self.available + self.on_incident + self.committed


def units_by_kind(session: Session) -> tuple[list[UnitCount], UnitCount]:
    """One row per kind of unit the force has, and the total."""
    counts: dict[str, dict[str, int]] = {}
    for kind, status, n in session.execute(
            sa.select(Unit.kind, Unit.status, sa.func.count()).group_by(Unit.kind, Unit.status)).all():
        counts.setdefault(kind, {})[status] = n
    on_incident = [s.value for s in ON_INCIDENT]

    def row(kind: str, label: str, c: Mapping[str, int]) -> UnitCount:
        return UnitCount(kind, label, c.get(UnitStatus.AVAILABLE.value, 0), sum(c.get(s, 0) for s in on_incident),
                         c.get(UnitStatus.COMMITTED.value, 0), c.get(UnitStatus.OFF_DUTY.value, 0))

    rows = [row(kind, kind.replace("_", " ").capitalize(), counts[kind]) for kind in sorted(counts)]
    total: dict[str, int] = {}
    for c in counts.values():
        for status, n in c.items():
            total[status] = total.get(status, 0) + n
    return rows, row("all", "All units", total)


# --- Today's measures ---------------------------------------------------------------------

class PackCache:
    """Today's measures pack, shared by every dashboard open in this process.

    Why: every committed change sends an event to every open dashboard, and each redraws the
    panels that read the pack (measures, charts; the JSON too). Loading a busy day's frames
    takes about half a second (1,500 contacts a day; most of it is load_frames reading 28 days
    of caller numbers for repeat demand), so without this N supervisors and a wallboard would
    each load the whole day on every event, and during a major incident the dashboard could
    take a core from the call handlers.

    The rules: a pack is reused while nothing has been recorded since (the newest outbox event
    and contact are unchanged) and it is under `max_age_s` old, by the app's clock; after that
    it is recomputed, so figures that change only with time (a grade 1 whose target has just
    passed) are never staler than that. And however fast changes come, the pack is recomputed
    at most once every `min_interval_s`: in a burst, readers get the pack of a moment ago
    (which says its own as_of) and the page's 15-second tick picks up the rest. One computation
    at a time: those who arrive during it wait and share its result."""

    def __init__(self, max_age_s: float = 5.0, min_interval_s: float = 2.0):
        self.max_age_s = max_age_s
        self.min_interval_s = min_interval_s
        self._lock = threading.Lock()
        self._entry: tuple[tuple, datetime, MeasuresPack] | None = None
        self.computed = 0  # how many times it had to compute (for tests and curiosity)

    def get(self, key: tuple, now: datetime, compute: Callable[[], MeasuresPack]) -> MeasuresPack:
        with self._lock:
            if self._entry is not None:
                old_key, at, pack = self._entry
                age = (now - at).total_seconds()
                if 0 <= age < (self.max_age_s if old_key == key else self.min_interval_s):
                    return pack
            pack = compute()
            self.computed += 1
            self._entry = (key, now, pack)
            return pack


def change_mark(session: Session) -> tuple[int, int]:
    """What has been recorded so far: the newest live event and the newest contact (a voice call
    that opens no incident publishes no event). Two index lookups."""
    return latest_id(session), session.scalar(sa.select(sa.func.max(Contact.id))) or 0


def today_pack(session: Session, *, force: Force, now: datetime, areas: AreaMap | None = None,
               cache: PackCache | None = None) -> MeasuresPack:
    """The measures pack for the local day so far: the day's records, read as of now."""
    start, end = local_day(now, force.timezone)

    def compute() -> MeasuresPack:
        frames = load_frames(session, start=start, end=end, as_of=now, grades=list(force.grades),
                             standards=force.standards, areas=areas if areas is not None else force_areas(session))
        return measures_pack(frames, force.standards)

    if cache is None:
        return compute()
    return cache.get((start, *change_mark(session)), now, compute)


@dataclass(frozen=True)
class Figure:
    """One measure as the dashboard says it: its value, what it is out of, and its target."""

    measure: str
    segment: str
    name: str
    value: float | None
    value_text: str
    detail: str  # what it is over: "7 of 8 answered"
    target: float | None
    target_text: str
    state: str  # met | not_met | no_target | no_data

    @property
    def state_text(self) -> str:
        return {"met": "Met", "not_met": "Not met", "no_target": "No target set", "no_data": "No data yet"}[self.state]


def _pct(value: float) -> str:
    return f"{100 * value:.1f}".rstrip("0").rstrip(".") + "%"


def _n(value: float | None) -> int:
    return 0 if value is None or math.isnan(value) else int(round(value))


def figure(row: Row, *, name: str | None = None, detail: str = "") -> Figure:
    unit = DEFINITIONS[row.measure].unit
    if row.value is None:
        text = "No data yet"
    elif unit == "share":
        text = _pct(row.value)
    elif unit == "seconds":
        text = duration_text(row.value)
    else:
        text = f"{row.value:g}"
    if row.value is None:
        state = "no_data"
    elif row.target is None:
        state = "no_target"
    else:
        state = "met" if row.met else "not_met"
    target_text = "" if row.target is None else (f"at least {_pct(row.target)}" if unit == "share" else str(row.target))
    return Figure(row.measure, row.segment, name or DEFINITIONS[row.measure].name, row.value, text, detail,
                  row.target, target_text, state)


def headline(pack: MeasuresPack) -> list[Figure]:
    """The figures a supervisor watches, each over what it is computed from."""
    within = pack.get("answer_999.within_10s_share")
    wait = pack.get("call_101.mean_wait_s")
    abandoned = pack.get("call_101.abandoned_share")
    digital = pack.get("digital.first_response.median_s")
    rwd = pack.get("resolution.rwd_share")
    n_abandoned = _n(abandoned.numerator)
    return [
        figure(within, name="999 answered in under 10 seconds",
               detail=f"{_n(within.numerator)} of {_n(within.denominator)} answered; "
                      f"{_n(pack.value('answer_999.presented'))} presented"),
        figure(wait, name="101 average wait to answer",
               detail=f"over {_n(wait.denominator)} answered; {_n(pack.value('call_101.presented'))} presented"),
        figure(abandoned, name="101 calls abandoned",
               detail=f"{n_abandoned} of {_n(abandoned.denominator)} (after 5 s or more); "
                      f"{_n(pack.value('call_101.short_abandons'))} short abandons not counted"),
        figure(digital, name="Digital time to first response (median)",
               detail=f"over {_n(digital.denominator)} responded; "
                      f"{_n(pack.value('digital.awaiting_response'))} still awaiting a response"),
        figure(rwd, name="Resolved without deployment",
               detail=f"{_n(rwd.numerator)} of {_n(rwd.denominator)} incidents closed today"),
    ]


@dataclass(frozen=True)
class AttendanceRow:
    grade: str
    label: str
    area: str  # all | urban | rural
    share: Figure
    judged: int
    median_text: str
    pending: int
    target_text: str  # the grade's time target for the area


def attendance(pack: MeasuresPack, force: Force) -> list[AttendanceRow]:
    rows = []
    for grade in force.targeted_grades:
        t = force.rules.attendance_targets_minutes[grade]
        for area, segment, minutes in (("all", f"grade={grade}", None), ("urban", f"grade={grade}/area=urban", t.urban),
                                       ("rural", f"grade={grade}/area=rural", t.rural)):
            try:
                share = pack.get("attendance.within_target_share", segment)
            except KeyError:  # a grade the standards have no target for
                continue
            rows.append(AttendanceRow(
                grade=grade, label=force.label(grade), area=area,
                share=figure(share, detail=f"{_n(share.numerator)} of {_n(share.denominator)} within target"),
                judged=_n(share.denominator), median_text=duration_text(pack.value("attendance.median_s", segment)),
                pending=_n(pack.value("attendance.pending", segment)),
                target_text=_target_text(force.rules, grade) if minutes is None else f"{minutes:g} min"))
    return rows


def by_grade(rows: list[AttendanceRow]) -> list[list[AttendanceRow]]:
    """The rows in runs of one grade, in the order given (the policy's, most urgent first)."""
    groups: list[list[AttendanceRow]] = []
    for row in rows:
        if not groups or groups[-1][0].grade != row.grade:
            groups.append([])
        groups[-1].append(row)
    return groups


# --- Demand by hour -----------------------------------------------------------------------

@dataclass(frozen=True)
class DemandByHour:
    hours: list[str]  # "00" .. "23", local clock
    today: list[float | None]  # contacts in the hour today; None: the hour has not begun
    average: list[float | None]  # contacts per hour on the same weekday, the weeks before
    weekday: str  # "Saturday"
    weeks: int
    today_total: int


def demand_by_hour(session: Session, pack: MeasuresPack, *, now: datetime, timezone: str,
                   weeks: int = WEEKS_COMPARED) -> DemandByHour:
    """Today from the pack (demand.by_hour), the same weekdays before from one SELECT of their
    contacts' presented times, counted on the local clock exactly as the measure counts them
    (an hour the clock showed twice counts twice as long: docs/measures.md 1.5)."""
    zone = ZoneInfo(timezone)
    local_now = now.astimezone(zone)
    today = local_now.date()
    days = [local_day(datetime.combine(today - timedelta(weeks=w), time(12), tzinfo=zone), timezone)
            for w in range(1, weeks + 1)]
    in_any = sa.or_(*[sa.and_(Contact.presented_at >= a, Contact.presented_at < b) for a, b in days])
    instants = np.fromiter((t.timestamp() for t in session.scalars(
        sa.select(Contact.presented_at).where(in_any, Contact.channel.not_in(FORCE_INITIATED_CHANNELS)))), np.float64)
    counted, shown = np.zeros(24), np.zeros(24)
    for a, b in days:
        start, end = a.timestamp(), b.timestamp()
        mine = instants[(instants >= start) & (instants < end)]
        by_hour, _ = localtime.count_by_hour_and_day(mine, np.zeros(len(mine), np.int64), 1, timezone, start, end)
        counted += by_hour[0]
        shown += localtime.hours_shown(timezone, start, end)
    average = [float(c / s) if s > 0 else None for c, s in zip(counted, shown)]
    rows = pack.by_measure("demand.by_hour")
    current = local_now.hour
    # None after the current hour (not begun) and for an hour the clock skipped (spring forward).
    today_counts = [None if h > current else rows[f"hour={h:02d}"].value for h in range(24)]
    return DemandByHour(hours=[f"{h:02d}" for h in range(24)], today=today_counts, average=average,
                        weekday=f"{today:%A}", weeks=weeks, today_total=_n(pack.value("demand.contacts")))


# --- Charts -------------------------------------------------------------------------------

def demand_chart(d: DemandByHour) -> Chart:
    return bar_chart(title=f"Contacts by hour: today and the average {d.weekday} of the last {d.weeks} weeks",
                     categories=d.hours, series=[Series("Today", d.today),
                                                 Series(f"Average {d.weekday}, last {d.weeks} weeks", d.average)],
                     unit="contacts", width=640, height=250)


def attendance_chart(rows: list[AttendanceRow]) -> Chart:
    """Share attended within target today, urban and rural side by side per grade."""
    grades = list(dict.fromkeys(r.grade for r in rows))
    share = {(r.grade, r.area): r.share.value for r in rows}

    def pct(grade: str, area: str) -> float | None:
        value = share.get((grade, area))
        return None if value is None else 100 * value

    target = next((r.share.target for r in rows if r.share.target is not None), None)
    return bar_chart(title="Attended within target today, by grade",
                     categories=[f"Grade {g}" for g in grades],
                     series=[Series("Urban", [pct(g, "urban") for g in grades]),
                             Series("Rural", [pct(g, "rural") for g in grades])],
                     unit="%", target=None if target is None else 100 * target, width=640, height=250)
