"""Overdue and due-soon, worked by hand around today = 28 Nov 2026."""

from __future__ import annotations

from datetime import date

import pytest

from demandhub.staff.due import Due, due_state, renewed, training_state

TODAY = date(2026, 11, 28)


@pytest.mark.parametrize(("due_on", "expected"), [
    (date(2026, 11, 27), Due.OVERDUE),   # yesterday
    (date(2025, 1, 1), Due.OVERDUE),
    (date(2026, 11, 28), Due.DUE_SOON),  # due today is not yet overdue
    (date(2026, 12, 28), Due.DUE_SOON),  # today + 30: the last day of "soon"
    (date(2026, 12, 29), Due.OK),        # today + 31
    (None, Due.NO_EXPIRY),
])
def test_due_state_edges(due_on, expected):
    assert due_state(due_on, done=False, today=TODAY) == expected


def test_done_is_done_whatever_the_date():
    assert due_state(date(2020, 1, 1), done=True, today=TODAY) == Due.DONE


def test_soon_is_configurable():
    assert due_state(date(2026, 12, 5), done=False, today=TODAY, soon_days=7) == Due.DUE_SOON
    assert due_state(date(2026, 12, 6), done=False, today=TODAY, soon_days=7) == Due.OK


def test_a_later_record_of_the_same_course_renews_the_earlier_one():
    rows = [(1, "First aid", date(2024, 1, 10)), (2, "first  AID ", date(2025, 1, 10)),
            (3, "Safeguarding", date(2023, 5, 1)), (4, "First aid", date(2025, 1, 10))]
    # course names compare without case or extra spaces; a same-day tie goes to the later id
    assert renewed(rows) == {1, 2}
    assert training_state(expires_on=date(2020, 1, 1), renewed=True, today=TODAY) == Due.RENEWED
    assert training_state(expires_on=date(2026, 11, 1), renewed=False, today=TODAY) == Due.OVERDUE
    assert training_state(expires_on=None, renewed=False, today=TODAY) == Due.NO_EXPIRY


def test_attention_flags():
    assert Due.OVERDUE.needs_attention and Due.DUE_SOON.needs_attention
    assert not any(s.needs_attention for s in (Due.OK, Due.DONE, Due.NO_EXPIRY, Due.RENEWED))
