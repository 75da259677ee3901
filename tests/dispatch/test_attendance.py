"""The attendance clock, worked by hand: the incident opens at 10:00:00."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from demandhub.dispatch.attendance import Leg, attendance

OPEN = datetime(2026, 11, 28, 10, 0, tzinfo=timezone.utc)


def t(minutes: float) -> datetime:
    return OPEN + timedelta(minutes=minutes)


def test_one_unit_assigned_moving_and_arriving_inside_the_target():
    clock = attendance(created_at=OPEN, legs=[Leg(t(2), t(3), t(11))], target_s=15 * 60, area="urban", now=t(30))
    assert (clock.to_assigned_s, clock.to_en_route_s, clock.to_arrival_s) == (120, 180, 660)
    assert clock.due_at == t(15) and clock.verdict == "met"


def test_a_unit_stood_down_before_arriving_does_not_stop_the_clock():
    # R1 assigned at 2, en route at 3, cancelled (no arrival); R2 assigned at 9, arrives at 24.
    legs = [Leg(t(2), t(3), None), Leg(t(9), t(10), t(24))]
    clock = attendance(created_at=OPEN, legs=legs, target_s=20 * 60, area="rural", now=t(40))
    assert clock.to_assigned_s == 120 and clock.to_en_route_s == 180  # the first unit to move still counts
    assert clock.to_arrival_s == 24 * 60 and clock.verdict == "missed"


def test_the_first_arrival_counts_whichever_unit_it_was():
    legs = [Leg(t(1), t(2), t(19)), Leg(t(4), t(5), t(12))]
    clock = attendance(created_at=OPEN, legs=legs, target_s=15 * 60, area="urban", now=t(20))
    assert clock.to_arrival_s == 12 * 60 and clock.verdict == "met"


def test_arriving_without_saying_en_route_counts_as_moving_until_arrival():
    clock = attendance(created_at=OPEN, legs=[Leg(t(1), None, t(8))], target_s=900, area="urban", now=t(9))
    assert clock.to_en_route_s == 8 * 60 and clock.to_arrival_s == 8 * 60


def test_arriving_exactly_at_the_target_meets_it():
    clock = attendance(created_at=OPEN, legs=[Leg(t(1), t(1), t(15))], target_s=900, area="urban", now=t(16))
    assert clock.verdict == "met"


def test_before_anyone_arrives_it_is_pending_then_missed_once_the_target_passes():
    legs = [Leg(t(1), t(2), None)]
    assert attendance(created_at=OPEN, legs=legs, target_s=900, area="urban", now=t(14)).verdict == "pending"
    late = attendance(created_at=OPEN, legs=legs, target_s=900, area="urban", now=t(15.01))
    assert late.verdict == "missed" and late.to_arrival_s is None


def test_no_units_yet_and_grades_without_a_target():
    none_yet = attendance(created_at=OPEN, legs=[], target_s=3600, area="urban", now=t(5))
    assert (none_yet.to_assigned_s, none_yet.verdict) == (None, "pending")
    scheduled = attendance(created_at=OPEN, legs=[Leg(t(60), None, t(120))], target_s=None, area="urban", now=t(200))
    assert scheduled.verdict == "no target" and scheduled.due_at is None and scheduled.to_arrival_s == 7200


def test_closing_stops_the_clock_before_anyone_arrived():
    # Closed as a duplicate at 5 minutes: neither met nor missed, however late it is now.
    early = attendance(created_at=OPEN, legs=[Leg(t(1), t(2), None)], target_s=900, area="urban", now=t(300),
                       closed_at=t(5))
    assert early.verdict == "closed before arrival"
    # Closed at 40 minutes with nobody there: the 15-minute target had already been missed.
    late = attendance(created_at=OPEN, legs=[], target_s=900, area="urban", now=t(300), closed_at=t(40))
    assert late.verdict == "missed"
