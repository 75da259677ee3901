"""Which units to send: suitable units ranked by travel time over the roads, and why the
others were left out. Pure: units, incident and road graph in; the ranking out.

The dispatcher decides. This only says who could go, how long each would take, and what
each choice would cost (a unit diverted from another job).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

from demandhub.geo.points import haversine_m
from demandhub.geo.roadgraph import RoadGraph
from demandhub.resources.status import ON_INCIDENT, UnitStatus

# Without a road network, straight-line distance at this speed, stretched by a typical
# detour factor (roads are rarely straight): a rough guide, and the screen says so.
STRAIGHT_LINE_KPH = 50.0
DETOUR_FACTOR = 1.3


@dataclass(frozen=True)
class UnitView:
    id: int
    call_sign: str
    kind: str
    skills: tuple[str, ...]
    status: str
    status_note: str | None
    latitude: float | None
    longitude: float | None
    incident_id: int | None = None  # the job it is on, if any
    incident_reference: str | None = None
    incident_grade: str | None = None


@dataclass(frozen=True)
class IncidentView:
    id: int
    grade: str
    latitude: float
    longitude: float
    needs: tuple[tuple[str, str], ...] = ()  # (skill, why)


@dataclass(frozen=True)
class Candidate:
    unit: UnitView
    eta_s: float
    distance_m: float
    diverts_from: str | None  # reference of the job it would leave


@dataclass(frozen=True)
class LeftOut:
    unit: UnitView
    reason: str


@dataclass(frozen=True)
class Recommendation:
    candidates: list[Candidate]  # fastest first
    further: list[LeftOut]  # suitable, but beyond the units ranked (or with no road route found)
    left_out: list[LeftOut]
    method: str  # road or straight_line
    incident_off_road_m: float | None
    needs: tuple[tuple[str, str], ...]  # (skill, why) the incident needs


def _why_not(unit: UnitView, incident: IncidentView, *, grade_rank: dict[str, int],
             divert_for: Sequence[str]) -> tuple[str | None, str | None]:
    """(reason left out, reference it would be diverted from)."""
    status = UnitStatus(unit.status)
    if unit.incident_id == incident.id:
        return "already assigned to this incident", None
    if status == UnitStatus.OFF_DUTY:
        return "off duty", None
    missing = [skill for skill, _why in incident.needs if skill not in unit.skills]
    if missing:
        return "no " + ", ".join(s.replace("_", " ") for s in missing) + " skill", None
    if unit.latitude is None or unit.longitude is None:
        return "position unknown", None
    if status == UnitStatus.COMMITTED:
        return "committed" + (f": {unit.status_note}" if unit.status_note else ""), None
    if status in ON_INCIDENT:
        here, there = grade_rank.get(incident.grade, 99), grade_rank.get(unit.incident_grade or "", 99)
        if incident.grade in divert_for and there > here:
            return None, unit.incident_reference
        return f"committed to a grade {unit.incident_grade} ({unit.incident_reference})", None
    return None, None


def recommend(*, incident: IncidentView, units: Sequence[UnitView], graph: RoadGraph | None,
              grade_order: Sequence[str], divert_for: Sequence[str], want: int) -> Recommendation:
    grade_rank = {code: i for i, code in enumerate(grade_order)}
    left_out: list[LeftOut] = []
    suitable: list[tuple[UnitView, str | None]] = []
    for unit in units:
        reason, diverts = _why_not(unit, incident, grade_rank=grade_rank, divert_for=divert_for)
        if reason:
            left_out.append(LeftOut(unit, reason))
        else:
            suitable.append((unit, diverts))
    timed, off_road = travel(graph, to=(incident.latitude, incident.longitude),
                             sources=[(u.latitude, u.longitude) for u, _ in suitable], want=want)
    method = "straight_line" if graph is None else "road"
    ranked = sorted(((eta, metres, unit, diverts) for (unit, diverts), (eta, metres) in zip(suitable, timed)),
                    key=lambda row: (row[0], row[2].call_sign))
    candidates = [Candidate(unit, eta, metres, diverts) for eta, metres, unit, diverts in ranked
                  if math.isfinite(eta)][:want]
    chosen = {c.unit.id for c in candidates}
    further = [LeftOut(unit, "further away than the units ranked" if math.isfinite(eta)
                       else "no road route found within the search")
               for eta, _m, unit, _d in ranked if unit.id not in chosen]
    return Recommendation(candidates, further, left_out, method, off_road, incident.needs)


def travel(graph: RoadGraph | None, *, to: tuple[float, float], sources: Sequence[tuple[float, float]],
           want: int | None = None) -> tuple[list[tuple[float, float]], float | None]:
    """(seconds, metres) from each source to `to` (inf when no road reaches it within the
    search), and how far `to` is from its road (None without a road network)."""
    if graph is None:
        return [_straight_line(source, to) for source in sources], None
    target = graph.snap(*to)
    if not sources:
        return [], target.off_road_m
    result = graph.travel_to(target, graph.snap_many([s[0] for s in sources], [s[1] for s in sources]), want=want)
    return list(zip(result.seconds.tolist(), result.metres.tolist())), target.off_road_m


def _straight_line(source: tuple[float, float], to: tuple[float, float]) -> tuple[float, float]:
    metres = DETOUR_FACTOR * haversine_m(*source, *to)
    return metres / (STRAIGHT_LINE_KPH / 3.6), metres
