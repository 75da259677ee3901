"""Percentiles by group, by the one method every measure uses (definitions.PERCENTILE_METHOD).

Hyndman and Fan type 7: sort the n values x[0] <= ... <= x[n-1]; for the fraction q,
h = (n - 1) q, and the percentile is x[floor h] + (h - floor h) (x[floor h + 1] - x[floor h]).
The median is q = 0.5 (the mean of the two middle values when n is even). One value: that
value. No values: no data (NaN).
"""

from __future__ import annotations

import numpy as np


def grouped_percentiles(values: np.ndarray, groups: np.ndarray, n_groups: int, qs: tuple[float, ...]
                        ) -> np.ndarray:
    """Array (n_groups, len(qs)): the type 7 percentiles of `values` within each group
    (groups are integers 0..n_groups-1; a value with group < 0 or NaN is left out).

    Only the ranks the fractions need are found (np.partition, linear time), after one stable
    counting sort by group: no full sort of the values."""
    values = np.asarray(values, dtype=np.float64)
    groups = np.asarray(groups)
    keep = (groups >= 0) & (groups < n_groups) & ~np.isnan(values)
    if not keep.all():
        values, groups = values[keep], groups[keep]
    if n_groups == 1:
        ordered, counts = values, np.array([len(values)])
    else:
        small = groups.astype(np.int16 if n_groups < 2**15 else np.int64)  # int16: numpy's radix sort
        ordered = values[np.argsort(small, kind="stable")]
        counts = np.bincount(small, minlength=n_groups)
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    out = np.full((n_groups, len(qs)), np.nan)
    for g in range(n_groups):
        n = int(counts[g])
        if n == 0:
            continue
        h = [(n - 1) * q for q in qs]
        lo = [int(np.floor(x)) for x in h]
        hi = [min(k + 1, n - 1) for k in lo]
        part = np.partition(ordered[starts[g]:starts[g] + n], sorted(set(lo + hi)))
        for j in range(len(qs)):
            a, b = part[lo[j]], part[hi[j]]
            out[g, j] = a + (h[j] - lo[j]) * (b - a)
    return out


def percentiles(values: np.ndarray, qs: tuple[float, ...]) -> np.ndarray:
    values = np.asarray(values, dtype=np.float64)
    return grouped_percentiles(values, np.zeros(len(values), dtype=np.int8), 1, qs)[0]
