"""Handlers needed in one half hour to meet a channel's answer standard.

Definitions (docs/measures.md, "Forecasting and staffing"):

- **on the contacts** (`on_phones`): the fewest handlers logged in and taking contacts with
  which the standard is met in that half hour, the queue taken as being in its steady state
  (the usual Erlang assumption): the share of contacts answered within `target_s` is at
  least `service_level`, the mean occupancy at most `max_occupancy`, and (Erlang A, if set)
  the share who give up at most `max_abandon`.
- **Erlang C** where callers wait as long as it takes; **Erlang A** where they give up after
  an exponentially distributed patience (mean `patience_s`). Under Erlang A a caller who
  gives up was not answered, so counts against the service level (planning/erlang.py).
- **rostered**: on the contacts / (1 - shrinkage), rounded up: shrinkage is the share of
  rostered time not spent taking contacts (breaks, training, leave, sickness).
- No demand: 0 handlers (or the channel's minimum), not an error.
- A standard no number of handlers meets is reported as such (`problem`), never a number.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from demandhub.planning import erlang

HALF_HOUR_S = 1800.0
NO_DEMAND = 1e-9  # fewer expected contacts than this is none (a rate this small underflows the queueing maths)


@dataclass(frozen=True)
class Need:
    on_phones: int | None  # None: the standard cannot be met (see problem)
    rostered: int | None
    model: str  # "none" (no contacts expected), "erlang_c" or "erlang_a"
    service_level: float | None = None  # what that many handlers achieve
    occupancy: float | None = None
    abandon_share: float | None = None  # Erlang A only
    asa_s: float | None = None  # mean wait over all contacts offered
    problem: str | None = None

    @property
    def met(self) -> bool:
        return self.problem is None


def rostered(on_phones: int, shrinkage: float) -> int:
    """Handlers on the roster so that `on_phones` are taking contacts: 14 at 30% shrinkage is 20."""
    if not 0 <= shrinkage < 1:
        raise ValueError("shrinkage is a share of rostered time, at least 0 and less than 1")
    return math.ceil(on_phones / (1 - shrinkage) - 1e-9)  # 14 / 0.7 is 20, not 20.000000000000004


def search_limit(calls: float, aht_s: float, interval_s: float) -> int:
    """Enough handlers for any service level short of 100%: the square-root staffing rule needs
    about load + 3 x sqrt(load) even for the strictest standards; this allows far more."""
    load = calls * aht_s / interval_s
    return int(load + 20 * math.sqrt(load) + 100)


def handlers_needed(*, calls: float, aht_s: float, target_s: float, service_level: float, shrinkage: float,
                    max_occupancy: float = 1.0, patience_s: float | None = None, max_abandon: float | None = None,
                    minimum: int = 0, interval_s: float = HALF_HOUR_S, limit: int | None = None) -> Need:
    """`calls` expected in the interval (a forecast: need not be whole). `patience_s` given: Erlang A."""
    if not (math.isfinite(calls) and calls >= 0):
        raise ValueError("expected contacts must be a number of 0 or more")
    if not (aht_s > 0 and interval_s > 0 and target_s >= 0 and 0 < max_occupancy <= 1 and minimum >= 0):
        raise ValueError("handling time and interval must be positive, the target 0 or more, "
                         "the occupancy cap a share above 0")
    if patience_s is not None and not patience_s > 0:
        raise ValueError("patience must be positive")
    model = "erlang_a" if patience_s is not None else "erlang_c"
    if not 0 < service_level < 1:
        return Need(None, None, model, problem=f"a service level of {100 * service_level:g}% cannot be met by any "
                    "number of handlers: some contacts always arrive when every handler is busy")
    if model == "erlang_a" and max_abandon is not None and max_abandon <= 0:
        return Need(None, None, model, problem="no number of handlers stops every caller giving up")
    if calls < NO_DEMAND:
        return Need(minimum, rostered(minimum, shrinkage), "none", None, 0.0 if minimum else None, None, None)
    limit = limit or search_limit(calls, aht_s, interval_s)
    try:
        if model == "erlang_c":
            found = erlang.staff_erlang_c(calls=calls, interval=interval_s, aht=aht_s, target=target_s,
                                          service_level=service_level, max_occupancy=max_occupancy,
                                          limit=limit).raw_positions
        else:
            found = _erlang_a(calls=calls, interval_s=interval_s, aht_s=aht_s, patience_s=patience_s,
                              target_s=target_s, service_level=service_level, max_occupancy=max_occupancy,
                              max_abandon=max_abandon, limit=limit)
    except ValueError:
        return Need(None, None, model, problem=f"not met by any number of handlers up to {limit}")
    n = max(found, minimum)
    perf = _performance(n, calls, interval_s, aht_s, target_s, patience_s)
    return Need(n, rostered(n, shrinkage), model, perf.service_level, perf.occupancy,
                perf.p_abandon if model == "erlang_a" else None, perf.asa)


def _performance(n: int, calls: float, interval_s: float, aht_s: float, target_s: float,
                 patience_s: float | None) -> erlang.Performance:
    if patience_s is None:
        return erlang.erlang_c_performance(servers=n, load=calls * aht_s / interval_s, aht=aht_s, target=target_s)
    return erlang.erlang_a_performance(servers=n, arrival_rate=calls / interval_s, aht=aht_s, patience=patience_s,
                                       target=target_s)


def _erlang_a(*, calls: float, interval_s: float, aht_s: float, patience_s: float, target_s: float,
              service_level: float, max_occupancy: float, max_abandon: float | None, limit: int) -> int:
    """The fewest handlers meeting the standard under Erlang A.

    Walking up from one handler (erlang.staff_erlang_a) evaluates long queues whose chains are
    slow to solve; a plan solves hundreds of half hours. The service level, the abandonment
    and the occupancy all improve with each handler added, so the search starts at Erlang C's
    answer (callers who give up shorten the queue, so Erlang A's is usually at or just below
    it) and steps down while one fewer still meets the standard, or up until one does."""
    def meets(n: int) -> bool:
        perf = erlang.erlang_a_performance(servers=n, arrival_rate=calls / interval_s, aht=aht_s,
                                           patience=patience_s, target=target_s)
        return (perf.service_level >= service_level and perf.occupancy <= max_occupancy
                and (max_abandon is None or perf.p_abandon <= max_abandon))

    try:
        n = erlang.staff_erlang_c(calls=calls, interval=interval_s, aht=aht_s, target=target_s,
                                  service_level=service_level, max_occupancy=max_occupancy, limit=limit).raw_positions
    except ValueError:
        n = limit
    if meets(n):
        while n > 1 and meets(n - 1):
            n -= 1
        return n
    while n < limit:
        n += 1
        if meets(n):
            return n
    raise ValueError(f"no staffing up to {limit} handlers meets the standard")
