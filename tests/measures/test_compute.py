"""Each measure on a small event set whose answer is worked out by hand in the comments.

Times are seconds after T0 (Monday 2 November 2026, 09:00 GMT) unless said otherwise.
Percentiles are Hyndman-Fan type 7: sorted x[0..n-1], h = (n-1)q, x[floor h] + frac(h)(x[floor h+1] - x[floor h]).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from demandhub.measures.compute import measures_pack
from demandhub.measures.definitions import DEFINITIONS, Standards
from demandhub.measures.frames import ContactFrame, mark_repeats
from tests.measures import build
from tests.measures.build import T0


def pack_of(**kwargs):
    return measures_pack(build.frames(**kwargs))


def test_999_answer_time_bands_and_where_exactly_10_seconds_falls():
    waits = [3, 9.99, 10.0, 25, 59.99, 60, 75]
    rows = [{"channel": "999", "presented": 100 * k, "answered": 100 * k + w} for k, w in enumerate(waits)]
    rows += [{"channel": "999", "presented": 1000, "abandoned": True, "ended": 1004},   # short abandon (4 s)
             {"channel": "999", "presented": 1100, "abandoned": True, "ended": 1112},   # abandoned after 12 s
             {"channel": "999", "presented": 1200, "abandoned": True},                  # no end time: counts
             {"channel": "999", "presented": 1300}]                                     # neither: no answer time
    pack = pack_of(contact_frame=build.contacts(*rows))
    assert pack.value("answer_999.presented") == 11
    # Under 10 s: 3 and 9.99 only; exactly 10.0 s is NOT within (it is in the 10-to-under-60 band).
    share = pack.get("answer_999.within_10s_share")
    assert (share.numerator, share.denominator, share.target, share.met) == (2, 7, 0.9, False)
    assert share.value == pytest.approx(2 / 7)
    bands = pack.by_measure("answer_999.band_share")
    assert {k: (r.numerator, r.denominator) for k, r in bands.items()} == {
        "band=under_10s": (2, 7), "band=10s_to_under_60s": (3, 7), "band=60s_or_more": (2, 7)}  # 10, 25, 59.99 | 60, 75
    # Sorted [3, 9.99, 10, 25, 59.99, 60, 75]: median h=3 -> 25; p90 h=5.4 -> 60 + 0.4*15 = 66.
    assert pack.value("answer_999.median_s") == pytest.approx(25)
    assert pack.value("answer_999.p90_s") == pytest.approx(66)
    # Abandoned after the 5 s threshold: the 12 s one and the one without an end time: 2 / (7 + 2).
    assert pack.value("answer_999.abandoned_share") == pytest.approx(2 / 9)
    assert pack.value("answer_999.without_answer_time") == 1


def test_999_exactly_10_seconds_alone_misses_the_standard_and_all_under_meets_it():
    exactly = pack_of(contact_frame=build.contacts({"channel": "999", "presented": 0, "answered": 10.0}))
    assert exactly.value("answer_999.within_10s_share") == 0.0
    assert exactly.get("answer_999.band_share", "band=10s_to_under_60s").value == 1.0
    quick = pack_of(contact_frame=build.contacts(*[{"channel": "999", "presented": k, "answered": k + 9.5}
                                                   for k in range(10)]))
    assert quick.get("answer_999.within_10s_share").met is True


def test_101_average_wait_and_abandonment_with_the_5_second_threshold():
    rows = [{"presented": 0, "answered": 30}, {"presented": 0, "answered": 90}, {"presented": 0, "answered": 240},
            {"presented": 0, "abandoned": True, "ended": 4.9},   # short abandon: excluded
            {"presented": 0, "abandoned": True, "ended": 5.0},   # exactly 5 s: counts as abandoned
            {"presented": 0, "abandoned": True, "ended": 300},
            {"channel": "999", "presented": 0, "abandoned": True, "ended": 60}]  # another line: not 101
    pack = pack_of(contact_frame=build.contacts(*rows))
    assert pack.value("call_101.presented") == 6
    mean = pack.get("call_101.mean_wait_s")
    assert (mean.value, mean.numerator, mean.denominator) == (120.0, 360.0, 3.0)  # (30 + 90 + 240) / 3
    assert pack.value("call_101.p90_wait_s") == pytest.approx(210)  # h = 1.8: 90 + 0.8 * 150
    ab = pack.get("call_101.abandoned_share")
    assert (ab.numerator, ab.denominator, ab.value) == (2, 5, 0.4)  # 2 / (3 answered + 2)
    assert pack.value("call_101.short_abandons") == 1


def test_digital_time_to_first_response_by_channel_and_the_unanswered():
    rows = [{"channel": "webchat", "presented": 0, "answered": 60},
            {"channel": "webchat", "presented": 0, "answered": 120},
            {"channel": "webchat", "presented": 0, "answered": 600},
            {"channel": "online", "presented": 0, "answered": 3600},
            {"channel": "online", "presented": 0, "ended": 7200},       # closed without a response
            {"channel": "social_media", "presented": 0},                # still waiting
            {"channel": "101", "presented": 0, "answered": 5}]          # not digital
    pack = pack_of(contact_frame=build.contacts(*rows))
    # All four answered: [60, 120, 600, 3600]: median h=1.5 -> 360; p90 h=2.7 -> 600 + 0.7*3000 = 2700.
    assert pack.value("digital.first_response.median_s") == pytest.approx(360)
    assert pack.value("digital.first_response.p90_s") == pytest.approx(2700)
    # Webchat [60, 120, 600]: median 120; p90 h=1.8 -> 120 + 0.8*480 = 504.
    assert pack.value("digital.first_response.median_s", "channel=webchat") == pytest.approx(120)
    assert pack.value("digital.first_response.p90_s", "channel=webchat") == pytest.approx(504)
    assert pack.value("digital.first_response.median_s", "channel=online") == 3600
    assert pack.value("digital.first_response.median_s", "channel=emergency_sms") is None  # no data
    assert pack.value("digital.presented") == 6 and pack.value("digital.presented", "channel=online") == 2
    assert pack.value("digital.closed_without_response", "channel=online") == 1
    assert pack.value("digital.awaiting_response") == 1
    assert pack.value("digital.awaiting_response", "channel=social_media") == 1


AS_OF = 10 * 3600


def attendance_set():
    return build.incidents(
        {"grade": "1", "at_scene": 600},                                  # A urban, within 15 min
        {"grade": "1", "at_scene": 900},                                  # B exactly 15 min: within
        {"grade": "1", "at_scene": 1500},                                 # C missed
        {"grade": "1", "rural": True, "at_scene": 1100},                  # D rural: within 20 min
        {"grade": "1", "assigned": 60, "at_scene": 2000},                 # E missed
        {"grade": "1", "closed": 300, "closing_code": "cancelled_by_caller"},  # F closed before arrival
        {"grade": "1", "closed": 1800, "closing_code": "no_trace"},       # G nobody came, target passed
        {"grade": "1", "created": AS_OF - 100},                           # H pending
        {"grade": "1", "final": "2", "at_scene": 1000},                   # I downgraded: judged as grade 1
        {"grade": "2", "final": "1", "at_scene": 1000},                   # J upgraded: judged as grade 2
        {"grade": "1", "reopened": True, "at_scene": 700},                # K reopened, within
        {"grade": "3", "at_scene": 90000},                                # no attendance target
    )


def test_attendance_by_grade_and_area_against_the_grade_first_given():
    pack = pack_of(incident_frame=attendance_set(), as_of=AS_OF)
    urban = "grade=1/area=urban"
    # Grade 1 urban: A B C E F G H I K = 9; arrived A600 B900 C1500 E2000 I1000 K700; within 900 s: A B K.
    assert pack.value("attendance.incidents", urban) == 9
    share = pack.get("attendance.within_target_share", urban)
    assert (share.numerator, share.denominator, share.target, share.met) == (3, 7, 0.9, False)  # 6 arrived + G
    # Sorted [600, 700, 900, 1000, 1500, 2000]: median h=2.5 -> 950; p90 h=4.5 -> 1500 + 0.5*500 = 1750.
    assert pack.value("attendance.median_s", urban) == pytest.approx(950)
    assert pack.value("attendance.p90_s", urban) == pytest.approx(1750)
    assert pack.get("attendance.median_s", urban).denominator == 6
    assert [pack.value(m, urban) for m in ("attendance.missed_without_arrival", "attendance.closed_before_arrival",
                                           "attendance.pending", "attendance.reopened")] == [1, 1, 1, 1]
    rural = "grade=1/area=rural"
    assert pack.value("attendance.within_target_share", rural) == 1.0
    assert pack.value("attendance.median_s", rural) == 1100
    # Grade 1 both areas: 10 incidents, within A B D K of 8 judged; times [600,700,900,1000,1100,1500,2000]
    # median h=3 -> 1000; p90 h=5.4 -> 1500 + 0.4*500 = 1700.
    assert pack.value("attendance.incidents", "grade=1") == 10
    assert pack.value("attendance.within_target_share", "grade=1") == pytest.approx(4 / 8)
    assert pack.value("attendance.median_s", "grade=1") == pytest.approx(1000)
    assert pack.value("attendance.p90_s", "grade=1") == pytest.approx(1700)
    # J (first graded 2, upgraded to 1, arrived at 1000 s) is judged against grade 2's 60 minutes.
    assert pack.get("attendance.within_target_share", "grade=2").numerator == 1
    assert pack.value("attendance.incidents", "grade=2/area=rural") == 0
    assert pack.value("attendance.within_target_share", "grade=2/area=rural") is None  # no data, no division
    assert pack.value("attendance.regraded", "grade=1/direction=down") == 1
    assert pack.value("attendance.regraded", "grade=2/direction=up") == 1
    assert "grade=3" not in pack.by_measure("attendance.incidents")


def test_a_pending_incident_becomes_a_miss_once_its_target_passes():
    late = pack_of(incident_frame=build.incidents({"grade": "1", "created": 0}), as_of=901)
    assert late.value("attendance.missed_without_arrival", "grade=1") == 1
    assert late.value("attendance.within_target_share", "grade=1") == 0.0
    early = pack_of(incident_frame=build.incidents({"grade": "1", "created": 0}), as_of=899)
    assert early.value("attendance.pending", "grade=1") == 1
    assert early.value("attendance.within_target_share", "grade=1") is None


def test_resolution_without_deployment_callbacks_and_appointments():
    incidents = build.incidents(
        {"grade": "4", "closed": 100, "closing_code": "resolved_by_phone"},                      # R1 RWD
        {"grade": "1", "assigned": 10, "closed": 100, "closing_code": "officer_attended_resolved"},  # R2
        {"grade": "2", "assigned": 10, "closed": 100, "closing_code": "no_crime_advice_given"},  # R3 deployed
        {"grade": "3", "closed": 100, "closing_code": "officer_attended_no_further_action"},    # R4 attended code
        {"grade": "4", "closed": 100, "closing_code": "duplicate"},                              # R5 excluded
        {"grade": "4"},                                                                          # R6 open
        {"grade": "4", "callback_from": 0, "first_callback": 3600},                 # Q1 called back in 1 h
        {"grade": "4", "callback_from": 0, "first_callback": 90000},                # Q2 late (25 h)
        {"grade": "4", "callback_from": 0, "closed": 7200, "closing_code": "information_recorded"},  # Q3 closed early
        {"grade": "4", "callback_from": 0},                                          # Q4 never called: missed
        {"grade": "4", "final": "2", "callback_from": 0, "callback_until": 3600},   # Q5 left the desk at 1 h
        {"grade": "4", "callback_from": 100000 - 100},                               # Q6 pending
    )
    # R1 and Q3 are RWD; eligible: R1 R2 R3 R4 Q3 (R5 duplicate, the rest open): 2 / 5.
    appts = build.appointments(
        *[{"starts": 0, "status": "attended"}] * 3, {"starts": 0, "status": "missed"},
        *[{"starts": 0, "status": "cancelled"}] * 2, {"starts": 200000, "status": "booked"},
        {"starts": 50, "status": "booked"})
    pack = pack_of(incident_frame=incidents, appointment_frame=appts, as_of=100000)
    rwd = pack.get("resolution.rwd_share")
    assert (rwd.numerator, rwd.denominator) == (2, 5)
    cb = pack.get("resolution.callback_within_target_share")
    assert (cb.numerator, cb.denominator) == (1, 3)  # Q1 in time; Q2 late, Q4 missed; Q3, Q5, Q6 out
    # Times to first callback [3600, 90000]: median 46800; p90 = 3600 + 0.9*86400 = 81360.
    assert pack.value("resolution.callback_median_s") == pytest.approx(46800)
    assert pack.value("resolution.callback_p90_s") == pytest.approx(81360)
    kept = pack.get("appointments.kept_share")
    assert (kept.numerator, kept.denominator) == (3, 4)
    assert pack.value("appointments.cancelled") == 2 and pack.value("appointments.not_recorded") == 1


def test_contact_quality_shares():
    rows = [
        {"answered": 10, "assessed": True, "vulnerable": True, "safeguarded": True, "graded": True,
         "caller_known": True},                                                                     # c1
        {"channel": "999", "answered": 5, "assessed": True, "vulnerable": True, "graded": True, "overridden": True,
         "caller_known": True, "repeat": True},                                                     # c2
        {"channel": "online", "answered": 600, "assessed": True},                                  # c3
        {"answered": 20, "caller_known": True, "repeat": True},                                     # c4 not assessed
        {"abandoned": True, "ended": 30, "caller_known": True},                                     # c5 never handled
        {"channel": "callback", "answered": 0, "assessed": True, "graded": True, "overridden": True,
         "caller_known": True, "repeat": True},                                                     # c6 the force's own
    ]
    pack = pack_of(contact_frame=build.contacts(*rows))
    got = {m: (pack.get(m).numerator, pack.get(m).denominator) for m in (
        "contacts.risk_assessed_share", "contacts.vulnerability_identified_share", "contacts.safeguarding_share",
        "contacts.grade_override_share", "contacts.repeat_share")}
    assert got == {"contacts.risk_assessed_share": (3, 4),             # c1 c2 c3 of handled c1-c4
                   "contacts.vulnerability_identified_share": (2, 3),  # c1 c2 of assessed c1-c3
                   "contacts.safeguarding_share": (1, 2),              # c1 of vulnerable c1 c2
                   "contacts.grade_override_share": (1, 2),            # c2 of graded c1 c2
                   "contacts.repeat_share": (2, 4)}                    # c2 c4 of known numbers c1 c2 c4 c5


def test_repeat_callers_within_28_days():
    day = 86400.0
    caller = np.array([5, 5, 7, 5, -1, -1])
    presented = np.array([0, 10, 1, 40, 0, 1]) * day
    # Number 5: day 0 (first), day 10 (10 days after: repeat), day 40 (30 days after day 10: not).
    assert mark_repeats(caller, presented, 28 * day).tolist() == [False, True, False, False, False, False]
    assert mark_repeats(np.array([1, 1]), np.array([0.0, 28 * day]), 28 * day).tolist() == [False, True]


def test_demand_by_hour_on_the_day_the_clocks_go_forward():
    # 2026-03-29, Europe/London: 01:00 GMT becomes 02:00 BST. The local day 00:00 to 24:00 is
    # 00:00 UTC to 23:00 UTC: 23 hours; hour 01 never shows.
    start = 1774742400.0  # 2026-03-29T00:00:00Z
    contacts = build.contacts({"presented": start + 1800 - T0},        # 00:30 UTC = 00:30 GMT: hour 00
                              {"presented": start + 5400 - T0},        # 01:30 UTC = 02:30 BST: hour 02
                              {"presented": start + 22.5 * 3600 - T0})  # 22:30 UTC = 23:30 BST: hour 23
    pack = measures_pack(build.frames(contact_frame=contacts, start=start - T0, end=start + 23 * 3600 - T0))
    hours = pack.by_measure("demand.by_hour")
    assert (hours["hour=00"].value, hours["hour=02"].value, hours["hour=23"].value) == (1.0, 1.0, 1.0)
    assert (hours["hour=01"].value, hours["hour=01"].numerator, hours["hour=01"].denominator) == (None, 0, 0)
    assert sum(r.denominator for r in hours.values()) == 23
    days = pack.by_measure("demand.by_day")
    assert (days["day=sun"].numerator, days["day=sun"].denominator, days["day=sun"].value) == (3, 1.0, 3.0)
    assert days["day=mon"].value is None


def test_demand_by_hour_on_the_day_the_clocks_go_back():
    # 2026-10-25: 02:00 BST (01:00 UTC) becomes 01:00 GMT. The local day is 2026-10-24T23:00Z to
    # 2026-10-26T00:00Z: 25 hours; hour 01 shows twice and both count as hour 01.
    start = 1792882800.0  # 2026-10-24T23:00:00Z
    utc_0025 = 1792886400.0  # 2026-10-25T00:00:00Z
    contacts = build.contacts({"presented": utc_0025 + 900 - T0},          # 00:15 UTC = 01:15 BST: hour 01
                              {"presented": utc_0025 + 3600 + 900 - T0},   # 01:15 UTC = 01:15 GMT: hour 01
                              {"presented": utc_0025 + 3600 + 2700 - T0},  # 01:45 UTC = 01:45 GMT: hour 01
                              {"presented": utc_0025 + 23.99 * 3600 - T0})  # 23:59 GMT: hour 23
    pack = measures_pack(build.frames(contact_frame=contacts, start=start - T0, end=utc_0025 + 24 * 3600 - T0))
    hours = pack.by_measure("demand.by_hour")
    one = hours["hour=01"]
    assert (one.numerator, one.denominator, one.value) == (3, 2.0, 1.5)  # 3 contacts over 2 hours of "01"
    assert hours["hour=23"].value == 1.0 and hours["hour=00"].denominator == 1.0
    assert sum(r.denominator for r in hours.values()) == 25
    sunday = pack.get("demand.by_day", "day=sun")
    assert (sunday.numerator, sunday.denominator) == (4, 1.0)


def test_demand_by_day_counts_part_days_by_their_share_and_channels_leave_out_callbacks():
    # Monday 12:00 GMT to Tuesday 12:00 GMT: half a Monday and half a Tuesday.
    contacts = build.contacts({"presented": 3 * 3600, "channel": "999"},   # Monday 12:00
                              {"presented": 4 * 3600, "channel": "webchat"},
                              {"presented": 5 * 3600, "channel": "callback"},  # the force's own: not demand
                              {"presented": 20 * 3600, "channel": "999"})  # Tuesday 05:00
    pack = measures_pack(build.frames(contact_frame=contacts, start=3 * 3600, end=27 * 3600))
    mon, tue = pack.get("demand.by_day", "day=mon"), pack.get("demand.by_day", "day=tue")
    assert (mon.numerator, mon.denominator, mon.value) == (2, 0.5, 4.0)
    assert (tue.numerator, tue.denominator, tue.value) == (1, 0.5, 2.0)
    assert pack.value("demand.contacts") == 3
    assert pack.value("demand.contacts", "channel=999") == 2
    assert "channel=callback" not in pack.by_measure("demand.contacts")
    assert pack.get("demand.by_hour", "hour=12").numerator == 1


def test_an_empty_period_gives_no_data_and_never_divides_by_zero():
    pack = pack_of()
    assert {r.measure for r in pack.rows} == set(DEFINITIONS)  # every published measure has a row
    for row in pack.rows:
        if DEFINITIONS[row.measure].unit == "count":
            assert row.value == 0, row
        elif row.measure in ("demand.by_hour", "demand.by_day"):
            assert row.value == 0 and row.denominator > 0, row  # a week of clock, no contacts
        else:
            assert row.value is None and row.met is None, row


def test_every_row_names_a_published_measure_and_values_are_finite():
    pack = measures_pack(build.frames(contact_frame=build.contacts({"channel": "999", "answered": 4}),
                                      incident_frame=attendance_set(), as_of=AS_OF))
    assert pack.version == "2026.11"
    for row in pack.rows:
        assert row.measure in DEFINITIONS
        assert row.value is None or math.isfinite(row.value)


def test_frames_refuse_columns_of_different_lengths():
    with pytest.raises(ValueError, match="rows"):
        ContactFrame(**{**{f: [] for f in ContactFrame.__dataclass_fields__}, "presented": [1.0]})


def test_standards_from_the_dispatch_rules():
    from demandhub.dispatch.rules import load_rules
    s = Standards.from_rules(load_rules(), callback_target_h=12, timezone="Europe/London")
    assert dict(s.attendance_targets_s) == {"1": (900.0, 1200.0), "2": (3600.0, 3600.0)}
    assert s.callback_target_s == 43200
