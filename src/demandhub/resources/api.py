from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, status

from demandhub.auth.deps import require
from demandhub.auth.roles import Actor, Permission
from demandhub.http import PathId, now, reading, transaction
from demandhub.resources import service
from demandhub.resources.schemas import (
    OwnPosition,
    PositionBatch,
    PositionIn,
    PositionsAccepted,
    UnitCreate,
    UnitRead,
    UnitUpdate,
)

router = APIRouter(prefix="/api", tags=["units"])


@router.get("/units", response_model=list[UnitRead])
def list_units(request: Request, actor: Annotated[Actor, Depends(require(Permission.UNIT_READ))]):
    with reading(request) as session:
        return [UnitRead.model_validate(u) for u in service.list_units(session)]


@router.post("/units", status_code=status.HTTP_201_CREATED, response_model=UnitRead)
def create_unit(body: UnitCreate, request: Request,
                actor: Annotated[Actor, Depends(require(Permission.UNIT_MANAGE))]):
    with transaction(request) as session:
        return UnitRead.model_validate(service.create_unit(session, data=body, actor=actor, now=now(request)))


@router.get("/units/{unit_id}", response_model=UnitRead)
def get_unit(unit_id: PathId, request: Request, actor: Annotated[Actor, Depends(require(Permission.UNIT_READ))]):
    with reading(request) as session:
        return UnitRead.model_validate(service.get_unit(session, unit_id))


@router.patch("/units/{unit_id}", response_model=UnitRead)
def update_unit(unit_id: PathId, body: UnitUpdate, request: Request,
                actor: Annotated[Actor, Depends(require(Permission.UNIT_MANAGE))]):
    with transaction(request) as session:
        return UnitRead.model_validate(service.update_unit(session, unit_id=unit_id, data=body, actor=actor,
                                                           now=now(request)))


@router.post("/units/positions", response_model=PositionsAccepted)
def record_positions(body: PositionBatch, request: Request,
                     actor: Annotated[Actor, Depends(require(Permission.POSITIONS_FEED))]):
    """A batch of fixes from the vehicle location feed, in any order; all accepted or none."""
    with transaction(request) as session:
        accepted, moved = service.record_positions(session, positions=body.positions, source="feed",
                                                   now=now(request))
    return PositionsAccepted(accepted=accepted, moved=moved)


@router.post("/terminal/position", response_model=PositionsAccepted)
def report_own_position(body: OwnPosition, request: Request,
                        actor: Annotated[Actor, Depends(require(Permission.UNIT_REPORT))]):
    """A unit's own terminal reports where it is."""
    with transaction(request) as session:
        unit = service.unit_of_terminal(session, actor)
        fix = PositionIn(call_sign=unit.call_sign, latitude=body.latitude, longitude=body.longitude,
                         at=body.at or now(request))
        accepted, moved = service.record_positions(session, positions=[fix], source="terminal", now=now(request),
                                                   only_unit=unit)
    return PositionsAccepted(accepted=accepted, moved=moved)
