"""Local half hours (daylight saving), the forecast, its range, and the backtests that chose it."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest

from demandhub.planning import forecast as fc
from demandhub.planning.history import ChannelTimes, History
from demandhub.planning.plan import build
from demandhub.planning.slots import half_hours
from demandhub.planning.standards import load_standards
from tests.planning import synthetic

LONDON = "Europe/London"
SAN_DIEGO = Path("/work/shared/data/sandiego/pd_calls_for_service_2023_datasd.csv")


# --- the local clock

def test_an_ordinary_day_has_48_half_hours():
    day = half_hours(date(2026, 11, 2), date(2026, 11, 2), LONDON)
    assert len(day) == 48 and list(day.half_hour) == list(range(48)) and not day.repeat.any()
    assert np.all(np.diff(day.start) == 1800)


def test_the_day_the_clocks_go_forward_has_46_half_hours_and_no_0100_or_0130():
    day = half_hours(date(2026, 3, 29), date(2026, 3, 29), LONDON)
    labels = [day.label(i) for i in range(len(day))]
    assert len(day) == 46 and "01:00" not in labels and "01:30" not in labels
    assert labels[:3] == ["00:00", "00:30", "02:00"]
    assert np.all(np.diff(day.start) == 1800)  # every one is 30 real minutes


def test_the_day_the_clocks_go_back_has_50_half_hours_with_0100_and_0130_twice():
    day = half_hours(date(2026, 10, 25), date(2026, 10, 25), LONDON)
    labels = [day.label(i) for i in range(len(day))]
    assert len(day) == 50
    assert labels[2:6] == ["01:00", "01:30", "01:00 (2nd)", "01:30 (2nd)"]
    assert int(day.key[2]) == int(day.key[4])  # the second 01:00 is forecast as an 01:00
    assert np.all(np.diff(day.start) == 1800)


def test_a_week_counts_a_repeated_half_hour_as_the_mean_of_the_two_and_a_skipped_one_as_missing():
    slots = half_hours(date(2026, 10, 19), date(2026, 10, 25), LONDON)  # Mon..Sun, clocks back on Sunday
    counts = np.ones(len(slots))
    counts[(slots.day == date(2026, 10, 25).toordinal()) & (slots.half_hour == 2)] = [4, 8]
    table = fc.by_week(counts, slots)
    assert table.shape == (1, 336) and table[0, 6 * 48 + 2] == 6
    spring = half_hours(date(2026, 3, 23), date(2026, 3, 29), LONDON)
    table = fc.by_week(np.ones(len(spring)), spring)
    assert np.isnan(table[0, 6 * 48 + 2]) and np.isnan(table[0, 6 * 48 + 3]) and np.nansum(table) == 7 * 48 - 2


# --- the forecast

def test_steady_demand_is_forecast_as_itself_with_a_range_around_it():
    slots = synthetic.weeks_of(date(2026, 9, 7), 6)
    counts = np.full(len(slots), 12.0)
    target = half_hours(date(2026, 10, 19), date(2026, 10, 25), LONDON)
    f = fc.forecast(counts, slots, target)
    assert np.allclose(f.point, 12.0) and len(f.point) == len(target) == 48 * 7 + 2
    assert f.dispersion == 1.0 and f.measured  # no variation measured: Poisson, the least there is
    assert np.all(f.low <= 12) and np.all(f.high >= 12) and np.all(f.high - f.low >= 6)


def test_no_history_forecasts_no_demand_and_says_the_range_was_not_measured():
    empty = half_hours(date(2026, 9, 7), date(2026, 9, 6), LONDON)
    target = half_hours(date(2026, 9, 8), date(2026, 9, 8), LONDON)
    f = fc.forecast(np.zeros(0), empty, target)
    assert np.all(f.point == 0) and np.all(f.high == 0) and not f.measured


def test_a_major_incident_in_one_week_moves_the_forecast_little():
    slots = synthetic.weeks_of(date(2026, 9, 7), 8)
    counts = np.full(len(slots), 10.0)
    counts[(slots.day == date(2026, 10, 30).toordinal()) & (slots.half_hour == 40)] = 200
    target = half_hours(date(2026, 11, 6), date(2026, 11, 6), LONDON)  # the next Friday
    f = fc.forecast(counts, slots, target)
    assert f.point[40] == pytest.approx(10.0)  # the highest week is trimmed away


def _backtest(level, seeds=range(4)):
    ours, naive = [], []
    for seed in seeds:
        span = synthetic.weeks_of(date(2026, 8, 3), 9)
        y = synthetic.counts(span, seed=seed, level=level, growth_per_week=0.005)
        h = span.day < date(2026, 9, 28).toordinal()
        history, target = span.take(h), span.take(~h)
        ours.append(np.abs(fc.forecast(y[h], history, target).point - y[~h]).mean())
        naive.append(np.abs(fc.seasonal_naive(y[h], history, target) - y[~h]).mean())
    return np.mean(ours), np.mean(naive)


@pytest.mark.parametrize("level", [2.0, 10.0, 30.0])
def test_on_synthetic_seasonal_data_the_forecast_beats_seasonal_naive_by_a_fifth(level):
    # Measured (benchmarks/forecast.py, 5 seeds x 4 origins): 25-31% lower MAE than seasonal naive.
    ours, naive = _backtest(level)
    assert ours <= 0.8 * naive, (ours, naive)


def test_the_80_percent_range_holds_about_80_percent_of_half_hours():
    inside = n = 0
    for seed in range(4):
        span = synthetic.weeks_of(date(2026, 8, 3), 9)
        y = synthetic.counts(span, seed=50 + seed, level=10.0)
        h = span.day < date(2026, 9, 28).toordinal()
        f = fc.forecast(y[h], span.take(h), span.take(~h))
        inside += int(((y[~h] >= f.low) & (y[~h] <= f.high)).sum()); n += int((~h).sum())
    assert 0.78 <= inside / n <= 0.92  # counts are whole numbers: a range of them holds at least its share


def _san_diego():
    slots = half_hours(date(2023, 1, 1), date(2023, 1, 20), "America/Los_Angeles")
    index = {(int(d), int(h)): i for i, (d, h) in enumerate(zip(slots.day, slots.half_hour))}
    y = np.zeros(len(slots))
    with open(SAN_DIEGO, newline="", encoding="utf-8-sig") as handle:
        for row in csv.DictReader(handle):
            t = row["date_time"]  # local clock time
            y[index[(date.fromisoformat(t[:10]).toordinal(), int(t[11:13]) * 2 + int(t[14:16]) // 30)]] += 1
    return slots, y


def test_on_the_san_diego_calls_two_weeks_forecast_the_next_six_days_better_than_seasonal_naive():
    slots, y = _san_diego()
    h = slots.day < date(2023, 1, 15).toordinal()
    history, target = slots.take(h), slots.take(~h)
    f = fc.forecast(y[h], history, target)
    ours, naive = fc.errors(y[~h], f.point), fc.errors(y[~h], fc.seasonal_naive(y[h], history, target))
    # Measured: MAE 5.05 against 6.41 (-21%); MAPE 22.5% against 27.9%.
    assert ours.mae <= 0.85 * naive.mae and ours.mape < naive.mape
    assert 0.7 <= np.mean((y[~h] >= f.low) & (y[~h] <= f.high)) <= 0.95


def test_errors_are_defined_where_there_are_zeros():
    e = fc.errors(np.array([0, 2, 4]), np.array([1, 1, 4]))
    assert (e.mae, e.mape, e.wape) == (pytest.approx(2 / 3), pytest.approx(0.25), pytest.approx(2 / 6))


# --- the plan over a clock change

def test_the_plan_for_the_day_the_clocks_go_back_has_50_rows_per_channel_and_staffs_each():
    slots = synthetic.weeks_of(date(2026, 8, 31), 8)
    counts = np.vstack([synthetic.counts(slots, seed=1, level=12)])
    history = History(date(2026, 8, 31), date(2026, 10, 25), LONDON, slots, ("999",), counts,
                      {"999": ChannelTimes(240.0, 500, None, 0)})
    plan = build(history, ["999"], first=date(2026, 10, 25), days=2, standards=load_standards(None))
    sunday = plan.rows_on(date(2026, 10, 25))
    assert len(sunday) == 50 and len(plan.rows_on(date(2026, 10, 26))) == 48
    first, second = sunday[2], sunday[4]
    assert (first.time, second.time) == ("01:00", "01:00 (2nd)")
    assert first.forecast == second.forecast and first.on_phones == second.on_phones > 0
    assert (second.starts_at - first.starts_at) == timedelta(hours=1)
    assert all(r.rostered >= r.on_phones and r.need_high.on_phones >= r.on_phones for r in sunday)
