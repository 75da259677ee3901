"""The staffing plan: history read, demand forecast and handlers needed, per local half hour and
channel. What the CLI prints, the /planning page shows and the board report takes as rows."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TextIO

from sqlalchemy.orm import Session

from demandhub.contacts.channels import Channel
from demandhub.errors import Invalid
from demandhub.planning import forecast as fc
from demandhub.planning.history import History, read_history
from demandhub.planning.slots import DAY_NAMES, half_hours
from demandhub.planning.staffing import Need, handlers_needed
from demandhub.planning.standards import ChannelStandard, PlanningStandards

MAX_DAYS = 28
MAX_WEEKS = 52


@dataclass(frozen=True)
class PlanRow:
    channel: str
    starts_at: datetime  # UTC
    day: date  # local date
    time: str  # local clock: "01:00", or "01:00 (2nd)" the second time on the day the clocks go back
    forecast: float  # contacts expected in the half hour
    low: float  # the forecast's range
    high: float
    need: Need | None  # None: the channel has no standard in the planning file (forecast only)
    need_high: Need | None  # handlers for the top of the range

    @property
    def on_phones(self) -> int | None:
        return self.need.on_phones if self.need else None

    @property
    def rostered(self) -> int | None:
        return self.need.rostered if self.need else None

    def as_dict(self) -> dict:
        n, h = self.need, self.need_high
        return {"channel": self.channel, "starts_at": self.starts_at.isoformat(), "date": self.day.isoformat(),
                "time": self.time, "forecast": round(self.forecast, 2), "low": int(self.low), "high": int(self.high),
                "on_phones": n.on_phones if n else None, "rostered": n.rostered if n else None,
                "on_phones_at_high": h.on_phones if h else None, "rostered_at_high": h.rostered if h else None,
                "service_level": None if n is None or n.service_level is None else round(n.service_level, 4),
                "occupancy": None if n is None or n.occupancy is None else round(n.occupancy, 4),
                "model": n.model if n else "no standard", "problem": n.problem if n else None}


@dataclass(frozen=True)
class ChannelPlan:
    channel: str
    label: str
    standard: ChannelStandard | None
    shrinkage: float | None
    aht_s: float
    aht_from: int  # contacts the handling time is the mean of (0: the default or the file's)
    patience_s: float | None  # None: Erlang C
    abandons: int
    model: str  # erlang_c, erlang_a, or "no standard"
    dispersion: float
    range_measured: bool
    history_contacts: int
    note: str = ""


@dataclass(frozen=True)
class Plan:
    first: date
    days: int
    timezone: str
    history_first: date
    history_last: date
    standards: PlanningStandards
    coverage: float
    channels: list[ChannelPlan]
    rows: list[PlanRow] = field(repr=False)

    def dates(self) -> list[date]:
        return [self.first + timedelta(days=i) for i in range(self.days)]

    def rows_on(self, day: date, channel: str | None = None) -> list[PlanRow]:
        return [r for r in self.rows if r.day == day and (channel is None or r.channel == channel)]

    def by_time(self, day: date) -> list[tuple[str, datetime, dict[str, PlanRow]]]:
        """The day's half hours in order, each with its row per channel (for a table across channels)."""
        out: dict[datetime, tuple[str, dict[str, PlanRow]]] = {}
        for r in self.rows_on(day):
            out.setdefault(r.starts_at, (r.time, {}))[1][r.channel] = r
        return [(t, at, per) for at, (t, per) in sorted(out.items())]

    def day_summary(self, day: date) -> dict[str, dict]:
        """Per channel: contacts forecast that day, and the most handlers needed in any half hour."""
        out = {}
        for c in self.channels:
            rows = self.rows_on(day, c.channel)
            out[c.channel] = {"contacts": sum(r.forecast for r in rows),
                              "peak_on_phones": max((r.on_phones or 0 for r in rows), default=0) if c.standard else None,
                              "peak_rostered": max((r.rostered or 0 for r in rows), default=0) if c.standard else None,
                              "rostered_hours": sum((r.rostered or 0) for r in rows) / 2 if c.standard else None,
                              "problems": sum(1 for r in rows if r.need and not r.need.met)}
        return out


def _label(channel: str) -> str:
    try:
        return Channel(channel).label
    except ValueError:
        return channel


def check(*, days: int, weeks_history: int) -> None:
    problems = []
    if not 1 <= days <= MAX_DAYS:
        problems.append({"field": "days", "message": f"from 1 to {MAX_DAYS} days"})
    if not 1 <= weeks_history <= MAX_WEEKS:
        problems.append({"field": "weeks_history", "message": f"from 1 to {MAX_WEEKS} weeks"})
    if problems:
        raise Invalid("the plan's period is out of range", problems=problems)


