"""The attendance clock: from the incident being created to units assigned, moving, arriving.

Pure: the times in, the durations and the verdict out. The clock starts when the incident
is created (the contact was answered and graded), because that is when the force knew; the
first unit to arrive stops it, whichever unit that was and whatever happened to it later.
A unit stood down before arriving never stops it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Sequence


@dataclass(frozen=True)
class Leg:
    assigned_at: datetime
    en_route_at: datetime | None
    at_scene_at: datetime | None


@dataclass(frozen=True)
class Attendance:
    to_assigned_s: float | None
    to_en_route_s: float | None
    to_arrival_s: float | None
    target_s: float | None
    area: str
    due_at: datetime | None
    verdict: str  # met, missed, pending, closed before arrival, no target


def _first(values) -> datetime | None:
    present = [v for v in values if v is not None]
    return min(present) if present else None


def attendance(*, created_at: datetime, legs: Sequence[Leg], target_s: float | None, area: str,
               now: datetime, closed_at: datetime | None = None) -> Attendance:
    """Closing stops the clock: an incident closed before anyone arrived (a duplicate, the
    caller rang back to cancel) is neither met nor missed, unless the target had already passed."""
    def since(at: datetime | None) -> float | None:
        return None if at is None else (at - created_at).total_seconds()

    arrived = _first(leg.at_scene_at for leg in legs)
    # A unit that reports at scene without ever saying it set off was still on its way.
    moving = _first(leg.en_route_at or leg.at_scene_at for leg in legs)
    due = None if target_s is None else created_at + timedelta(seconds=target_s)
    if due is None:
        verdict = "no target"
    elif arrived is not None:
        verdict = "met" if arrived <= due else "missed"
    else:
        end = min(now, closed_at) if closed_at is not None else now
        verdict = "missed" if end > due else ("closed before arrival" if closed_at is not None else "pending")
    return Attendance(to_assigned_s=since(_first(leg.assigned_at for leg in legs)), to_en_route_s=since(moving),
                      to_arrival_s=since(arrived), target_s=target_s, area=area, due_at=due, verdict=verdict)
