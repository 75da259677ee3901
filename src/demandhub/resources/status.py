"""Unit statuses and which changes are allowed. Pure: no database."""

from __future__ import annotations

from enum import StrEnum


class UnitStatus(StrEnum):
    AVAILABLE = "available"
    ASSIGNED = "assigned"  # given an incident, not yet moving
    EN_ROUTE = "en_route"
    AT_SCENE = "at_scene"
    COMMITTED = "committed"  # busy away from any incident: custody, statements, refreshment
    OFF_DUTY = "off_duty"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class UnitKind(StrEnum):
    CAR = "car"  # response car
    VAN = "van"
    FOOT = "foot"
    DOG = "dog"
    FIREARMS = "firearms"  # armed response vehicle
    TRAFFIC = "traffic"  # roads policing
    PCSO = "pcso"
    MOTORCYCLE = "motorcycle"
    CYCLE = "cycle"


# Working an incident: the unit belongs to it until cleared, cancelled or diverted.
ON_INCIDENT = frozenset({UnitStatus.ASSIGNED, UnitStatus.EN_ROUTE, UnitStatus.AT_SCENE})

_MOVES: dict[UnitStatus, frozenset[UnitStatus]] = {
    UnitStatus.OFF_DUTY: frozenset({UnitStatus.AVAILABLE}),
    UnitStatus.AVAILABLE: frozenset({UnitStatus.ASSIGNED, UnitStatus.COMMITTED, UnitStatus.OFF_DUTY}),
    UnitStatus.COMMITTED: frozenset({UnitStatus.AVAILABLE, UnitStatus.ASSIGNED, UnitStatus.OFF_DUTY}),
    # A unit on an incident may report each step, skip one (straight to scene), or be freed.
    UnitStatus.ASSIGNED: frozenset({UnitStatus.EN_ROUTE, UnitStatus.AT_SCENE, UnitStatus.AVAILABLE}),
    UnitStatus.EN_ROUTE: frozenset({UnitStatus.AT_SCENE, UnitStatus.AVAILABLE}),
    UnitStatus.AT_SCENE: frozenset({UnitStatus.AVAILABLE, UnitStatus.COMMITTED}),
}


def moves_from(current: UnitStatus) -> list[UnitStatus]:
    """What a dispatcher may set by hand (assignment, to an incident, is its own action)."""
    return [s for s in UnitStatus if s in _MOVES[current] and s != UnitStatus.ASSIGNED]


def can_move(current: UnitStatus, to: UnitStatus) -> bool:
    """Whether a unit may go from one status to another (assignment to another incident,
    a diversion, is its own use case: see dispatch)."""
    return to in _MOVES[current]
