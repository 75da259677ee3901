"""Time the full measures pack over millions of generated contacts, beside pandas.

Not a test. Generates a year of a large force's contacts (seeded numpy: a channel mix, an
hourly and weekly profile, waits and abandons by channel, about one contact in five leading
to an incident with a grade, urban or rural, units, closing, callbacks and appointments) as
the frames `demandhub.measures.load` would build, then times:

  (a) ours: `demandhub.measures.compute.measures_pack(frames)`: every measure in
      docs/measures.md, numpy over whole columns;
  (b) pandas: the same measures written the way an analyst would in pandas (boolean masks,
      groupby().quantile(), groupby().size(), tz_convert for the local clock), from
      DataFrames built over the same arrays (building them is not timed, as building the
      frames is not timed for ours).

It then checks that every value pandas computed equals ours (relative 1e-9) and prints a
markdown table for docs/performance.md.

    .venv/bin/python benchmarks/measures.py --contacts 10000000 --seed 1 --runs 3
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import os
import platform
import shlex
import sys
import time

import numpy as np
import pandas as pd

from demandhub.measures.compute import measures_pack
from demandhub.measures.definitions import (
    ATTENDED_CLOSING_CODES,
    BANDS_999,
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

GRADES = ("1", "2", "3", "4", "RFC", "REF")
START = dt.datetime(2026, 1, 1, tzinfo=dt.UTC).timestamp()  # local midnight in Europe/London (GMT)
END = dt.datetime(2027, 1, 1, tzinfo=dt.UTC).timestamp()
CHANNEL_MIX = {"999": 0.22, "101": 0.33, "online": 0.14, "webchat": 0.07, "social_media": 0.035,
               "emergency_sms": 0.003, "text_relay": 0.002, "bsl_video_relay": 0.001, "front_counter": 0.04,
               "officer_generated": 0.1, "callback": 0.059}
# Contacts by local hour of day: quiet small hours, evening peak.
HOURLY = np.array([3, 2.4, 1.8, 1.4, 1.2, 1.2, 1.6, 2.4, 3.4, 4.2, 4.6, 4.8,
                   5.0, 5.0, 5.0, 5.2, 5.6, 6.0, 6.2, 6.2, 5.8, 5.2, 4.6, 3.8])


# ---- generated frames ------------------------------------------------------------------------


def generate(n: int, seed: int) -> Frames:
    rng = np.random.default_rng(seed)
    nan = np.nan
    # Channels and times: a day (Fridays and Saturdays busier), then an hour by the profile.
    codes = np.array([CHANNELS.index(c) for c in CHANNEL_MIX])
    channel = codes[rng.choice(len(codes), n, p=np.array(list(CHANNEL_MIX.values())) / sum(CHANNEL_MIX.values()))]
    days = int((END - START) // 86400)
    day_weight = np.array([1.0, 1.0, 1.0, 1.05, 1.2, 1.25, 1.05])[(np.arange(days) + 3) % 7]
    day = rng.choice(days, n, p=day_weight / day_weight.sum())
    hour = rng.choice(24, n, p=HOURLY / HOURLY.sum())
    presented = START + day * 86400.0 + hour * 3600.0 + rng.uniform(0, 3600, n)
    presented = np.minimum(presented, END - 1)

    name = np.asarray(CHANNELS)[channel]
    is999, is101 = name == "999", name == "101"
    digital = np.isin(name, DIGITAL_CHANNELS)
    wait = np.where(is999, rng.lognormal(np.log(5.5), 0.8, n),
                    np.where(is101, rng.exponential(420.0, n),
                             np.where(digital, rng.exponential(2400.0, n), rng.exponential(20.0, n))))
    abandoned = (is999 & (rng.random(n) < 0.02)) | (is101 & (rng.random(n) < 0.16))
    unanswered_digital = digital & (rng.random(n) < 0.04)
    answered = np.where(abandoned | unanswered_digital, nan, presented + np.round(wait, 3))
    ended = np.where(abandoned, presented + rng.exponential(90.0, n),
                     np.where(unanswered_digital & (rng.random(n) < 0.7), presented + 86400.0,
                              answered + rng.exponential(300.0, n)))
    answered_or = ~np.isnan(answered)
    caller_known = rng.random(n) < 0.85
    assessed = answered_or & (rng.random(n) < 0.72)
    vulnerable = assessed & (rng.random(n) < 0.22)
    leads = answered_or & (rng.random(n) < 0.2) & (name != "callback")
    graded = leads.copy()
    overridden = graded & (rng.random(n) < 0.08)
    repeat = caller_known & (rng.random(n) < 0.12)

    m = int(leads.sum())
    incident_ids = np.arange(1, m + 1, dtype=np.int64)
    incident = np.full(n, -1, dtype=np.int64)
    incident[leads] = incident_ids
    safeguarded = vulnerable & leads & (rng.random(n) < 0.6)
    contacts = ContactFrame(
        id=np.arange(1, n + 1), channel=channel, presented=presented, answered=answered, ended=ended,
        abandoned=abandoned, caller_known=caller_known, repeat=repeat, assessed=assessed, vulnerable=vulnerable,
        safeguarded=safeguarded, graded=graded, overridden=overridden, incident=incident)

    created = answered[leads] + rng.exponential(150.0, m)
    first = rng.choice(len(GRADES), m, p=[0.14, 0.3, 0.24, 0.2, 0.07, 0.05]).astype(np.int16)
    shift = rng.choice([-1, 0, 1], m, p=[0.025, 0.95, 0.025])
    final = np.clip(first + shift, 0, len(GRADES) - 1).astype(np.int16)
    rural = rng.random(m) < 0.3
    deploy = (first <= 2) & (rng.random(m) < 0.93)
    attend_median = np.array([540.0, 2100.0, 30 * 3600.0, nan, nan, nan])[first]
    to_scene = rng.lognormal(np.log(np.nan_to_num(attend_median, nan=1.0)), 0.55) * np.where(rural, 1.3, 1.0)
    arrives = deploy & (rng.random(m) < 0.96)
    first_assigned = np.where(deploy, created + np.minimum(rng.exponential(120.0, m), to_scene * 0.5), nan)
    first_at_scene = np.where(arrives, created + to_scene, nan)
    closed_any = rng.random(m) < 0.96
    closed = np.where(closed_any, created + np.where(arrives, to_scene, 0) + rng.exponential(5400.0, m), nan)
    closed = np.where(closed > END + 30 * 86400, nan, closed)
    code = np.where(arrives, rng.choice([CLOSING_CODES.index(c) for c in ATTENDED_CLOSING_CODES], m),
                    rng.choice(len(CLOSING_CODES), m)).astype(np.int16)
    closing_code = np.where(np.isnan(closed), -1, code).astype(np.int16)
    reopened = rng.random(m) < 0.01
    desk = first == GRADES.index("4")
    callback_from = np.where(desk, created, nan)
    first_callback = np.where(desk & (rng.random(m) < 0.95), created + rng.exponential(8 * 3600.0, m), nan)
    callback_until = np.where(desk & (shift != 0), created + rng.exponential(3600.0, m), nan)
    incidents = IncidentFrame(
        id=incident_ids, created=created, first_grade=first, final_grade=final, rural=rural,
        first_assigned=first_assigned, first_at_scene=first_at_scene, closed=closed, closing_code=closing_code,
        reopened=reopened, callback_from=callback_from, callback_until=callback_until, first_callback=first_callback)

    booked = np.flatnonzero(first == GRADES.index("3"))
    starts = created[booked] + rng.uniform(3600.0, 3 * 86400.0, len(booked))
    keep = starts < END
    status = rng.choice(len(APPOINTMENT_STATUSES), len(booked), p=[0.05, 0.8, 0.08, 0.07]).astype(np.int8)
    appointments = AppointmentFrame(incident=incident_ids[booked][keep], starts=starts[keep], status=status[keep])
    return Frames(contacts=contacts, incidents=incidents, appointments=appointments, start=START, end=END,
                  as_of=END + 3600.0, grades=GRADES, repeat_window_s=28 * 86400.0)


# ---- the same measures in pandas --------------------------------------------------------------


def dataframes(frames: Frames) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    c, i, a = frames.contacts, frames.incidents, frames.appointments
    contacts = pd.DataFrame({
        "channel": pd.Categorical.from_codes(c.channel, categories=list(CHANNELS)),
        "presented": c.presented, "answered": c.answered, "ended": c.ended, "abandoned": c.abandoned,
        "caller_known": c.caller_known, "repeat": c.repeat, "assessed": c.assessed, "vulnerable": c.vulnerable,
        "safeguarded": c.safeguarded, "graded": c.graded, "overridden": c.overridden})
    codes = list(CLOSING_CODES)
    incidents = pd.DataFrame({
        "created": i.created, "first_grade": pd.Categorical.from_codes(i.first_grade, categories=list(GRADES)),
        "final_rank": i.final_grade, "first_rank": i.first_grade, "area": np.where(i.rural, "rural", "urban"),
        "first_assigned": i.first_assigned, "first_at_scene": i.first_at_scene, "closed": i.closed,
        "closing_code": pd.Categorical.from_codes(i.closing_code, categories=codes), "reopened": i.reopened,
        "callback_from": i.callback_from, "callback_until": i.callback_until, "first_callback": i.first_callback})
    appointments = pd.DataFrame({
        "starts": a.starts, "status": pd.Categorical.from_codes(a.status, categories=list(APPOINTMENT_STATUSES))})
    return contacts, incidents, appointments


def pandas_pack(contacts: pd.DataFrame, incidents: pd.DataFrame, appointments: pd.DataFrame, *, as_of: float,
                s: Standards) -> dict[tuple[str, str], float | None]:
    out: dict[tuple[str, str], float | None] = {}

    def share(key, num, den):
        out[key] = num / den if den else None

    # 999 and 101
    for line in ("999", "101"):
        calls = contacts[contacts["channel"] == line]
        wait = (calls["answered"] - calls["presented"]).dropna()
        gone = calls[calls["abandoned"] & calls["answered"].isna()]
        long_abandons = int((~((gone["ended"] - gone["presented"]) < s.short_abandon_s)).sum())
        if line == "999":
            n = len(wait)
            share(("answer_999.within_10s_share", "all"), (wait < s.answer_999_s).sum(), n)
            bands = pd.cut(wait, [-np.inf, 10.0, 60.0, np.inf], right=False, labels=list(BANDS_999))
            for band, k in bands.value_counts().items():
                share(("answer_999.band_share", f"band={band}"), k, n)
            out[("answer_999.median_s", "all")] = wait.quantile(0.5) if n else None
            out[("answer_999.p90_s", "all")] = wait.quantile(0.9) if n else None
            share(("answer_999.abandoned_share", "all"), long_abandons, n + long_abandons)
            out[("answer_999.presented", "all")] = len(calls)
        else:
            out[("call_101.mean_wait_s", "all")] = wait.mean()
            out[("call_101.p90_wait_s", "all")] = wait.quantile(0.9)
            share(("call_101.abandoned_share", "all"), long_abandons, len(wait) + long_abandons)
            out[("call_101.presented", "all")] = len(calls)

    # Digital
    dig = contacts[contacts["channel"].isin(DIGITAL_CHANNELS)].copy()
    dig["channel"] = dig["channel"].cat.remove_unused_categories()
    dig["response"] = dig["answered"] - dig["presented"]
    q = dig.groupby("channel", observed=True)["response"].quantile([0.5, 0.9]).unstack()
    for channel, row in q.iterrows():
        out[("digital.first_response.median_s", f"channel={channel}")] = row[0.5]
        out[("digital.first_response.p90_s", f"channel={channel}")] = row[0.9]
    out[("digital.first_response.median_s", "all")] = dig["response"].quantile(0.5)
    out[("digital.first_response.p90_s", "all")] = dig["response"].quantile(0.9)
    for channel, k in dig.groupby("channel", observed=True).size().items():
        out[("digital.presented", f"channel={channel}")] = k

    # Attendance, against the grade first given
    targets = pd.DataFrame([(g, area, t) for g, pair in s.attendance_targets_s.items()
                            for area, t in zip(("urban", "rural"), pair)], columns=["first_grade", "area", "target"])
    inc = incidents.assign(first_grade=incidents["first_grade"].astype(str)).merge(
        targets, on=["first_grade", "area"], how="inner")
    inc["time"] = inc["first_at_scene"] - inc["created"]
    due = inc["created"] + inc["target"]
    arrived = inc["time"].notna()
    missed = ~arrived & (inc["closed"].fillna(np.inf).clip(upper=as_of) > due)
    inc["within"] = arrived & (inc["time"] <= inc["target"])
    inc["judged"] = arrived | missed
    for keys, label in ((["first_grade"], lambda k: f"grade={k[0]}"),
                        (["first_grade", "area"], lambda k: f"grade={k[0]}/area={k[1]}")):
        grouped = inc.groupby(keys)
        sums = grouped[["within", "judged"]].sum()
        qs = grouped["time"].quantile([0.5, 0.9]).unstack()
        for key in sums.index:
            key_t = key if isinstance(key, tuple) else (key,)
            seg = label(key_t)
            share(("attendance.within_target_share", seg), sums.loc[key, "within"], sums.loc[key, "judged"])
            out[("attendance.median_s", seg)] = qs.loc[key, 0.5]
            out[("attendance.p90_s", seg)] = qs.loc[key, 0.9]
        for key, k in grouped.size().items():
            out[("attendance.incidents", label(key if isinstance(key, tuple) else (key,)))] = k

    # Resolution: RWD, callbacks; appointments
    closed = incidents[incidents["closed"].notna() & ~incidents["closing_code"].isin(EXCLUDED_FROM_RWD_CLOSING_CODES)]
    rwd = closed["first_assigned"].isna() & ~closed["closing_code"].isin(ATTENDED_CLOSING_CODES)
    share(("resolution.rwd_share", "all"), rwd.sum(), len(closed))
    desk = incidents[incidents["callback_from"].notna()]
    due = desk["callback_from"] + s.callback_target_s
    called = desk["first_callback"].notna()
    stop = desk[["closed", "callback_until"]].min(axis=1).fillna(np.inf).clip(upper=as_of)
    share(("resolution.callback_within_target_share", "all"), (desk["first_callback"] <= due).sum(),
          called.sum() + (~called & (stop > due)).sum())
    waits = (desk["first_callback"] - desk["callback_from"]).dropna()
    out[("resolution.callback_median_s", "all")] = waits.quantile(0.5)
    out[("resolution.callback_p90_s", "all")] = waits.quantile(0.9)
    status = appointments["status"].value_counts()
    share(("appointments.kept_share", "all"), status["attended"], status["attended"] + status["missed"])

    # Contact quality
    inbound = contacts[~contacts["channel"].isin(FORCE_INITIATED_CHANNELS)]
    handled = inbound[inbound["answered"].notna() | inbound["assessed"]]
    assessed = handled[handled["assessed"]]
    vulnerable = assessed[assessed["vulnerable"]]
    graded = inbound[inbound["graded"]]
    repeatable = contacts[contacts["caller_known"] & ~contacts["channel"].isin(NOT_REPEAT_CHANNELS)]
    share(("contacts.risk_assessed_share", "all"), len(assessed), len(handled))
    share(("contacts.vulnerability_identified_share", "all"), len(vulnerable), len(assessed))
    share(("contacts.safeguarding_share", "all"), vulnerable["safeguarded"].sum(), len(vulnerable))
    share(("contacts.grade_override_share", "all"), graded["overridden"].sum(), len(graded))
    share(("contacts.repeat_share", "all"), repeatable["repeat"].sum(), len(repeatable))

    # Demand: by channel, local hour and day of week (the period is whole local days)
    out[("demand.contacts", "all")] = len(inbound)
    for channel, k in inbound.groupby("channel", observed=True).size().items():
        out[("demand.contacts", f"channel={channel}")] = k
    local = pd.to_datetime(inbound["presented"], unit="s", utc=True).dt.tz_convert(s.timezone)
    clock = pd.date_range(pd.Timestamp(START, unit="s", tz="UTC"), pd.Timestamp(END, unit="s", tz="UTC"),
                          freq="h", inclusive="left").tz_convert(s.timezone)
    hours_shown = pd.Series(clock.hour).value_counts()
    for h, k in local.dt.hour.value_counts().items():
        out[("demand.by_hour", f"hour={h:02d}")] = k / hours_shown[h]
    dates = pd.Series(clock.normalize().unique())
    days_shown = dates.dt.day_of_week.value_counts()
    for d, k in local.dt.day_of_week.value_counts().items():
        out[("demand.by_day", f"day={WEEKDAYS[d]}")] = k / days_shown[d]
    return out


# ---- run --------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--contacts", type=int, default=10_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=3, help="runs of ours (pandas runs once: it is the slow one)")
    args = parser.parse_args()
    command = ".venv/bin/python benchmarks/measures.py " + shlex.join(sys.argv[1:])

    t0 = time.perf_counter()
    frames = generate(args.contacts, args.seed)
    gen_s = time.perf_counter() - t0
    print(f"generated {len(frames.contacts):,} contacts, {len(frames.incidents):,} incidents, "
          f"{len(frames.appointments):,} appointments in {gen_s:.1f} s", file=sys.stderr, flush=True)
    s = Standards()

    ours_s = []
    for _ in range(args.runs):
        t0 = time.perf_counter()
        pack = measures_pack(frames, s)
        ours_s.append(time.perf_counter() - t0)
        print(f"ours {ours_s[-1]:.2f} s", file=sys.stderr, flush=True)

    t0 = time.perf_counter()
    contacts, incidents, appointments = dataframes(frames)
    build_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    theirs = pandas_pack(contacts, incidents, appointments, as_of=frames.as_of, s=s)
    pandas_s = time.perf_counter() - t0
    print(f"pandas {pandas_s:.2f} s", file=sys.stderr, flush=True)

    mismatches = []
    for (measure, segment), value in theirs.items():
        mine = pack.value(measure, segment)
        both_none = mine is None and (value is None or (isinstance(value, float) and math.isnan(value)))
        if not both_none and (mine is None or value is None or not math.isclose(mine, float(value), rel_tol=1e-9)):
            mismatches.append((measure, segment, mine, value))

    machine = f"{platform.system()} {platform.release()} {platform.machine()}, {len(os.sched_getaffinity(0))} CPUs"
    print()
    print(f"date: {dt.datetime.now().astimezone().isoformat(timespec='seconds')}  ")
    print(f"machine: {machine}, Python {platform.python_version()}, numpy {np.__version__}, pandas {pd.__version__}  ")
    print(f"command: `{command}`  ")
    print(f"{len(frames.contacts):,} contacts, {len(frames.incidents):,} incidents, "
          f"{len(frames.appointments):,} appointments over 2026; {len(pack.rows)} rows in the pack  ")
    print()
    print("| method | runs | seconds (best) | seconds (all) |")
    print("|---|---:|---:|---:|")
    print(f"| **ours**: `measures_pack` (numpy) | {len(ours_s)} | **{min(ours_s):.2f}** | "
          f"{', '.join(f'{x:.2f}' for x in ours_s)} |")
    print(f"| pandas: the same measures, idiomatic | 1 | {pandas_s:.2f} | {pandas_s:.2f} |")
    print()
    print(f"pandas DataFrames built in {build_s:.2f} s, frames generated in {gen_s:.1f} s (neither in the figures)  ")
    print(f"values compared: {len(theirs)}; disagreeing (relative 1e-9): {len(mismatches)}  ")
    for m in mismatches[:20]:
        print(f"  MISMATCH {m}")
    if mismatches:
        sys.exit(1)


if __name__ == "__main__":
    main()
