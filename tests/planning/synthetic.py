"""Contacts per half hour with a known weekly and daily shape and noise, for the backtests
(tests/planning/test_forecast.py and benchmarks/forecast.py)."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np

from demandhub.planning.slots import Slots, half_hours


def expected(slots: Slots, *, level: float = 10.0, growth_per_week: float = 0.0) -> np.ndarray:
    """The true mean in each half hour: quiet before dawn, a long afternoon and evening peak,
    busier Friday and Saturday with a late-night bump that only those nights have."""
    hour = slots.half_hour / 2.0
    daily = 1.0 + 0.55 * np.sin(2 * np.pi * (hour - 10.5) / 24) + 0.25 * np.exp(-((hour - 18.5) ** 2) / 4)
    weekly = np.array([0.95, 0.92, 0.94, 0.98, 1.12, 1.20, 1.05])[slots.weekday]
    late = ((slots.weekday >= 4) & (slots.weekday <= 5) & ((hour >= 22) | (hour < 0.5))) | (
        (slots.weekday >= 5) & (hour < 3))
    weeks = (slots.day - slots.day.min()) / 7.0
    return level * daily * weekly * np.where(late, 1.5, 1.0) * (1 + growth_per_week * weeks)


def counts(slots: Slots, *, seed: int = 1, level: float = 10.0, dispersion: float = 1.3, spikes: float = 1 / 400,
           growth_per_week: float = 0.0) -> np.ndarray:
    """Negative binomial counts about `expected` (variance = dispersion x mean), and now and
    then a major incident tripling a half hour's calls."""
    rng = np.random.default_rng(seed)
    mean = expected(slots, level=level, growth_per_week=growth_per_week)
    mean = mean * np.where(rng.random(len(mean)) < spikes, 3.0, 1.0)
    if dispersion <= 1:
        return rng.poisson(mean).astype(float)
    size = mean / (dispersion - 1)
    return rng.negative_binomial(size, 1 / dispersion).astype(float)


def weeks_of(first: date, weeks: int, timezone: str = "Europe/London") -> Slots:
    return half_hours(first, first + timedelta(days=7 * weeks - 1), timezone)
