"""Half hours on the force's local clock, daylight saving included.

A plan is read by the half hour of the local day ("Friday 22:30"), so every half hour here is
a real 30-minute stretch of time named by the local clock. Local days are walked from local
midnight to the next local midnight in steps of 30 real minutes, so:

- the day the clocks go forward has 46 half hours (Europe/London: 01:00 and 01:30 never
  happen), and the plan for that day simply has no 01:00 or 01:30 rows;
- the day the clocks go back has 50: 01:00 and 01:30 happen twice, shown as "01:00" and
  "01:00 (2nd)". Both are real half hours with their own demand and their own staff, and
  both are forecast from the 01:00 (or 01:30) of earlier weeks.

The key of a half hour for seasonality is (day of week, half hour of the local day 0..47):
the second 01:00 shares the key of the first. Every UTC offset in use is a whole number of
quarter hours, so a half hour starting at local hh:00 or hh:30 is 30 real minutes (a zone
whose clock changes by 30 minutes, Lord Howe, still walks correctly, its keys following its clock).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np

HALF_HOUR_S = 1800
PER_DAY = 48
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True)
class Slots:
    """Consecutive local half hours, one entry per half hour (arrays of equal length)."""

    start: np.ndarray  # int64: the instant each half hour starts, seconds since the epoch (UTC)
    day: np.ndarray  # int64: the local date, as date.toordinal()
    weekday: np.ndarray  # int8: 0 Monday .. 6 Sunday
    half_hour: np.ndarray  # int8: 0 (00:00) .. 47 (23:30) on the local clock
    repeat: np.ndarray  # bool: the second time this local half hour happened that day (clocks went back)

    def __len__(self) -> int:
        return len(self.start)

    @property
    def key(self) -> np.ndarray:
        """Seasonal key 0..335: weekday x 48 + half hour."""
        return self.weekday.astype(np.int64) * PER_DAY + self.half_hour

    def dates(self) -> list[date]:
        return [date.fromordinal(int(d)) for d in self.day]

    def label(self, i: int) -> str:
        h = int(self.half_hour[i])
        return f"{h // 2:02d}:{30 * (h % 2):02d}" + (" (2nd)" if self.repeat[i] else "")

    def take(self, mask: np.ndarray) -> Slots:
        return Slots(self.start[mask], self.day[mask], self.weekday[mask], self.half_hour[mask], self.repeat[mask])


def local_midnight(day: date, timezone: str) -> int:
    """The instant local `day` starts (a zone whose clock skips midnight starts the day at the first time shown)."""
    return int(datetime.combine(day, time(0), tzinfo=ZoneInfo(timezone)).timestamp())


def half_hours(first: date, last: date, timezone: str) -> Slots:
    """Every local half hour of the local dates first..last inclusive."""
    if last < first:
        return Slots(*(np.zeros(0, dtype=t) for t in (np.int64, np.int64, np.int8, np.int8)), np.zeros(0, bool))
    zone = ZoneInfo(timezone)
    starts, days, weekdays, halves, repeats = [], [], [], [], []
    day = first
    begin = local_midnight(day, timezone)
    while day <= last:
        end = local_midnight(day + timedelta(days=1), timezone)
        seen: set[int] = set()
        for t in range(begin, end, HALF_HOUR_S):
            local = datetime.fromtimestamp(t, UTC).astimezone(zone)
            h = local.hour * 2 + local.minute // 30
            starts.append(t); days.append(day.toordinal()); weekdays.append(day.weekday())
            halves.append(h); repeats.append(h in seen)
            seen.add(h)
        day, begin = day + timedelta(days=1), end
    return Slots(np.asarray(starts, np.int64), np.asarray(days, np.int64), np.asarray(weekdays, np.int8),
                 np.asarray(halves, np.int8), np.asarray(repeats, bool))


def local_date(instant: datetime, timezone: str) -> date:
    return instant.astimezone(ZoneInfo(timezone)).date()


def when(slots: Slots, i: int) -> datetime:
    return datetime.fromtimestamp(int(slots.start[i]), UTC)
