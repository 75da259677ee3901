"""Cohen's kappa: agreement between two raters beyond what chance would give, pure.

    kappa = (p_o - p_e) / (1 - p_e)

p_o is the share of items both raters put in the same category; p_e the agreement expected
by chance, the sum over categories of the product of each rater's share of that category.
1 is perfect agreement, 0 agreement at chance, below 0 worse than chance.

When p_e is 1 (both raters used one and the same category for every item) kappa is 0/0:
undefined, reported as None rather than a made-up number or a crash. A report then shows
the raw agreement (p_o, which is 1) and says kappa cannot be computed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Agreement:
    pairs: int
    observed: float | None  # p_o
    expected: float | None  # p_e
    kappa: float | None


def cohen_kappa(pairs: Iterable[tuple[Hashable, Hashable]]) -> Agreement:
    pairs = list(pairs)
    n = len(pairs)
    if n == 0:
        return Agreement(0, None, None, None)
    first = Counter(a for a, _ in pairs)
    second = Counter(b for _, b in pairs)
    observed = sum(1 for a, b in pairs if a == b) / n
    expected = sum(first[c] * second[c] for c in first) / (n * n)
    if expected >= 1.0:
        return Agreement(n, observed, expected, None)
    return Agreement(n, observed, expected, (observed - expected) / (1.0 - expected))
