"""What is overdue and what falls due soon: training renewals and CPD items. Pure: no database."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from enum import StrEnum

SOON_DAYS = 30


class Due(StrEnum):
    OVERDUE = "overdue"  # the date has passed and it is not done (or the training has expired)
    DUE_SOON = "due_soon"  # today up to SOON_DAYS ahead, both included
    OK = "ok"
    DONE = "done"  # a CPD item completed
    NO_EXPIRY = "no_expiry"  # training that never needs renewing
    RENEWED = "renewed"  # training replaced by a later record of the same course

    @property
    def label(self) -> str:
        return {"overdue": "Overdue", "due_soon": "Due soon", "ok": "In date", "done": "Done",
                "no_expiry": "No expiry", "renewed": "Renewed"}[self.value]

    @property
    def needs_attention(self) -> bool:
        return self in (Due.OVERDUE, Due.DUE_SOON)


def due_state(due_on: date | None, *, done: bool, today: date, soon_days: int = SOON_DAYS) -> Due:
    """Due today is due soon, not overdue: it is overdue from the next day."""
    if done:
        return Due.DONE
    if due_on is None:
        return Due.NO_EXPIRY
    if due_on < today:
        return Due.OVERDUE
    if due_on <= today + timedelta(days=soon_days):
        return Due.DUE_SOON
    return Due.OK


def course_key(course: str) -> str:
    return " ".join(course.lower().split())


def renewed(records: Iterable[tuple[int, str, date]]) -> set[int]:
    """Ids of training records replaced by a later one of the same course (id, course, completed_on).

    An expired first-aid certificate that has since been renewed is not overdue: only the
    latest completion of each course counts (the later id wins a same-day tie).
    """
    latest: dict[str, tuple[date, int]] = {}
    rows = list(records)
    for rid, course, completed in rows:
        key = course_key(course)
        if key not in latest or (completed, rid) > latest[key]:
            latest[key] = (completed, rid)
    keep = {rid for _, rid in latest.values()}
    return {rid for rid, _, _ in rows if rid not in keep}


def training_state(*, expires_on: date | None, renewed: bool, today: date, soon_days: int = SOON_DAYS) -> Due:
    if renewed:
        return Due.RENEWED
    return due_state(expires_on, done=False, today=today, soon_days=soon_days)
