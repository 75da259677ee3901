"""The result of computing the measures: one row per measure and segment, ready to export one
row per force, period and measure with the definition version beside it."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime

from demandhub.measures.definitions import DEFINITIONS


@dataclass(frozen=True)
class Row:
    measure: str  # a key of definitions.DEFINITIONS
    segment: str  # "all", or key=value parts joined by "/": "grade=1/area=urban", "hour=01"
    value: float | None  # None: no data (nothing to measure in the period: never a division by zero)
    numerator: float | None = None
    denominator: float | None = None
    target: float | None = None
    met: bool | None = None  # None where there is no target or no data

    @property
    def unit(self) -> str:
        return DEFINITIONS[self.measure].unit


def ratio(measure: str, segment: str, numerator: float, denominator: float, *, target: float | None = None) -> Row:
    """numerator / denominator, or no data when the denominator is 0; met when value >= target."""
    numerator, denominator = float(numerator), float(denominator)
    value = numerator / denominator if denominator > 0 else None
    met = None if target is None or value is None else value >= target
    return Row(measure, segment, value, numerator, denominator, target, met)


def count(measure: str, segment: str, n: float) -> Row:
    return Row(measure, segment, float(n), float(n), None)


def statistic(measure: str, segment: str, value: float, n: int) -> Row:
    """A percentile or mean over n values: no data when n is 0. The denominator is n."""
    value = float(value)
    return Row(measure, segment, None if n == 0 or math.isnan(value) else value, None, float(n))


@dataclass(frozen=True)
class MeasuresPack:
    version: str
    start: float
    end: float
    as_of: float
    timezone: str
    rows: tuple[Row, ...]

    def get(self, measure: str, segment: str = "all") -> Row:
        for row in self.rows:
            if row.measure == measure and row.segment == segment:
                return row
        raise KeyError(f"no row for {measure} [{segment}]")

    def value(self, measure: str, segment: str = "all") -> float | None:
        return self.get(measure, segment).value

    def by_measure(self, measure: str) -> dict[str, Row]:
        return {row.segment: row for row in self.rows if row.measure == measure}

    @property
    def period(self) -> tuple[datetime, datetime]:
        return datetime.fromtimestamp(self.start, UTC), datetime.fromtimestamp(self.end, UTC)
