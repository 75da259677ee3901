"""The desk's pure rules: due times, failed attempts, deployable grades, a day's slots."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from demandhub.resolution import rules

GRADES = ["1", "2", "3", "4", "RFC", "REF"]


def test_due_is_opening_plus_the_callback_target_and_overdue_only_after_it():
    opened = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
    assert rules.CALLBACK_TARGET == timedelta(hours=24)
    at_due = rules.due_of(opened, datetime(2026, 11, 29, 10, 0, tzinfo=UTC))
    assert at_due.due_at == datetime(2026, 11, 29, 10, 0, tzinfo=UTC)
    assert not at_due.overdue  # due at 10:00 is not overdue at 10:00
    late = rules.due_of(opened, datetime(2026, 11, 29, 11, 30, tzinfo=UTC))
    assert late.overdue and late.remaining == timedelta(minutes=-90)
    assert rules.format_remaining(late.remaining) == "1 h 30 min overdue"
    assert rules.format_remaining(timedelta(minutes=45)) == "in 45 min"
    assert rules.due_of(opened, opened, timedelta(hours=2)).due_at == datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def test_failed_attempts_count_since_the_caller_was_last_spoken_to():
    assert rules.failed_since_spoken([]) == 0
    assert rules.failed_since_spoken(["no_answer", "voicemail"]) == 2
    assert rules.failed_since_spoken(["no_answer", "spoke_to_caller", "wrong_number"]) == 1
    assert not rules.attempts_exhausted(["no_answer", "voicemail"])
    assert rules.attempts_exhausted(["no_answer", "voicemail", "wrong_number"])
    assert not rules.attempts_exhausted(["no_answer", "voicemail", "spoke_to_caller"])
    assert rules.attempts_exhausted(["no_answer", "no_answer"], limit=2)


def test_deployable_grades_are_those_more_urgent_than_the_desks_own():
    assert [g for g in GRADES if rules.deployable(g, GRADES)] == ["1", "2", "3"]
    assert not rules.deployable("9", GRADES)


def test_every_outcome_closes_with_known_closing_codes():
    from demandhub.classification import CLOSING_CODES

    for outcome, codes in rules.CLOSING_CODES.items():
        assert codes and all(c in CLOSING_CODES for c in codes), outcome
    assert rules.CLOSING_CODES[rules.Outcome.CRIME_RECORDED] == ("crime_recorded",)
    assert rules.CLOSING_CODES[rules.Outcome.REFERRED] == ("referred_to_partner",)


def test_a_days_slots_are_back_to_back_in_local_time_and_stop_before_the_end():
    london = ZoneInfo("Europe/London")
    summer = rules.day_slots(date(2026, 7, 1), first=time(9), last_end=time(11, 30), length=timedelta(minutes=60),
                             tz=london)
    assert summer == [(datetime(2026, 7, 1, 8, 0, tzinfo=UTC), datetime(2026, 7, 1, 9, 0, tzinfo=UTC)),
                      (datetime(2026, 7, 1, 9, 0, tzinfo=UTC), datetime(2026, 7, 1, 10, 0, tzinfo=UTC))]
    winter = rules.day_slots(date(2026, 12, 1), first=time(9), last_end=time(10), length=timedelta(minutes=30),
                             tz=london)
    assert [s for s, _ in winter] == [datetime(2026, 12, 1, 9, 0, tzinfo=UTC), datetime(2026, 12, 1, 9, 30, tzinfo=UTC)]
    with pytest.raises(ValueError):
        rules.day_slots(date(2026, 12, 1), first=time(10), last_end=time(9), length=timedelta(hours=1), tz=london)
