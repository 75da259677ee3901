"""The force's local clock for whole arrays of UTC instants, daylight saving included.

zoneinfo answers one instant at a time; a period has only a handful of offset changes, so
they are found once (sampled hourly, then pinned to the second by bisection) and every instant
gets its offset by a binary search over them.

Demand by hour is counted on the local wall clock: on the day the clocks go forward the hour
01:00-01:59 never happens in Europe/London (23-hour day); on the day they go back it happens
twice (25-hour day) and both count as hour 01. So that an average per hour stays honest, the
denominators here measure how long the local clock actually showed each hour (and each day of
the week) inside the period.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np


def _offset(zone: ZoneInfo, t: float) -> int:
    return int(datetime.fromtimestamp(t, zone).utcoffset().total_seconds())


def transitions(timezone: str, lo: float, hi: float) -> tuple[np.ndarray, np.ndarray]:
    """(breaks, offsets): the instants in [lo, hi] where the UTC offset changes, ascending, and
    the offset in seconds in force before the first break and from each break on (one more)."""
    zone = ZoneInfo(timezone)
    first = np.floor(lo / 3600.0) * 3600.0
    samples = np.arange(first, hi + 3600.0, 3600.0)
    offs = [_offset(zone, float(t)) for t in samples]
    breaks, offsets = [], [offs[0]]
    for i in range(1, len(samples)):
        if offs[i] != offs[i - 1]:
            a, b = int(samples[i - 1]), int(samples[i])  # offset(a) != offset(b): the change is in (a, b]
            while b - a > 1:
                mid = (a + b) // 2
                a, b = (mid, b) if _offset(zone, mid) == offs[i - 1] else (a, mid)
            breaks.append(float(b))
            offsets.append(offs[i])
    return np.asarray(breaks, dtype=np.float64), np.asarray(offsets, dtype=np.int64)


def local_seconds(instants: np.ndarray, timezone: str, lo: float, hi: float) -> np.ndarray:
    """Local wall-clock seconds since 1970-01-01 00:00 local, for instants within [lo, hi]."""
    breaks, offsets = transitions(timezone, lo, hi)
    return instants + offsets[np.searchsorted(breaks, instants, side="right")]


QUARTER_S = 900  # every UTC offset and clock change in use is a whole number of quarter hours


def count_by_hour_and_day(instants: np.ndarray, keys: np.ndarray, n_keys: int, timezone: str, start: float,
                          end: float) -> tuple[np.ndarray, np.ndarray]:
    """Counts (n_keys, 24) by local hour of day and (n_keys, 7) by local day of week (Monday
    first) of the instants in [start, end), each under its key (a channel code, say).

    Fast path: instants are counted into UTC quarter hours (integer arithmetic, one bincount),
    and each quarter hour, which lies wholly inside one local hour when offsets and changes
    are whole quarter hours, is then placed on the local clock. Otherwise, one by one."""
    instants = np.asarray(instants, dtype=np.float64)
    keys = np.asarray(keys).astype(np.int64)
    breaks, offsets = transitions(timezone, start, end)
    inside = (instants >= start) & (instants < end)
    if not inside.all():
        instants, keys = instants[inside], keys[inside]
    aligned = (start >= 0 and not (breaks % QUARTER_S).any() and not (offsets % QUARTER_S).any())
    if not aligned:  # Africa/Monrovia before 1972 (UTC-0:44:30), say
        local = instants + offsets[np.searchsorted(breaks, instants, side="right")]
        by_hour = np.zeros((n_keys, 24)); by_day = np.zeros((n_keys, 7))
        np.add.at(by_hour, (keys, hour_of_day(local)), 1)
        np.add.at(by_day, (keys, day_of_week(local)), 1)
        return by_hour, by_day
    q0 = int(start // QUARTER_S)
    nq = int(-(-end // QUARTER_S)) - q0
    quarter = instants.astype(np.int64) // QUARTER_S - q0  # instants >= 0: truncation is floor
    counts = np.bincount(keys * nq + quarter, minlength=n_keys * nq).reshape(n_keys, nq).astype(np.float64)
    first = (q0 + np.arange(nq, dtype=np.int64)) * QUARTER_S
    local = first + offsets[np.searchsorted(breaks, first, side="right")]
    hour, day = hour_of_day(local.astype(np.float64)), day_of_week(local.astype(np.float64))
    by_hour = counts @ (hour[:, None] == np.arange(24)[None, :])
    by_day = counts @ (day[:, None] == np.arange(7)[None, :])
    return by_hour, by_day


def hour_of_day(local: np.ndarray) -> np.ndarray:
    return (np.floor_divide(local, 3600.0) % 24).astype(np.int8)


def day_of_week(local: np.ndarray) -> np.ndarray:
    """0 Monday .. 6 Sunday (1970-01-01 was a Thursday)."""
    return ((np.floor_divide(local, 86400.0) + 3) % 7).astype(np.int8)


def hours_shown(timezone: str, start: float, end: float) -> np.ndarray:
    """For each hour of day 0..23, how many hours within [start, end) the local clock showed it."""
    breaks, offsets = transitions(timezone, start, end)
    inside = breaks[(breaks > start) & (breaks < end)]
    edges = np.concatenate(([start], inside, [end]))
    shown = np.zeros(24, dtype=np.float64)
    for a, b in zip(edges[:-1], edges[1:]):
        offset = offsets[np.searchsorted(breaks, a, side="right")]
        la, lb = a + offset, b + offset
        k = np.arange(np.floor(la / 3600.0), np.ceil(lb / 3600.0))
        overlap = np.minimum(lb, (k + 1) * 3600.0) - np.maximum(la, k * 3600.0)
        np.add.at(shown, (k % 24).astype(np.int64), np.clip(overlap, 0.0, None) / 3600.0)
    return shown


def days_shown(timezone: str, start: float, end: float) -> np.ndarray:
    """For each day of week (Monday first), how many local days the period covers: each local
    date counts by the fraction of its own length (23, 24 or 25 hours) inside [start, end)."""
    zone = ZoneInfo(timezone)
    shown = np.zeros(7, dtype=np.float64)
    day = datetime.fromtimestamp(start, zone).date()
    last = datetime.fromtimestamp(end, zone).date()
    while day <= last:
        a = datetime.combine(day, time(0), tzinfo=zone).timestamp()
        b = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone).timestamp()
        covered = min(b, end) - max(a, start)
        if covered > 0:
            shown[day.weekday()] += covered / (b - a)
        day += timedelta(days=1)
    return shown
