"""The measures, computed exactly as docs/measures.md defines them, over whole columns.

Each function takes frames and standards and returns rows; `measures_pack` runs them all.
Nothing here reads the database or the clock: the same frames give the same pack.
"""

from __future__ import annotations

import numpy as np

from demandhub.measures import localtime
from demandhub.measures.definitions import (
    ATTENDED_CLOSING_CODES,
    BANDS_999,
    DEFINITIONS_VERSION,
    DIGITAL_CHANNELS,
    EXCLUDED_FROM_RWD_CLOSING_CODES,
    FORCE_INITIATED_CHANNELS,
    NOT_REPEAT_CHANNELS,
    WEEKDAYS,
    Standards,
)
from demandhub.measures.frames import (
    APPOINTMENT_STATUSES,
    CHANNELS,
    CLOSING_CODES,
    AppointmentFrame,
    ContactFrame,
    Frames,
    IncidentFrame,
)
from demandhub.measures.pack import MeasuresPack, Row, count, ratio, statistic
from demandhub.measures.stats import grouped_percentiles, percentiles

MEDIAN_P90 = (0.5, 0.9)
AREAS = ("urban", "rural")


def _codes(names, table) -> np.ndarray:
    return np.asarray([table.index(n) for n in names if n in table], dtype=np.int64)


def _channel_in(channel: np.ndarray, names) -> np.ndarray:
    lookup = np.zeros(len(CHANNELS), dtype=bool)
    lookup[_codes(names, CHANNELS)] = True
    return lookup[channel]


def _voice_waits(c: ContactFrame, channel: str, s: Standards):
    """For one voice channel: presented, answer times, long and short abandons, untimed."""
    mine = np.flatnonzero(c.channel == CHANNELS.index(channel))
    answered_at, abandoned = c.answered[mine], c.abandoned[mine]
    answered = ~np.isnan(answered_at)
    waits = answered_at[answered] - c.presented[mine][answered]
    gone = mine[abandoned & ~answered]
    # A wait before abandoning that was not recorded cannot be shown to be short: it counts.
    short = int(((c.ended[gone] - c.presented[gone]) < s.short_abandon_s).sum())
    untimed = int((~answered & ~abandoned).sum())
    return len(mine), waits, len(gone) - short, short, untimed


def answer_999(c: ContactFrame, s: Standards) -> list[Row]:
    presented, t, long_abandons, _short, untimed = _voice_waits(c, "999", s)
    n = len(t)
    lo, hi = s.band_edges_s
    under, over = int((t < lo).sum()), int((t >= hi).sum())
    median, p90 = percentiles(t, MEDIAN_P90)
    return [
        count("answer_999.presented", "all", presented),
        ratio("answer_999.within_10s_share", "all", int((t < s.answer_999_s).sum()), n, target=s.answer_999_share),
        ratio("answer_999.band_share", f"band={BANDS_999[0]}", under, n),
        ratio("answer_999.band_share", f"band={BANDS_999[1]}", n - under - over, n),
        ratio("answer_999.band_share", f"band={BANDS_999[2]}", over, n),
        statistic("answer_999.median_s", "all", median, n),
        statistic("answer_999.p90_s", "all", p90, n),
        ratio("answer_999.abandoned_share", "all", long_abandons, n + long_abandons),
        count("answer_999.without_answer_time", "all", untimed),
    ]


def call_101(c: ContactFrame, s: Standards) -> list[Row]:
    presented, w, long_abandons, short, untimed = _voice_waits(c, "101", s)
    n = len(w)
    total = float(w.sum())
    mean = Row("call_101.mean_wait_s", "all", total / n if n else None, total, float(n))
    return [
        count("call_101.presented", "all", presented),
        mean,
        statistic("call_101.p90_wait_s", "all", percentiles(w, (0.9,))[0], n),
        ratio("call_101.abandoned_share", "all", long_abandons, n + long_abandons),
        count("call_101.short_abandons", "all", short),
        count("call_101.without_answer_time", "all", untimed),
    ]


