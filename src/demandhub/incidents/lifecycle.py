"""The incident status lifecycle: which status may follow which.

Closing needs a closing code (see service.close), so `closed` is reached only that way;
reopening a closed incident is a supervisor's decision.
"""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    OPEN = "open"  # graded, waiting for a response
    IN_PROGRESS = "in_progress"  # someone is dealing with it
    ON_HOLD = "on_hold"  # waiting on something agreed: an appointment, a partner, the caller
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.OPEN: frozenset({Status.IN_PROGRESS, Status.ON_HOLD, Status.CLOSED}),
    Status.IN_PROGRESS: frozenset({Status.OPEN, Status.ON_HOLD, Status.CLOSED}),
    Status.ON_HOLD: frozenset({Status.OPEN, Status.IN_PROGRESS, Status.CLOSED}),
    Status.CLOSED: frozenset({Status.OPEN}),
}

ACTIVE = frozenset({Status.OPEN, Status.IN_PROGRESS, Status.ON_HOLD})


def can_move(current: Status, target: Status) -> bool:
    return target in TRANSITIONS[current]
