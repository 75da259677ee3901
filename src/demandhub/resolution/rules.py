"""The resolution desk's rules, without the database: due times, the queue's order, callback
attempts, deployable grades, and a day's appointment slots. Fast to test, easy to change."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

# The grade whose incidents the desk resolves by phone, video or online (policy grade "4"), and
# the grade that gets an appointment instead (policy grade "3"). Codes, as the policy names them.
RESOLUTION_GRADE = "4"
APPOINTMENT_GRADE = "3"

# How long after an incident is opened its caller should be called back: the default policy's
# grade 4 target says "Callback within 24 hours". The running app passes DEMANDHUB_CALLBACK_TARGET_H.
CALLBACK_TARGET = timedelta(hours=24)

# After this many failed attempts (no answer, voicemail, wrong number) since the caller was last
# spoken to, the work page says so: the officer decides whether to close, write or escalate.
MAX_FAILED_ATTEMPTS = 3

# An appointment is reminded once, when it starts within this long.
REMINDER_WINDOW = timedelta(hours=24)


class AttemptOutcome(StrEnum):
    NO_ANSWER = "no_answer"
    VOICEMAIL = "voicemail"
    SPOKE_TO_CALLER = "spoke_to_caller"
    WRONG_NUMBER = "wrong_number"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()

    @property
    def failed(self) -> bool:
        return self is not AttemptOutcome.SPOKE_TO_CALLER


class Outcome(StrEnum):
    """How the desk closes an incident, and the closing code (classification.CLOSING_CODES) each may use."""

    RESOLVED = "resolved"
    CRIME_RECORDED = "crime_recorded"
    REFERRED = "referred"


CLOSING_CODES: dict[Outcome, tuple[str, ...]] = {
    # The first code is the default; a resolved incident may also be closed as information recorded.
    Outcome.RESOLVED: ("no_crime_advice_given", "resolved_by_phone", "information_recorded"),
    Outcome.CRIME_RECORDED: ("crime_recorded",),
    Outcome.REFERRED: ("referred_to_partner",),
}


def due_at(created_at: datetime, target: timedelta = CALLBACK_TARGET) -> datetime:
    return created_at + target


@dataclass(frozen=True)
class Due:
    due_at: datetime
    overdue: bool
    remaining: timedelta  # negative when overdue


def due_of(created_at: datetime, now: datetime, target: timedelta = CALLBACK_TARGET) -> Due:
    due = due_at(created_at, target)
    return Due(due, due < now, due - now)


def failed_since_spoken(outcomes: list[str]) -> int:
    """Failed attempts since the caller was last spoken to (outcomes oldest first)."""
    count = 0
    for outcome in outcomes:
        count = 0 if outcome == AttemptOutcome.SPOKE_TO_CALLER else count + 1
    return count


def attempts_exhausted(outcomes: list[str], limit: int = MAX_FAILED_ATTEMPTS) -> bool:
    return failed_since_spoken(outcomes) >= limit


def deployable(grade: str, grade_order: list[str], resolution_grade: str = RESOLUTION_GRADE) -> bool:
    """A grade that sends someone: more urgent than the desk's own grade in the policy's order."""
    if grade not in grade_order or resolution_grade not in grade_order:
        return False
    return grade_order.index(grade) < grade_order.index(resolution_grade)


def format_remaining(delta: timedelta) -> str:
    minutes = int(abs(delta.total_seconds()) // 60)
    hours, minutes = divmod(minutes, 60)
    text = f"{hours} h {minutes:02d} min" if hours else f"{minutes} min"
    return f"{text} overdue" if delta.total_seconds() < 0 else f"in {text}"


def day_slots(day: date, *, first: time, last_end: time, length: timedelta, tz: ZoneInfo
              ) -> list[tuple[datetime, datetime]]:
    """Back-to-back slots of `length` from `first` until `last_end` (local wall-clock times on
    `day`), in UTC. A slot that would run past `last_end` is left out."""
    if length <= timedelta(0):
        raise ValueError("the slot length must be positive")
    start = datetime.combine(day, first, tzinfo=tz)
    end = datetime.combine(day, last_end, tzinfo=tz)
    if end <= start:
        raise ValueError("the last slot must end after the first begins")
    slots = []
    while start + length <= end:
        # Local arithmetic, then UTC: a 09:00 slot stays at 09:00 on a clock-change day.
        slots.append((start.astimezone(UTC), (start + length).astimezone(UTC)))
        start = start + length
    return slots