def digital(c: ContactFrame, s: Standards) -> list[Row]:
    lookup = np.full(len(CHANNELS), -1, dtype=np.int64)
    lookup[_codes(DIGITAL_CHANNELS, CHANNELS)] = np.arange(len(DIGITAL_CHANNELS))
    group = lookup[c.channel]
    mine = group >= 0
    answered = mine & ~np.isnan(c.answered)
    closed = mine & ~answered & (c.abandoned | ~np.isnan(c.ended))
    waiting = mine & ~answered & ~closed
    k = len(DIGITAL_CHANNELS)
    g = group[answered]
    t = (c.answered - c.presented)[answered]
    by_channel = grouped_percentiles(t, g, k, MEDIAN_P90)
    overall = percentiles(t, MEDIAN_P90)
    n_answered = np.bincount(g, minlength=k)
    presented = np.bincount(group[mine], minlength=k)
    n_closed = np.bincount(group[closed], minlength=k)
    n_waiting = np.bincount(group[waiting], minlength=k)
    rows = []
    segments = [("all", overall, len(t), presented.sum(), n_closed.sum(), n_waiting.sum())] + [
        (f"channel={name}", by_channel[i], n_answered[i], presented[i], n_closed[i], n_waiting[i])
        for i, name in enumerate(DIGITAL_CHANNELS)]
    for segment, (median, p90), n, p, cl, wt in segments:
        rows += [count("digital.presented", segment, p),
                 statistic("digital.first_response.median_s", segment, median, int(n)),
                 statistic("digital.first_response.p90_s", segment, p90, int(n)),
                 count("digital.closed_without_response", segment, cl),
                 count("digital.awaiting_response", segment, wt)]
    return rows


def attendance(i: IncidentFrame, grades: tuple[str, ...], as_of: float, s: Standards) -> list[Row]:
    """Against the grade first given, from creation to the first unit at scene (docs/measures.md)."""
    targeted = [(gi, code) for gi, code in enumerate(grades) if code in s.attendance_targets_s]
    table = np.full((len(grades) + 1, 2), np.nan)  # grade index (-1: the last row, no target) x area
    for gi, code in targeted:
        table[gi] = s.attendance_targets_s[code]
    grade = np.where(i.first_grade >= 0, i.first_grade, len(grades)).astype(np.int64)
    area = i.rural.astype(np.int64)
    target = table[grade, area]
    has_target = ~np.isnan(target)
    t = i.first_at_scene - i.created
    arrived = ~np.isnan(t)
    due = i.created + target
    end = np.fmin(i.closed, as_of)  # closing stops the clock for an incident nobody reached
    missed_no_arrival = has_target & ~arrived & (end > due)
    closed_before = has_target & ~arrived & ~missed_no_arrival & ~np.isnan(i.closed)
    pending = has_target & ~arrived & ~missed_no_arrival & np.isnan(i.closed)
    within = has_target & arrived & (t <= target)
    judged = has_target & (arrived | missed_no_arrival)

    # Segments: grade (both areas) and grade/area, as groups for counting and percentiles.
    n_groups = 3 * (len(grades) + 1)
    group_area = grade * 3 + 1 + area  # grade*3 + 0 is the grade across both areas
    group_all = grade * 3

    def per_group(mask: np.ndarray) -> np.ndarray:
        return (np.bincount(group_area[mask], minlength=n_groups)
                + np.bincount(group_all[mask], minlength=n_groups))

    n_incidents, n_within, n_judged = per_group(has_target), per_group(within), per_group(judged)
    n_missed, n_closed, n_pending = per_group(missed_no_arrival), per_group(closed_before), per_group(pending)
    n_reopened = per_group(has_target & i.reopened)
    timed = has_target & arrived
    times = np.concatenate((t[timed], t[timed]))
    groups = np.concatenate((group_area[timed], group_all[timed]))
    pct = grouped_percentiles(times, groups, n_groups, MEDIAN_P90)
    n_timed = np.bincount(groups, minlength=n_groups)

    rows = []
    for gi, code in targeted:
        for k, segment in enumerate((f"grade={code}", f"grade={code}/area=urban", f"grade={code}/area=rural")):
            j = gi * 3 + k
            rows += [count("attendance.incidents", segment, n_incidents[j]),
                     statistic("attendance.median_s", segment, pct[j, 0], int(n_timed[j])),
                     statistic("attendance.p90_s", segment, pct[j, 1], int(n_timed[j])),
                     ratio("attendance.within_target_share", segment, n_within[j], n_judged[j],
                           target=s.attendance_share),
                     count("attendance.missed_without_arrival", segment, n_missed[j]),
                     count("attendance.closed_before_arrival", segment, n_closed[j]),
                     count("attendance.pending", segment, n_pending[j]),
                     count("attendance.reopened", segment, n_reopened[j])]
    known = (i.first_grade >= 0) & (i.final_grade >= 0)
    up = np.bincount(i.first_grade[known & (i.final_grade < i.first_grade)], minlength=len(grades))
    down = np.bincount(i.first_grade[known & (i.final_grade > i.first_grade)], minlength=len(grades))
    for gi, code in enumerate(grades):
        rows += [count("attendance.regraded", f"grade={code}/direction=up", up[gi]),
                 count("attendance.regraded", f"grade={code}/direction=down", down[gi])]
    return rows