def make_plan(session: Session, *, first: date, days: int, weeks_history: int, timezone: str,
              standards: PlanningStandards, channels: Sequence[str] | None = None,
              history_until: date | None = None) -> Plan:
    """Plan the local dates first .. first + days - 1 from the `weeks_history` whole weeks of
    history ending the day before `history_until` (default: `first`; pass today to plan ahead
    from what has been recorded by now). `channels`: those planned (default: every channel in
    the standards file, then any other met in the history, forecast only)."""
    check(days=days, weeks_history=weeks_history)
    if channels is not None:
        unknown = [c for c in channels if c not in {ch.value for ch in Channel} - {Channel.CALLBACK.value}]
        if unknown:
            raise Invalid(f"unknown channel {unknown[0]!r}", problems=[{"field": "channel", "message": "not a channel"}])
    last_history = min(history_until or first, first) - timedelta(days=1)
    first_history = last_history - timedelta(days=7 * weeks_history - 1)
    history = read_history(session, first=first_history, last=last_history, timezone=timezone,
                           default_aht_s=standards.default_aht_s, min_handled=standards.min_handled,
                           channels=list(channels) if channels is not None else list(standards.channels))
    names = list(channels) if channels is not None else list(history.channels)
    return build(history, names, first=first, days=days, standards=standards)


def build(history: History, channels: Iterable[str], *, first: date, days: int,
          standards: PlanningStandards) -> Plan:
    """The plan from history already read (pure: no database)."""
    target = half_hours(first, first + timedelta(days=days - 1), history.timezone)
    dates, times = target.dates(), [target.label(i) for i in range(len(target))]
    starts = [datetime.fromtimestamp(int(t), UTC) for t in target.start]
    plans, rows = [], []
    for channel in channels:
        f = fc.forecast(history.of(channel), history.slots, target, coverage=standards.coverage)
        std = standards.channels.get(channel)
        times_ = history.times[channel]
        aht = std.aht_s if std and std.aht_s else times_.aht_s
        patience, note = None, ""
        if std and std.abandonment:
            patience = std.patience_s or times_.patience_s
            if patience is None:
                note = "callers give up, but the history has no abandons to measure patience from: Erlang C"
        model = "no standard" if std is None else ("erlang_a" if patience else "erlang_c")
        shrinkage = standards.shrinkage_of(channel) if std else None
        plans.append(ChannelPlan(channel, _label(channel), std, shrinkage, aht,
                                 0 if std and std.aht_s else times_.aht_from, patience,
                                 times_.abandons, model, f.dispersion, f.measured,
                                 int(history.of(channel).sum()), note))
        for i in range(len(target)):
            need = need_high = None
            if std is not None:
                need = _need(f.point[i], std, aht, patience, shrinkage, standards)
                need_high = need if f.high[i] == f.point[i] else _need(f.high[i], std, aht, patience, shrinkage,
                                                                       standards)
            rows.append(PlanRow(channel, starts[i], dates[i], times[i], float(f.point[i]), float(f.low[i]),
                                float(f.high[i]), need, need_high))
    return Plan(first, days, history.timezone, history.first, history.last, standards, standards.coverage, plans, rows)


def _need(calls: float, std: ChannelStandard, aht: float, patience: float | None, shrinkage: float,
          standards: PlanningStandards) -> Need:
    return handlers_needed(calls=float(calls), aht_s=aht, target_s=std.target_s, service_level=std.service_level,
                           shrinkage=shrinkage, max_occupancy=standards.max_occupancy, patience_s=patience,
                           max_abandon=std.max_abandon_share if patience else None, minimum=std.minimum)


CSV_COLUMNS = ("channel", "date", "time", "starts_at", "forecast", "low", "high", "on_phones", "rostered",
               "on_phones_at_high", "rostered_at_high", "service_level", "occupancy", "model", "problem")


def write_csv(plan: Plan, out: TextIO) -> int:
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    for r in plan.rows:
        writer.writerow(r.as_dict())
    return len(plan.rows)


def check_start(first: date, today: date) -> None:
    """A plan starts between 2000 and a year from today (history before, a forecast after)."""
    if not date(2000, 1, 1) <= first <= today + timedelta(days=366):
        raise Invalid("the plan must start between 2000 and a year from now",
                      problems=[{"field": "start", "message": "out of range"}])


def weekday_name(day: date) -> str:
    return DAY_NAMES[day.weekday()]
