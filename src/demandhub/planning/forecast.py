"""Contacts per local half hour, forecast from the same half hour of the same weekday in recent weeks.

The model (chosen by backtest: docs/measures.md, "Forecasting and staffing"; benchmarks/forecast.py):

1. For each of the 336 half hours of the week, take that half hour's counts in each of the
   last k weeks of history (a half hour that happened twice, when the clocks went back,
   counts as the mean of the two; one that never happened, when they went forward, is
   missing that week and left out).
2. Their **trimmed mean**: the highest and lowest week are dropped when there are at least
   5 weeks (a major incident, or a quiet bank holiday, moves it little), the plain mean with
   fewer. This is the weekly seasonality; the daily shape is in it, since each weekday has
   its own 48 half hours.
3. **Smoothed** over the two half hours either side with weights 1-2-3-2-1 (around the week:
   Sunday 23:30 is next to Monday 00:00): demand does not jump at the half hour, but counts
   of a few calls do, and smoothing removes much of that noise for little bias (the
   backtest: 1-2-3-2-1 beat 1-2-1, which beat none, on synthetic and San Diego data alike).

The point forecast is that profile, the same each week ahead. The range: the counts are
taken to vary about the forecast as a negative binomial whose variance is a multiple
(`dispersion`, at least 1: Poisson) of its mean. The multiple is measured on the history
itself by leaving each week out in turn, forecasting it from the others, and taking the
mean squared Pearson residual; so it includes the error of the profile as well as the
randomness of the calls. With under 2 weeks of history it cannot be measured, and the range
is Poisson (and says so).

The baseline every forecast here is judged against is seasonal naive: the same half hour
last week (`seasonal_naive`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from demandhub.planning.slots import PER_DAY, Slots

WEEK = 7 * PER_DAY  # 336 half hours
TRIM_FROM = 5  # weeks of history from which the highest and lowest are dropped
KERNEL = np.array([1, 2, 3, 2, 1]) / 9  # over the half hours -2..+2: about 2.5 hours wide


@dataclass(frozen=True)
class Forecast:
    point: np.ndarray  # expected contacts in each target half hour
    low: np.ndarray  # the range: `coverage` of half hours are expected within [low, high]
    high: np.ndarray
    coverage: float
    dispersion: float  # variance / mean of the counts about the forecast (1: Poisson)
    measured: bool  # False: too little history to measure the dispersion; Poisson assumed
    weeks: int  # weeks of history the profile is the mean of


def by_week(counts: np.ndarray, slots: Slots) -> np.ndarray:
    """(weeks, 336): row 0 the most recent 7 days of the history, each column a half hour of the
    week; NaN where that half hour did not happen (clocks forward) or is before the history."""
    if len(slots) == 0:
        return np.full((0, WEEK), np.nan)
    back = (int(slots.day.max()) - slots.day) // 7
    weeks = int(back.max()) + 1
    total = np.zeros((weeks, WEEK))
    seen = np.zeros((weeks, WEEK))
    np.add.at(total, (back, slots.key), counts)
    np.add.at(seen, (back, slots.key), 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(seen > 0, total / np.maximum(seen, 1), np.nan)


def _trimmed_mean(weeks: np.ndarray) -> np.ndarray:
    """Column-wise over the weeks that have a value: drop one highest and one lowest when 5 or more."""
    n = np.sum(~np.isnan(weeks), axis=0)
    ordered = np.sort(weeks, axis=0)  # NaN sort last
    filled = np.where(np.isnan(ordered), 0.0, ordered)
    total = filled.sum(axis=0)
    trim = n >= TRIM_FROM
    lowest = filled[0]
    highest = np.take_along_axis(filled, np.maximum(n - 1, 0)[None, :], axis=0)[0]
    total = np.where(trim, total - lowest - highest, total)
    kept = np.where(trim, n - 2, n)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(kept > 0, total / np.maximum(kept, 1), np.nan)


def _smooth(profile: np.ndarray) -> np.ndarray:
    half = len(KERNEL) // 2
    return sum(w * np.roll(profile, half - i) for i, w in enumerate(KERNEL))


def _fill(profile: np.ndarray) -> np.ndarray:
    """A half hour with no value in any week (only ever skipped by the clocks) takes its neighbours' mean."""
    if not np.isnan(profile).any():
        return profile
    if np.isnan(profile).all():
        return np.zeros_like(profile)
    out = profile.copy()
    for i in np.flatnonzero(np.isnan(profile)):
        j = [profile[(i + d) % WEEK] for d in (-1, 1, -2, 2, -3, 3) if not np.isnan(profile[(i + d) % WEEK])]
        out[i] = np.mean(j[:2])
    return out