def resolution(i: IncidentFrame, as_of: float, s: Standards) -> list[Row]:
    closed = ~np.isnan(i.closed)
    not_demand = np.isin(i.closing_code, _codes(EXCLUDED_FROM_RWD_CLOSING_CODES, CLOSING_CODES))
    attended_code = np.isin(i.closing_code, _codes(ATTENDED_CLOSING_CODES, CLOSING_CODES))
    eligible = closed & ~not_demand
    rwd = eligible & np.isnan(i.first_assigned) & ~attended_code

    on_desk = ~np.isnan(i.callback_from)
    due = i.callback_from + s.callback_target_s
    called = on_desk & ~np.isnan(i.first_callback)
    in_time = called & (i.first_callback <= due)
    # Closing, or a regrade off the desk, stops the clock for an incident not yet called back.
    stop = np.fmin(np.fmin(i.closed, i.callback_until), as_of)
    missed_uncalled = on_desk & ~called & (stop > due)
    wait = (i.first_callback - i.callback_from)[called]
    median, p90 = percentiles(wait, MEDIAN_P90)
    return [
        ratio("resolution.rwd_share", "all", int(rwd.sum()), int(eligible.sum())),
        ratio("resolution.callback_within_target_share", "all", int(in_time.sum()),
              int(called.sum() + missed_uncalled.sum())),
        statistic("resolution.callback_median_s", "all", median, len(wait)),
        statistic("resolution.callback_p90_s", "all", p90, len(wait)),
    ]


def appointments(a: AppointmentFrame, as_of: float) -> list[Row]:
    n = np.bincount(a.status, minlength=len(APPOINTMENT_STATUSES))
    booked, attended, missed, cancelled = (int(n[APPOINTMENT_STATUSES.index(x)])
                                           for x in ("booked", "attended", "missed", "cancelled"))
    past_booked = int(((a.status == APPOINTMENT_STATUSES.index("booked")) & (a.starts < as_of)).sum())
    return [ratio("appointments.kept_share", "all", attended, attended + missed),
            count("appointments.cancelled", "all", cancelled),
            count("appointments.not_recorded", "all", past_booked)]


def contact_quality(c: ContactFrame) -> list[Row]:
    inbound = ~_channel_in(c.channel, FORCE_INITIATED_CHANNELS)
    handled = inbound & (~np.isnan(c.answered) | c.assessed)
    assessed = handled & c.assessed
    vulnerable = assessed & c.vulnerable
    graded = inbound & c.graded
    repeatable = c.caller_known & ~_channel_in(c.channel, NOT_REPEAT_CHANNELS)
    return [
        ratio("contacts.risk_assessed_share", "all", int(assessed.sum()), int(handled.sum())),
        ratio("contacts.vulnerability_identified_share", "all", int(vulnerable.sum()), int(assessed.sum())),
        ratio("contacts.safeguarding_share", "all", int((vulnerable & c.safeguarded).sum()), int(vulnerable.sum())),
        ratio("contacts.grade_override_share", "all", int((graded & c.overridden).sum()), int(graded.sum())),
        ratio("contacts.repeat_share", "all", int((repeatable & c.repeat).sum()), int(repeatable.sum())),
    ]


def demand(c: ContactFrame, start: float, end: float, timezone: str) -> list[Row]:
    counted = np.ones(len(CHANNELS), dtype=bool)
    counted[_codes(FORCE_INITIATED_CHANNELS, CHANNELS)] = False
    by_channel = np.bincount(c.channel, minlength=len(CHANNELS))
    rows = [count("demand.contacts", "all", int(by_channel[counted].sum()))]
    rows += [count("demand.contacts", f"channel={name}", by_channel[k])
             for k, name in enumerate(CHANNELS) if counted[k]]
    by_hour, by_day = localtime.count_by_hour_and_day(c.presented, c.channel, len(CHANNELS), timezone, start, end)
    hours, days = by_hour[counted].sum(axis=0), by_day[counted].sum(axis=0)
    shown_h = localtime.hours_shown(timezone, start, end)
    shown_d = localtime.days_shown(timezone, start, end)
    rows += [ratio("demand.by_hour", f"hour={h:02d}", hours[h], round(shown_h[h], 9)) for h in range(24)]
    rows += [ratio("demand.by_day", f"day={WEEKDAYS[d]}", days[d], round(shown_d[d], 9)) for d in range(7)]
    return rows


def measures_pack(frames: Frames, standards: Standards | None = None) -> MeasuresPack:
    s = standards or Standards()
    c, i = frames.contacts, frames.incidents
    rows = (answer_999(c, s) + call_101(c, s) + digital(c, s)
            + attendance(i, frames.grades, frames.as_of, s) + resolution(i, frames.as_of, s)
            + appointments(frames.appointments, frames.as_of) + contact_quality(c)
            + demand(c, frames.start, frames.end, s.timezone))
    return MeasuresPack(version=DEFINITIONS_VERSION, start=frames.start, end=frames.end, as_of=frames.as_of,
                        timezone=s.timezone, rows=tuple(rows))
