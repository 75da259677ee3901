"""Queueing maths for staffing a contact centre: Erlang B (loss), Erlang C (M/M/N: callers
wait as long as it takes) and Erlang A (M/M/N+M: callers give up after an exponential
patience). Pure functions of the load; the clock and units are the caller's (all times in
the same unit, e.g. seconds).

Definitions, because published tools differ on them:
- load A = arrival rate x average handling time (AHT), in Erlangs;
- P(wait): an arriving caller finds every handler busy;
- service level SL(t): the share of ALL offered calls answered within t. Under Erlang A a
  caller who abandons is not answered, so abandons count against the service level;
- ASA: the mean wait over all offered calls (Erlang A: including the wait of those who
  then abandon), as Little's law gives it from the mean queue length;
- occupancy: the mean share of handlers busy;
- positions: handlers on the phones, divided by (1 - shrinkage) for those rostered.
Checked against the published vectors in tests/standards/erlang (tests/planning/test_erlang.py).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.linalg import expm

# States of the Erlang A chain kept once their probability is negligible next to the rest.
_TAIL = 1e-15
_MAX_STATES = 100_000


def erlang_b(servers: int, load: float) -> float:
    """Blocking probability with `servers` and no queue (the stable recursion, not factorials)."""
    if servers < 0 or load < 0:
        raise ValueError("servers and load must not be negative")
    b = 1.0
    for n in range(1, servers + 1):
        b = load * b / (n + load * b)
    return b


@dataclass(frozen=True)
class Performance:
    servers: int
    load: float  # Erlangs
    p_wait: float
    service_level: float  # share of all offered calls answered within the target time
    asa: float  # mean wait over all offered calls, in the unit of aht
    occupancy: float
    p_abandon: float = 0.0  # Erlang A only


def erlang_c(servers: int, load: float) -> float:
    """P(wait) under M/M/N: 1 when the load is at or above the number of handlers (the queue grows)."""
    if servers <= load:
        return 1.0
    b = erlang_b(servers, load)
    return servers * b / (servers - load * (1 - b))


def erlang_c_performance(*, servers: int, load: float, aht: float, target: float) -> Performance:
    pw = erlang_c(servers, load)
    if servers <= load:
        return Performance(servers, load, 1.0, 0.0, math.inf, 1.0)
    sl = 1 - pw * math.exp(-(servers - load) * target / aht)
    return Performance(servers, load, pw, sl, pw * aht / (servers - load), load / servers)


def erlang_a_performance(*, servers: int, arrival_rate: float, aht: float, patience: float,
                         target: float) -> Performance:
    """M/M/N+M by its birth-death chain: n callers in the system; below N all are being
    served, above N the extra ones wait and each gives up at rate 1/patience."""
    if servers < 1 or arrival_rate <= 0 or aht <= 0 or patience <= 0:
        raise ValueError("servers, arrival rate, AHT and patience must be positive")
    mu, theta = 1 / aht, 1 / patience
    weights = [1.0]
    n = 0
    while n < _MAX_STATES:
        n += 1
        leave = min(n, servers) * mu + max(n - servers, 0) * theta
        weights.append(weights[-1] * arrival_rate / leave)
        if n > servers and weights[-1] < _TAIL * sum(weights):
            break
    pi = np.array(weights) / sum(weights)
    states = np.arange(len(pi))
    waiting = np.maximum(states - servers, 0)
    p_wait = float(pi[servers:].sum())
    queue_length = float((waiting * pi).sum())
    p_abandon = theta * queue_length / arrival_rate
    occupancy = float((np.minimum(states, servers) * pi).sum()) / servers
    answered_in_time = float(pi[:servers].sum()) + _answered_within(pi[servers:], servers * mu, theta, target)
    return Performance(servers, arrival_rate * aht, p_wait, answered_in_time, queue_length / arrival_rate,
                       occupancy, p_abandon)


def _answered_within(arriving_to_queue: np.ndarray, service_rate: float, theta: float, target: float) -> float:
    """Share of all arrivals that join the queue and are answered within `target`.

    A caller arriving with k ahead moves up as those ahead are answered (rate N mu) or give
    up (rate j theta for j ahead); from the head a free handler answers them (rate N mu);
    they give up themselves at rate theta. A small absorbing chain, solved with expm.
    """
    k_max = len(arriving_to_queue) - 1
    size = k_max + 2  # positions 0..k_max ahead, then "answered" (absorbing); abandoning leaves the chain
    q = np.zeros((size, size))
    for j in range(k_max + 1):
        forward = service_rate + j * theta  # someone ahead answered or gone (at j=0: the caller answered)
        q[j, j] = -(forward + theta)
        q[j, j - 1 if j > 0 else size - 1] = forward
    answered = expm(q * target)[:k_max + 1, size - 1]
    return float((arriving_to_queue * answered).sum())


@dataclass(frozen=True)
class Staffing:
    raw_positions: int  # handlers taking calls
    positions: int  # handlers rostered, after shrinkage
    performance: Performance


def _rostered(raw: int, shrinkage: float) -> int:
    if not 0 <= shrinkage < 1:
        raise ValueError("shrinkage is a share of rostered time, at least 0 and less than 1")
    return math.ceil(raw / (1 - shrinkage) - 1e-9)  # 14 / 0.7 is 20, not 20.000000000000004


def staff_erlang_c(*, calls: float, interval: float, aht: float, target: float, service_level: float,
                   max_occupancy: float = 1.0, shrinkage: float = 0.0, limit: int = 10_000) -> Staffing:
    """The fewest handlers meeting the service level with occupancy at most `max_occupancy`."""
    load = calls * aht / interval
    n = max(1, math.floor(load) + 1)
    while n <= limit:
        perf = erlang_c_performance(servers=n, load=load, aht=aht, target=target)
        if perf.service_level >= service_level and perf.occupancy <= max_occupancy:
            return Staffing(n, _rostered(n, shrinkage), perf)
        n += 1
    raise ValueError(f"no staffing up to {limit} handlers meets the standard")


def staff_erlang_a(*, calls: float, interval: float, aht: float, patience: float, target: float,
                   service_level: float, max_abandon: float = 1.0, max_occupancy: float = 1.0,
                   shrinkage: float = 0.0, limit: int = 10_000) -> Staffing:
    """As staff_erlang_c, for callers who give up, optionally with a ceiling on abandonment."""
    rate = calls / interval
    for n in range(1, limit + 1):
        perf = erlang_a_performance(servers=n, arrival_rate=rate, aht=aht, patience=patience, target=target)
        if perf.service_level >= service_level and perf.p_abandon <= max_abandon and perf.occupancy <= max_occupancy:
            return Staffing(n, _rostered(n, shrinkage), perf)
    raise ValueError(f"no staffing up to {limit} handlers meets the standard")


def staff_erlang_b(*, load: float, max_blocking: float, shrinkage: float = 0.0, limit: int = 10_000) -> Staffing:
    for n in range(1, limit + 1):
        b = erlang_b(n, load)
        if b <= max_blocking:
            return Staffing(n, _rostered(n, shrinkage), Performance(n, load, b, 1 - b, 0.0, load * (1 - b) / n))
    raise ValueError(f"no staffing up to {limit} lines meets the standard")