STATISTICS = {
    "trimmed": _trimmed_mean,
    "mean": lambda w: _nan_stat(np.nanmean, w),
    "median": lambda w: _nan_stat(np.nanmedian, w),
}


def _nan_stat(fn, w: np.ndarray) -> np.ndarray:
    empty = np.isnan(w).all(axis=0)
    return np.where(empty, np.nan, fn(np.where(empty[None, :], 0.0, w), axis=0))


def profile(weeks: np.ndarray, k: int | None = None, *, stat: str = "trimmed", smooth: bool = True) -> np.ndarray:
    """The expected count in each of the 336 half hours of the week from the last k weeks (all
    if None). `stat` and `smooth` other than the defaults are there for the backtest."""
    recent = weeks[:k] if k else weeks
    if len(recent) == 0:
        return np.zeros(WEEK)
    p = _fill(STATISTICS[stat](recent))
    return _smooth(p) if smooth else p


def _dispersion(weeks: np.ndarray, k: int | None) -> tuple[float, bool]:
    """Mean squared Pearson residual of each week forecast from the other weeks (at least 1)."""
    recent = weeks[:k] if k else weeks
    if len(recent) < 2:
        return 1.0, False
    squares, n = 0.0, 0
    for j in range(len(recent)):
        others = np.delete(recent, j, axis=0)
        f = profile(others)
        y = recent[j]
        ok = ~np.isnan(y) & (f > 0)
        squares += float((((y[ok] - f[ok]) ** 2) / f[ok]).sum())
        n += int(ok.sum())
    if n == 0:
        return 1.0, False
    # Leaving a week out forecasts from one week fewer than the plan will use: scale the part
    # of the error that is the profile's own (variance ~ 1/weeks) back to the full history.
    m = len(recent)
    phi = squares / n
    return max(1.0, phi * (1 + 1 / _kept(m)) / (1 + 1 / _kept(m - 1))), True


def _kept(weeks: int) -> float:
    # Smoothing averages neighbours too: the profile's variance is that of a mean of this many values.
    return max(weeks - 2 if weeks >= TRIM_FROM else weeks, 1) / float((KERNEL ** 2).sum())


def interval(point: np.ndarray, dispersion: float, coverage: float) -> tuple[np.ndarray, np.ndarray]:
    """Central `coverage` range of a negative binomial with mean `point` and variance dispersion x mean."""
    from scipy import stats  # here, not at import: it costs half a second to load

    tail = (1 - coverage) / 2
    mean = np.maximum(point, 1e-9)
    if dispersion <= 1.0 + 1e-9:
        low, high = stats.poisson.ppf(tail, mean), stats.poisson.ppf(1 - tail, mean)
    else:
        size, p = mean / (dispersion - 1), 1 / dispersion
        low, high = stats.nbinom.ppf(tail, size, p), stats.nbinom.ppf(1 - tail, size, p)
    zero = point <= 0
    return np.where(zero, 0.0, low), np.where(zero, 0.0, high)


def forecast(counts: np.ndarray, history: Slots, target: Slots, *, weeks: int | None = None,
             coverage: float = 0.8) -> Forecast:
    """Forecast the `target` half hours from `counts` over the `history` half hours."""
    if not 0 < coverage < 1:
        raise ValueError("the range's coverage is a share between 0 and 1")
    table = by_week(np.asarray(counts, dtype=np.float64), history)
    point = profile(table, weeks)[target.key]
    phi, measured = _dispersion(table, weeks)
    low, high = interval(point, phi, coverage)
    used = min(len(table), weeks) if weeks else len(table)
    return Forecast(point, low, high, coverage, phi, measured, used)


def seasonal_naive(counts: np.ndarray, history: Slots, target: Slots) -> np.ndarray:
    """The baseline: the same half hour of the most recent week in which it happened."""
    table = by_week(np.asarray(counts, dtype=np.float64), history)
    last = np.full(WEEK, np.nan)
    for row in table[::-1]:  # the most recent week wins
        last = np.where(np.isnan(row), last, row)
    return np.nan_to_num(last)[target.key]


@dataclass(frozen=True)
class Errors:
    mae: float  # mean absolute error per half hour
    mape: float  # mean absolute percentage error over half hours with at least one contact
    wape: float  # total absolute error / total contacts (a percentage error that zeros cannot break)


def errors(actual: np.ndarray, predicted: np.ndarray) -> Errors:
    actual, predicted = np.asarray(actual, float), np.asarray(predicted, float)
    diff = np.abs(actual - predicted)
    some = actual > 0
    return Errors(float(diff.mean()), float((diff[some] / actual[some]).mean()) if some.any() else float("nan"),
                  float(diff.sum() / actual.sum()) if actual.sum() > 0 else float("nan"))
