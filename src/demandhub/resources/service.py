"""Unit use cases: the register of units, their positions, and the record of every status.

Which incident a unit works on is dispatch's business (it sits above this area); this area
keeps the unit's own record consistent and traced. Nothing here commits.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from demandhub.audit import service as audit
from demandhub.auth.models import User
from demandhub.auth.roles import Actor, Role
from demandhub.errors import Conflict, FieldProblem, Invalid, NotFound
from demandhub.events import service as events
from demandhub.resources.models import Unit, UnitPosition, UnitStatusChange
from demandhub.resources.schemas import PositionIn, UnitCreate, UnitUpdate
from demandhub.resources.status import ON_INCIDENT, UnitStatus, can_move

# A vehicle's clock and ours differ a little; a fix further ahead than this is wrong, not skewed.
FUTURE_SKEW = timedelta(minutes=2)


def _announce(session: Session, unit: Unit, *, kind: str, now: datetime) -> None:
    events.publish(session, topic="units", kind=kind, at=now,
                   payload={"id": unit.id, "call_sign": unit.call_sign, "status": unit.status})


def _terminal_account(session: Session, username: str | None, field: str) -> int | None:
    if not username:
        return None
    user = session.scalar(sa.select(User).where(User.username == username.strip().lower()))
    if user is None or user.role != Role.FIELD_UNIT.value:
        raise Invalid(f"{username!r} is not a field_unit account",
                      problems=[{"field": field, "message": "not a field_unit account"}])
    return user.id


def create_unit(session: Session, *, data: UnitCreate, actor: Actor, now: datetime) -> Unit:
    if data.status in ON_INCIDENT:
        raise Invalid("a new unit is available, committed or off duty; assign it to an incident through dispatch",
                      problems=[{"field": "status", "message": "not a starting status"}])
    call_sign = data.call_sign.strip().upper()
    if session.scalar(sa.select(Unit.id).where(Unit.call_sign == call_sign)) is not None:
        raise Conflict(f"there is already a unit {call_sign}")
    unit = Unit(call_sign=call_sign, kind=data.kind.value, skills=data.skills, equipment=data.equipment,
                station=data.station.strip(), shift_start=data.shift_start, shift_end=data.shift_end,
                status=data.status.value, status_at=now, created_at=now,
                terminal_user_id=_terminal_account(session, data.terminal_username, "terminal_username"))
    session.add(unit)
    session.flush()
    session.add(UnitStatusChange(unit_id=unit.id, status=unit.status, at=now, actor=actor.username, note="created"))
    audit.append(session, actor=actor.username, action="unit.created", entity_type="unit", entity_id=unit.id,
                 at=now, details={"call_sign": unit.call_sign, "kind": unit.kind, "skills": unit.skills})
    _announce(session, unit, kind="unit.created", now=now)
    return unit


def update_unit(session: Session, *, unit_id: int, data: UnitUpdate, actor: Actor, now: datetime) -> Unit:
    unit = get_unit(session, unit_id, for_update=True)
    changes = data.model_dump(exclude_unset=True)
    if "terminal_username" in changes:
        unit.terminal_user_id = _terminal_account(session, changes.pop("terminal_username"), "terminal_username")
    for name, value in changes.items():
        if value is None and name in ("kind", "skills", "equipment", "station"):
            raise Invalid(f"{name} cannot be empty", problems=[{"field": name, "message": "cannot be null"}])
        setattr(unit, name, value.value if name == "kind" else value)
    audit.append(session, actor=actor.username, action="unit.updated", entity_type="unit", entity_id=unit.id,
                 at=now, details=data.model_dump(mode="json", exclude_unset=True))
    _announce(session, unit, kind="unit.updated", now=now)
    return unit


def get_unit(session: Session, unit_id: int, *, for_update: bool = False) -> Unit:
    stmt = sa.select(Unit).where(Unit.id == unit_id)
    unit = session.scalar(stmt.with_for_update() if for_update else stmt)
    if unit is None:
        raise NotFound(f"unit {unit_id} not found")
    return unit


def unit_of_terminal(session: Session, actor: Actor, *, for_update: bool = False) -> Unit:
    stmt = sa.select(Unit).where(Unit.terminal_user_id == actor.id)
    unit = session.scalar(stmt.with_for_update() if for_update else stmt)
    if unit is None:
        raise NotFound(f"account {actor.username!r} is not the terminal of any unit")
    return unit


def list_units(session: Session) -> list[Unit]:
    return list(session.scalars(sa.select(Unit).order_by(Unit.call_sign)))


def apply_status(session: Session, unit: Unit, *, status: UnitStatus, incident_id: int | None, actor: Actor,
                 now: datetime, note: str | None = None) -> None:
    """Record a status the caller has already checked (see `set_status` and dispatch)."""
    unit.status, unit.status_at, unit.incident_id = status.value, now, incident_id
    unit.status_note = note
    session.add(UnitStatusChange(unit_id=unit.id, status=status.value, incident_id=incident_id, at=now,
                                 actor=actor.username, note=note))
    audit.append(session, actor=actor.username, action="unit.status_changed", entity_type="unit",
                 entity_id=unit.id, at=now,
                 details={"call_sign": unit.call_sign, "status": status.value, "incident_id": incident_id,
                          "note": note})
    _announce(session, unit, kind="unit.status_changed", now=now)


def set_status(session: Session, unit: Unit, *, status: UnitStatus, actor: Actor, now: datetime,
               note: str | None = None) -> None:
    """A change that does not touch an incident: booking on and off, committed and back."""
    current = UnitStatus(unit.status)
    if current in ON_INCIDENT or status in ON_INCIDENT:
        raise Invalid(f"{unit.call_sign} is {current.value}: changes to or from an incident go through dispatch",
                      problems=[{"field": "status", "message": "use dispatch"}])
    if status == current:
        raise Conflict(f"{unit.call_sign} is already {status.value}")
    if not can_move(current, status):
        raise Invalid(f"a unit that is {current.value} cannot become {status.value}",
                      problems=[{"field": "status", "message": f"not allowed from {current.value}"}])
    apply_status(session, unit, status=status, incident_id=None, actor=actor, now=now, note=note)


def record_positions(session: Session, *, positions: list[PositionIn], source: str, now: datetime,
                     only_unit: Unit | None = None) -> tuple[int, int]:
    """Keep every fix; move a unit only to a newer fix than the one it has.

    Feeds deliver late and out of order, so a fix older than the unit's position is history,
    not news. Positions are telemetry: kept in unit_positions rather than the audit trail,
    which would otherwise be mostly vehicle fixes. Returns (accepted, units moved).
    """
    problems = [FieldProblem(f"positions.{i}.at", "in the future") for i, p in enumerate(positions)
                if p.at > now + FUTURE_SKEW]
    signs = {p.call_sign.strip().upper() for p in positions}
    units = {u.call_sign: u for u in session.scalars(
        sa.select(Unit).where(Unit.call_sign.in_(signs)).order_by(Unit.id).with_for_update())}
    problems += [FieldProblem(f"positions.{i}.call_sign", f"no unit {p.call_sign!r}")
                 for i, p in enumerate(positions) if p.call_sign.strip().upper() not in units]
    if only_unit is not None:
        problems += [FieldProblem(f"positions.{i}.call_sign", "not this terminal's unit")
                     for i, p in enumerate(positions) if p.call_sign.strip().upper() != only_unit.call_sign]
    if problems:
        raise Invalid("; ".join(f"{p.field}: {p.message}" for p in problems[:10]),
                      problems=[p.as_dict() for p in problems])
    moved: set[int] = set()
    for p in sorted(positions, key=lambda p: p.at):
        unit = units[p.call_sign.strip().upper()]
        session.add(UnitPosition(unit_id=unit.id, at=p.at, latitude=p.latitude, longitude=p.longitude,
                                 source=source))
        if unit.position_at is None or p.at >= unit.position_at:
            unit.latitude, unit.longitude, unit.position_at = p.latitude, p.longitude, p.at
            moved.add(unit.id)
    if moved:
        # One event per batch: screens re-read positions, they do not need one per fix.
        events.publish(session, topic="units", kind="unit.moved", at=now, payload={"ids": sorted(moved)})
    return len(positions), len(moved)
