"""The percentile method (type 7, as numpy's default and PostgreSQL's percentile_cont) and the
force's local clock across daylight-saving changes."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from demandhub.measures import localtime
from demandhub.measures.stats import grouped_percentiles, percentiles


def test_percentiles_by_hand():
    assert percentiles(np.array([]), (0.5,))[0] != percentiles(np.array([]), (0.5,))[0]  # NaN: no data
    assert percentiles(np.array([7.0]), (0.5, 0.9)).tolist() == [7.0, 7.0]
    # Even count: the median is the mean of the middle two; p90 of [1, 2, 3, 4]: h = 2.7 -> 3.7.
    assert percentiles(np.array([4.0, 1.0, 3.0, 2.0]), (0.5, 0.9)) == pytest.approx([2.5, 3.7])


def test_grouped_percentiles_agree_with_numpy_linear_in_every_group():
    rng = np.random.default_rng(7)
    values = rng.exponential(300.0, 5000)
    groups = rng.integers(-1, 6, 5000)  # -1: left out
    values[rng.integers(0, 5000, 50)] = np.nan  # NaN: left out
    got = grouped_percentiles(values, groups, 7, (0.5, 0.9))
    for g in range(7):
        mine = values[(groups == g) & ~np.isnan(values)]
        if len(mine):
            assert got[g] == pytest.approx(np.percentile(mine, [50, 90], method="linear"), rel=1e-12)
        else:
            assert np.isnan(got[g]).all()


def test_the_london_clock_changes_are_found_to_the_second():
    lo = datetime(2026, 1, 1, tzinfo=UTC).timestamp()
    hi = datetime(2027, 1, 1, tzinfo=UTC).timestamp()
    breaks, offsets = localtime.transitions("Europe/London", lo, hi)
    assert [datetime.fromtimestamp(b, UTC) for b in breaks] == [datetime(2026, 3, 29, 1, tzinfo=UTC),
                                                                datetime(2026, 10, 25, 1, tzinfo=UTC)]
    assert offsets.tolist() == [0, 3600, 0]


def test_local_hours_either_side_of_the_changes():
    t = np.array([datetime(2026, 3, 29, 0, 59, 59, tzinfo=UTC).timestamp(),   # 00:59:59 GMT
                  datetime(2026, 3, 29, 1, 0, 0, tzinfo=UTC).timestamp(),     # 02:00:00 BST
                  datetime(2026, 10, 25, 0, 59, 59, tzinfo=UTC).timestamp(),  # 01:59:59 BST
                  datetime(2026, 10, 25, 1, 0, 0, tzinfo=UTC).timestamp()])   # 01:00:00 GMT
    local = localtime.local_seconds(t, "Europe/London", t.min(), t.max())
    assert localtime.hour_of_day(local).tolist() == [0, 2, 1, 1]
    assert localtime.day_of_week(local).tolist() == [6, 6, 6, 6]  # Sundays


def test_a_year_of_local_clock_adds_up():
    start = datetime(2026, 1, 1, tzinfo=UTC).timestamp()  # local midnight (GMT)
    end = datetime(2027, 1, 1, tzinfo=UTC).timestamp()
    hours = localtime.hours_shown("Europe/London", start, end)
    assert hours.sum() == 8760
    # Hour 01 shows for 0 hours on 29 March and for 2 on 25 October: 365 in the year, like every other hour.
    assert hours.tolist() == [365.0] * 24
    days = localtime.days_shown("Europe/London", start, end)
    assert days.sum() == pytest.approx(365) and days[3] == pytest.approx(53)  # 2026 begins and ends on a Thursday


@pytest.mark.parametrize("timezone, start, end", [
    ("Europe/London", datetime(2026, 3, 28, tzinfo=UTC), datetime(2026, 3, 31, tzinfo=UTC)),
    ("Europe/London", datetime(2026, 10, 24, tzinfo=UTC), datetime(2026, 10, 27, tzinfo=UTC)),
    ("Asia/Kathmandu", datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 3, tzinfo=UTC)),  # UTC+5:45
    ("Africa/Monrovia", datetime(1972, 1, 1, tzinfo=UTC), datetime(1972, 1, 14, tzinfo=UTC)),  # -0:44:30, then 0
])
def test_counting_by_local_hour_and_day_agrees_with_zoneinfo_one_by_one(timezone, start, end):
    from zoneinfo import ZoneInfo
    rng = np.random.default_rng(3)
    lo, hi = start.timestamp(), end.timestamp()
    instants = np.concatenate((rng.uniform(lo, hi, 2000), np.arange(lo, hi, 900.0)))  # and every quarter hour
    keys = rng.integers(0, 3, len(instants))
    by_hour, by_day = localtime.count_by_hour_and_day(instants, keys, 3, timezone, lo, hi)
    want_hour, want_day = np.zeros((3, 24)), np.zeros((3, 7))
    for t, k in zip(instants, keys):
        local = datetime.fromtimestamp(t, ZoneInfo(timezone))
        want_hour[k, local.hour] += 1
        want_day[k, local.weekday()] += 1
    assert by_hour.tolist() == want_hour.tolist() and by_day.tolist() == want_day.tolist()
