"""The sampling policy, pure: which contacts of a period are reviewed, which twice, by whom.

For a period it takes
- up to `per_handler` contacts per handler, drawn at random from the contacts they took
  that belong to an incident (the routine quota),
- every contact whose grade was overridden (always reviewed, on top of the quota),
- every resolution-without-deployment closure whose latest assessment put risk at or
  above a level (always reviewed, on top of the quota),
then marks a share of the sample for double marking and assigns every review to a
reviewer who did not take the contact, keeping reviewers' loads level.

Reproducible: the same seed and the same candidates give the same sample, whatever order
the candidates arrive in (everything is sorted before the random generator sees it).
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

QUOTA, OVERRIDE, RWD_CLOSURE = "quota", "override", "rwd_closure"


def period_bounds(start: date, end: date, tz: str) -> tuple[datetime, datetime]:
    """Local calendar days start..end (both included) as UTC instants [from, to).

    Midnights are local (Europe/London by default), so a month that crosses the change to
    or from summer time still covers exactly its own days."""
    zone = ZoneInfo(tz)
    begin = datetime.combine(start, time(0), tzinfo=zone)
    finish = datetime.combine(end + timedelta(days=1), time(0), tzinfo=zone)
    return begin.astimezone(UTC), finish.astimezone(UTC)


@dataclass(frozen=True)
class Candidate:
    """A contact that could be sampled, with who took it."""

    contact_id: int
    handler_id: int


@dataclass(frozen=True)
class Closure:
    """A resolution-without-deployment closure: the contact reviewed for it, and the risk
    level of the incident's latest assessment (None when risk was not assessed)."""

    contact_id: int
    handler_id: int
    risk: str | None


@dataclass(frozen=True)
class Policy:
    per_handler: int = 3
    double_share: float = 0.10
    risk_at_least: str = "medium"
    levels: tuple[str, ...] = ("none", "low", "medium", "high")  # least to most, from the grading policy

    def __post_init__(self):
        if self.per_handler < 0:
            raise ValueError("per_handler must be 0 or more")
        if not 0 <= self.double_share <= 1:
            raise ValueError("double_share must be between 0 and 1")
        if self.risk_at_least not in self.levels:
            raise ValueError(f"unknown risk level {self.risk_at_least!r} (levels: {', '.join(self.levels)})")

    def at_or_above(self, risk: str | None) -> bool:
        # Risk not assessed, or a level this policy does not know, is not "at or above":
        # the routine quota still gives such a contact its chance.
        return risk in self.levels and self.levels.index(risk) >= self.levels.index(self.risk_at_least)


@dataclass(frozen=True)
class Pick:
    contact_id: int
    handler_id: int
    reasons: tuple[str, ...]
    double: bool = False
    reviewers: tuple[int, ...] = field(default=())  # first marker, then second marker if double


class NoReviewer(ValueError):
    def __init__(self, contact_id: int, handler_id: int):
        super().__init__(f"contact {contact_id} has no reviewer other than the person who took it")
        self.contact_id = contact_id
        self.handler_id = handler_id


def draw(*, pool: list[Candidate], overrides: list[Candidate], closures: list[Closure], reviewers: list[int],
         policy: Policy, seed: int, exclude: frozenset[int] = frozenset()) -> list[Pick]:
    """The sample for one period, assigned. `exclude`: contacts already sampled for it."""
    rng = random.Random(seed)
    reasons: dict[int, list[str]] = defaultdict(list)
    handler_of: dict[int, int] = {}

    def add(contact_id: int, handler_id: int, reason: str) -> None:
        if contact_id in exclude or reason in reasons[contact_id]:
            return
        reasons[contact_id].append(reason)
        handler_of[contact_id] = handler_id

    for c in sorted(set(overrides), key=lambda c: c.contact_id):
        add(c.contact_id, c.handler_id, OVERRIDE)
    for c in sorted(set(closures), key=lambda c: c.contact_id):
        if policy.at_or_above(c.risk):
            add(c.contact_id, c.handler_id, RWD_CLOSURE)

    # The quota is on top of the contacts that must be reviewed: a handler with an override
    # still gets `per_handler` routine contacts looked at, if they took that many.
    by_handler: dict[int, list[int]] = defaultdict(list)
    for c in set(pool):
        if c.contact_id not in reasons and c.contact_id not in exclude:
            by_handler[c.handler_id].append(c.contact_id)
    for handler_id in sorted(by_handler):
        contacts = sorted(by_handler[handler_id])
        for contact_id in rng.sample(contacts, min(policy.per_handler, len(contacts))):
            add(contact_id, handler_id, QUOTA)

    picks = [Pick(cid, handler_of[cid], tuple(reasons[cid])) for cid in sorted(reasons)]
    return assign(mark_double(picks, reviewers=reviewers, share=policy.double_share, rng=rng),
                  reviewers=reviewers, rng=rng)


def double_count(total: int, share: float) -> int:
    """How many of `total` picks are double-marked: the share, rounded half up, at least one
    if there is any pick and the share is not zero."""
    if total == 0 or share <= 0:
        return 0
    return min(total, max(1, math.floor(total * share + 0.5)))


def _eligible(reviewers: list[int], handler_id: int) -> list[int]:
    return sorted({r for r in reviewers if r != handler_id})


def mark_double(picks: list[Pick], *, reviewers: list[int], share: float, rng: random.Random) -> list[Pick]:
    # Only a contact with two reviewers other than its handler can be marked twice.
    possible = [p for p in picks if len(_eligible(reviewers, p.handler_id)) >= 2]
    chosen = {p.contact_id for p in rng.sample(possible, min(len(possible), double_count(len(picks), share)))}
    return [Pick(p.contact_id, p.handler_id, p.reasons, p.contact_id in chosen) for p in picks]


def assign(picks: list[Pick], *, reviewers: list[int], rng: random.Random) -> list[Pick]:
    """Each review to the eligible reviewer with the fewest so far; among equals, the one
    given work least recently (round robin), starting from a seeded order of reviewers."""
    order = sorted(set(reviewers))
    rng.shuffle(order)
    load = {r: 0 for r in order}
    last = {r: i - len(order) for i, r in enumerate(order)}  # before any assignment, in seeded order
    tick = 0
    out: dict[int, Pick] = {}
    # The most constrained first: double-marked picks need two distinct reviewers, and a
    # reviewer's own contacts can go to fewer people; the freest fill in the gaps last.
    for p in sorted(picks, key=lambda p: (not p.double, len(_eligible(order, p.handler_id)), p.contact_id)):
        eligible = _eligible(order, p.handler_id)
        if not eligible:
            raise NoReviewer(p.contact_id, p.handler_id)
        chosen: list[int] = []
        for _ in range(2 if p.double else 1):
            r = min((r for r in eligible if r not in chosen), key=lambda r: (load[r], last[r]))
            chosen.append(r)
            load[r] += 1
            last[r] = tick
            tick += 1
        out[p.contact_id] = Pick(p.contact_id, p.handler_id, p.reasons, p.double, tuple(chosen))
    return [out[p.contact_id] for p in picks]
