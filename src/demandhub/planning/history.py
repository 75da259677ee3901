"""What the forecast and the staffing are made from: contacts per local half hour by channel,
and each channel's handling time and callers' patience, read with a few grouped SELECTs.

Counting is done by the database, grouped by channel and UTC quarter hour (at most 96 a day
per channel come back, whatever the volume); each quarter hour is then put in its local half
hour (planning/slots.py). Quarter hours, not half hours, because some zones are 15 or 45
minutes off a whole half hour (Nepal, Chatham): a UTC quarter hour always lies inside one
local half hour.

Which contacts: presented in the span, every channel except `callback` (the force ringing
back is not demand: docs/measures.md 1.6). Handling time: answered to ended, over contacts
with both, not abandoned. Patience: see `_patience`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import numpy as np
import sqlalchemy as sa
from sqlalchemy.orm import Session

from demandhub.contacts.channels import Channel
from demandhub.contacts.models import Contact
from demandhub.measures.definitions import Standards
from demandhub.measures.localtime import QUARTER_S
from demandhub.planning.slots import Slots, half_hours, local_midnight

SHORT_ABANDON_S = Standards.short_abandon_s  # docs/measures.md 2.2: the measures' own threshold
NOT_DEMAND = (Channel.CALLBACK.value,)


@dataclass(frozen=True)
class ChannelTimes:
    """A channel's handling time and patience, and how they were found (shown on the plan)."""

    aht_s: float
    aht_from: int  # contacts the handling time is the mean of; 0: the configured default
    patience_s: float | None  # None: no counted abandons in the span, patience unknown
    abandons: int  # abandons of 5 s or more the patience is estimated from


@dataclass(frozen=True)
class History:
    first: date  # local dates first..last inclusive
    last: date
    timezone: str
    slots: Slots
    channels: tuple[str, ...]
    counts: np.ndarray  # (channels, slots): contacts presented in each local half hour
    times: dict[str, ChannelTimes]

    def of(self, channel: str) -> np.ndarray:
        return self.counts[self.channels.index(channel)] if channel in self.channels else np.zeros(len(self.slots))


def _epoch(column, dialect: str):
    """Whole seconds since the epoch, in SQL (times are stored as UTC)."""
    if dialect == "sqlite":
        return sa.cast(sa.func.strftime("%s", column), sa.BigInteger)
    return sa.cast(sa.func.floor(sa.extract("epoch", column)), sa.BigInteger)


def _seconds(later, earlier, dialect: str):
    """later - earlier in seconds with fractions, in SQL."""
    if dialect == "sqlite":
        return (sa.func.julianday(later) - sa.func.julianday(earlier)) * 86400.0
    return sa.extract("epoch", later - earlier)


def read_history(session: Session, *, first: date, last: date, timezone: str, default_aht_s: float,
                 min_handled: int = 20, channels: Iterable[str] = ()) -> History:
    """Local dates first..last inclusive. `channels`: always included, even with no contacts
    (the channels the force plans for); any other channel met in the data is added after them."""
    dialect = session.get_bind().dialect.name
    slots = half_hours(first, last, timezone)
    lo = datetime.fromtimestamp(local_midnight(first, timezone), UTC)
    hi = datetime.fromtimestamp(local_midnight(last + timedelta(days=1), timezone), UTC)
    in_span = sa.and_(Contact.presented_at >= lo, Contact.presented_at < hi, Contact.channel.not_in(NOT_DEMAND))

    quarter = (_epoch(Contact.presented_at, dialect) // QUARTER_S).label("quarter")
    grouped = session.execute(sa.select(Contact.channel, quarter, sa.func.count())
                              .where(in_span).group_by(Contact.channel, quarter)).all()
    names = list(dict.fromkeys(channels))
    names += sorted({c for c, _, _ in grouped} - set(names))
    counts = np.zeros((len(names), len(slots)))
    if grouped:
        row = np.fromiter((names.index(c) for c, _, _ in grouped), np.int64, len(grouped))
        at = np.fromiter((int(q) * QUARTER_S for _, q, _ in grouped), np.int64, len(grouped))
        n = np.fromiter((k for _, _, k in grouped), np.float64, len(grouped))
        np.add.at(counts, (row, np.searchsorted(slots.start, at, side="right") - 1), n)
    times = _times(session, in_span, dialect, names, default_aht_s=default_aht_s, min_handled=min_handled)
    return History(first, last, timezone, slots, tuple(names), counts, times)


def _times(session: Session, in_span, dialect: str, names: list[str], *, default_aht_s: float,
           min_handled: int) -> dict[str, ChannelTimes]:
    handling = _seconds(Contact.ended_at, Contact.answered_at, dialect)
    handled = {c: (int(n), float(total or 0)) for c, n, total in session.execute(
        sa.select(Contact.channel, sa.func.count(), sa.func.sum(handling))
        .where(in_span, Contact.answered_at.is_not(None), Contact.ended_at.is_not(None),
               Contact.ended_at >= Contact.answered_at, Contact.abandoned.is_(False))
        .group_by(Contact.channel))}
    patience = _patience(session, in_span, dialect)
    out = {}
    for name in names:
        n, total = handled.get(name, (0, 0.0))
        aht, aht_from = (total / n, n) if n >= max(min_handled, 1) and total > 0 else (default_aht_s, 0)
        p, abandons = patience.get(name, (None, 0))
        out[name] = ChannelTimes(aht, aht_from, p, abandons)
    return out


def _patience(session: Session, in_span, dialect: str) -> dict[str, tuple[float | None, int]]:
    """Mean patience under Erlang A's exponential patience, by its maximum-likelihood estimate:
    the total time callers spent waiting (answered callers' waits and counted abandons' waits)
    divided by the number of counted abandons. The mean wait of those who abandoned alone
    would understate it: the patient callers were answered before they gave up, and their
    waits are patience not yet used up. Abandons under 5 s are misdials, not patience
    (docs/measures.md 2.2), and are left out; an abandon with no end time has no wait to add."""
    wait_answered = _seconds(Contact.answered_at, Contact.presented_at, dialect)
    wait_abandoned = _seconds(Contact.ended_at, Contact.presented_at, dialect)
    answered = dict(session.execute(
        sa.select(Contact.channel, sa.func.sum(wait_answered))
        .where(in_span, Contact.answered_at.is_not(None), Contact.abandoned.is_(False),
               Contact.answered_at >= Contact.presented_at)
        .group_by(Contact.channel)).all())
    gave_up = {c: (int(n), float(total or 0)) for c, n, total in session.execute(
        sa.select(Contact.channel, sa.func.count(), sa.func.sum(wait_abandoned))
        .where(in_span, Contact.abandoned.is_(True), Contact.answered_at.is_(None),
               Contact.ended_at.is_not(None), wait_abandoned >= SHORT_ABANDON_S)
        .group_by(Contact.channel))}
    out = {}
    for channel in set(answered) | set(gave_up):
        n, abandoned_wait = gave_up.get(channel, (0, 0.0))
        total = abandoned_wait + float(answered.get(channel) or 0)
        out[channel] = (total / n if n else None, n)
    return out
