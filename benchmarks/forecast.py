"""Backtest the half-hour demand forecasts: which model the plan uses, and by how much it beats
the seasonal-naive baseline (the same half hour last week). Not a test.

Two data sets:

- **synthetic** (tests/planning/synthetic.py): a known weekly and daily shape, Fri/Sat late
  nights, negative-binomial noise (variance 1.3 x mean), a major incident tripling a half
  hour now and then, optional growth; Europe/London, with the October clock change inside.
  Rolling origin: 8 weeks of history, the next 7 days forecast, the origin moved a week at a
  time (`--origins`), for each of `--seeds` seeds and three volumes (2, 10, 30 per half hour).
- **San Diego** (/work/shared/data/sandiego, 1-20 January 2023, America/Los_Angeles), read
  straight from the CSV: (a) the first 14 days forecast the last 6; (b) each of the last 6
  days forecast from every day before it.

Models: seasonal naive; the mean, median and trimmed mean of the same half hour of the same
weekday over the last k weeks, each with and without 1-2-3-2-1 smoothing, and the trimmed mean
times a level factor (the last 7 days' total over the profile's); and, when statsmodels can
be imported (it is not a dependency; e.g. `pip install --target /tmp/smlib statsmodels` and
PYTHONPATH=/tmp/smlib), Holt-Winters (additive, seasonal period 336, damped trend) and MSTL
(periods 48 and 336) with its seasonal components carried forward and the last trend level.

    .venv/bin/python benchmarks/forecast.py --seeds 5 --origins 4
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
import warnings
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.planning.synthetic

from demandhub.planning import forecast as fc  # noqa: E402
from demandhub.planning.slots import Slots, half_hours  # noqa: E402
from tests.planning import synthetic  # noqa: E402

SAN_DIEGO = Path("/work/shared/data/sandiego/pd_calls_for_service_2023_datasd.csv")


def _statsmodels():
    try:
        from statsmodels.tsa.holtwinters import ExponentialSmoothing
        from statsmodels.tsa.seasonal import MSTL
    except ImportError:
        return None
    return ExponentialSmoothing, MSTL


def models(k: int | None, sm) -> dict:
    out = {"seasonal naive (baseline)": lambda y, h, t: fc.seasonal_naive(y, h, t)}
    for stat in ("mean", "median", "trimmed"):
        for smooth in (False, True):
            name = f"{stat} of {k or 'all'} wk{' + smoothing' if smooth else ''}"
            out[name] = (lambda s, m: lambda y, h, t: fc.profile(fc.by_week(y, h), k, stat=s, smooth=m)[t.key])(stat, smooth)
    out[f"trimmed of {k or 'all'} wk + smoothing x level"] = lambda y, h, t: _levelled(y, h, t, k)
    out["plan (forecast.forecast)"] = lambda y, h, t: fc.forecast(y, h, t, weeks=k).point
    if sm:
        out["Holt-Winters (statsmodels)"] = lambda y, h, t: _holt_winters(sm[0], y, len(t))
        out["MSTL (statsmodels)"] = lambda y, h, t: _mstl(sm[1], y, len(t))
    return out


def _levelled(y, h: Slots, t: Slots, k):
    weeks = fc.by_week(y, h)
    p = fc.profile(weeks, k)
    recent = weeks[0]
    ok = ~np.isnan(recent)
    level = recent[ok].sum() / max(p[ok].sum(), 1e-9)
    return p[t.key] * level


def _holt_winters(ExponentialSmoothing, y, n):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = ExponentialSmoothing(np.asarray(y, float), trend="add", damped_trend=True, seasonal="add",
                                   seasonal_periods=336, initialization_method="estimated").fit()
    return np.maximum(fit.forecast(n), 0)


def _mstl(MSTL, y, n):
    res = MSTL(np.asarray(y, float), periods=(48, 336)).fit()
    seasonal = np.asarray(res.seasonal).reshape(len(y), -1)  # one column per period kept (2 weeks: daily only)
    tail = seasonal[-336:].sum(axis=1)
    reps = np.resize(tail, n)
    return np.maximum(np.asarray(res.trend)[-1] + reps, 0)


def synthetic_runs(seeds: int, origins: int, weeks: int, sm) -> dict[str, list]:
    results: dict[str, list] = defaultdict(list)
    first = date(2026, 8, 3)  # a Monday; the clocks go back on 25 October inside the later origins
    for level in (2.0, 10.0, 30.0):
        for seed in range(seeds):
            span = synthetic.weeks_of(first, weeks + origins)
            y = synthetic.counts(span, seed=seed, level=level, growth_per_week=0.005)
            for o in range(origins):
                d0 = first + timedelta(days=7 * o)
                hist_mask = (span.day >= d0.toordinal()) & (span.day < (d0 + timedelta(days=7 * weeks)).toordinal())
                test_mask = (span.day >= (d0 + timedelta(days=7 * weeks)).toordinal()) & (
                    span.day < (d0 + timedelta(days=7 * weeks + 7)).toordinal())
                h, t = span.take(hist_mask), span.take(test_mask)
                for name, model in models(weeks, sm).items():
                    results[(level, name)].append((y[test_mask], model(y[hist_mask], h, t)))
    return results


def san_diego_counts() -> tuple[Slots, np.ndarray]:
    slots = half_hours(date(2023, 1, 1), date(2023, 1, 20), "America/Los_Angeles")
    index = {(int(d), int(hh)): i for i, (d, hh) in enumerate(zip(slots.day, slots.half_hour))}
    y = np.zeros(len(slots))
    with open(SAN_DIEGO, newline="", encoding="utf-8-sig") as handle:
        for row in csv.DictReader(handle):
            text = row["date_time"]  # local wall-clock time
            d = date(int(text[:4]), int(text[5:7]), int(text[8:10])).toordinal()
            hh = int(text[11:13]) * 2 + int(text[14:16]) // 30
            y[index[(d, hh)]] += 1
    return slots, y


def san_diego_runs(sm) -> dict[str, list]:
    slots, y = san_diego_counts()
    results: dict[str, list] = defaultdict(list)
    cut = date(2023, 1, 15).toordinal()
    h, t = slots.day < cut, slots.day >= cut
    for name, model in models(None, sm).items():
        results[("a: 14 d -> 6 d", name)].append((y[t], model(y[h], slots.take(h), slots.take(t))))
    for day in range(cut, cut + 6):
        h, t = slots.day < day, slots.day == day
        for name, model in models(None, sm).items():
            if "statsmodels" in name and h.sum() < 672:
                continue
            results[("b: day ahead", name)].append((y[t], model(y[h], slots.take(h), slots.take(t))))
    return results


def table(results: dict, title: str) -> None:
    print(f"\n### {title}\n")
    print("| set | model | MAE | MAPE | WAPE | vs baseline MAE |")
    print("|---|---|---:|---:|---:|---:|")
    groups = sorted({g for g, _ in results}, key=str)
    for g in groups:
        base = None
        for (gg, name), pairs in results.items():
            if gg != g:
                continue
            actual = np.concatenate([a for a, _ in pairs])
            pred = np.concatenate([p for _, p in pairs])
            e = fc.errors(actual, pred)
            if base is None:
                base = e.mae
            print(f"| {g} | {name} | {e.mae:.3f} | {100 * e.mape:.1f}% | {100 * e.wape:.1f}% | "
                  f"{100 * (e.mae / base - 1):+.1f}% |")


def coverage(seeds: int, sm=None) -> None:
    """How often the 80% range holds the actual count (synthetic, and San Diego day ahead)."""
    print("\n### 80% range: share of half hours inside it\n")
    first = date(2026, 8, 3)
    for level in (2.0, 10.0, 30.0):
        inside, n = 0, 0
        for seed in range(seeds):
            span = synthetic.weeks_of(first, 9)
            y = synthetic.counts(span, seed=100 + seed, level=level)
            h = span.day < (first + timedelta(days=56)).toordinal()
            f = fc.forecast(y[h], span.take(h), span.take(~h))
            a = y[~h]
            inside += int(((a >= f.low) & (a <= f.high)).sum()); n += len(a)
        print(f"- synthetic, {level:g} per half hour: {100 * inside / n:.1f}%")
    slots, y = san_diego_counts()
    cut = date(2023, 1, 15).toordinal()
    h, t = slots.day < cut, slots.day >= cut
    f = fc.forecast(y[h], slots.take(h), slots.take(t))
    a = y[t]
    print(f"- San Diego, 14 days -> 6: {100 * np.mean((a >= f.low) & (a <= f.high)):.1f}% "
          f"(dispersion measured {f.dispersion:.2f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--origins", type=int, default=4)
    parser.add_argument("--weeks", type=int, default=8)
    args = parser.parse_args()
    sm = _statsmodels()
    print(f"statsmodels: {'yes' if sm else 'not installed: its models are skipped'}")
    started = time.perf_counter()
    table(synthetic_runs(args.seeds, args.origins, args.weeks, sm), f"Synthetic ({args.seeds} seeds x "
          f"{args.origins} origins, {args.weeks} weeks of history, 7 days ahead)")
    table(san_diego_runs(sm), "San Diego, January 2023")
    coverage(args.seeds)
    print(f"\n({time.perf_counter() - started:.1f} s)")


if __name__ == "__main__":
    main()
