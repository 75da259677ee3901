"""Possible duplicates of a new contact: open incidents near it in space and time with a
similar type, best first, each with why. Pure: the candidates in, the ranking out.

The same event is often reported many times (a collision on a main road, a fight outside a
pub). The handler decides; this only puts the likely ones first and says why.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from demandhub import classification
from demandhub.geo.points import haversine_m

# How much the type counts: the same type is strong evidence, the same category some, a
# type not chosen yet (early in the call) a little; a different category none.
SAME_TYPE, SAME_CATEGORY, TYPE_UNKNOWN = 1.0, 0.6, 0.5


@dataclass(frozen=True)
class Nearby:
    id: int
    reference: str
    incident_type: str
    grade: str
    status: str
    restricted: bool
    summary: str | None
    location_text: str | None
    created_at: datetime
    latitude: float
    longitude: float


@dataclass(frozen=True)
class Suggestion:
    incident: Nearby
    score: float  # 0..1
    distance_m: float
    minutes_ago: float
    reasons: list[str]


def _type_match(new_type: str | None, old_type: str) -> tuple[float, str] | None:
    old = classification.INCIDENT_TYPES.get(old_type)
    if new_type is None or new_type not in classification.INCIDENT_TYPES:
        return TYPE_UNKNOWN, "type not chosen yet"
    new = classification.INCIDENT_TYPES[new_type]
    if new.code == old_type:
        return SAME_TYPE, f"same type ({new.label})"
    if old is not None and old.category == new.category:
        return SAME_CATEGORY, f"same category ({classification.CATEGORIES[new.category].label}: {old.label})"
    return None


def rank(*, latitude: float, longitude: float, at: datetime, incident_type: str | None,
         candidates: list[Nearby], radius_m: float, window_min: float) -> list[Suggestion]:
    """Closer, more recent and more alike scores higher; each factor falls linearly to zero
    at the edge of the radius or window, so nothing outside them is offered."""
    found = []
    for incident in candidates:
        # A restricted incident's type is shown, as in the queue; its summary and place are not.
        matched = _type_match(incident_type, incident.incident_type)
        distance = haversine_m(latitude, longitude, incident.latitude, incident.longitude)
        minutes = (at - incident.created_at).total_seconds() / 60
        if matched is None or distance > radius_m or not (0 <= minutes <= window_min):
            continue
        likeness, why = matched
        score = likeness * (1 - distance / radius_m) * (1 - minutes / window_min)
        reasons = [why, f"{distance:.0f} m away", f"opened {minutes:.0f} min ago"]
        found.append(Suggestion(incident, round(score, 4), distance, minutes, reasons))
    return sorted(found, key=lambda s: (-s.score, s.distance_m, s.incident.id))
