from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from demandhub.http import MAX_ID
from demandhub.resources.schemas import UnitRead
from demandhub.resources.status import UnitStatus


class AssignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    unit_id: int = Field(ge=1, le=MAX_ID)
    divert: bool = Field(default=False, description="Take the unit from the job it is on.")


class UnitStatusIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: UnitStatus
    note: str | None = Field(default=None, max_length=200)


class UnitBrief(BaseModel):
    id: int
    call_sign: str
    kind: str
    skills: list[str]
    status: UnitStatus
    incident_reference: str | None


class CandidateRead(BaseModel):
    unit: UnitBrief
    eta_s: float
    distance_m: float
    diverts_from: str | None


class LeftOutRead(BaseModel):
    unit: UnitBrief
    reason: str


class NeedRead(BaseModel):
    skill: str
    why: str


class RecommendationRead(BaseModel):
    incident_id: int
    method: str = Field(description="road: travel time over the road network; straight_line: no network imported.")
    needs: list[NeedRead]
    incident_off_road_m: float | None
    candidates: list[CandidateRead]
    further: list[LeftOutRead]
    left_out: list[LeftOutRead]


class AssignmentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    unit_id: int
    call_sign: str
    unit_status: UnitStatus
    assigned_at: datetime
    eta_s: float | None
    distance_m: float | None
    en_route_at: datetime | None
    at_scene_at: datetime | None
    ended_at: datetime | None
    outcome: str | None


class AttendanceRead(BaseModel):
    area: str
    target_s: float | None
    due_at: datetime | None
    to_assigned_s: float | None
    to_en_route_s: float | None
    to_arrival_s: float | None
    verdict: str


class DispatchRead(BaseModel):
    incident_id: int
    assignments: list[AssignmentRead]
    attendance: AttendanceRead


class MapIncident(BaseModel):
    id: int
    reference: str
    grade: str
    status: str
    label: str  # the type, or "Restricted"
    latitude: float
    longitude: float
    units: list[str]


class MapCaller(BaseModel):
    """Where the network (AML) or a shared phone last placed a caller, and how sure it is."""

    latitude: float
    longitude: float
    uncertainty_m: float | None
    source: str
    received_at: datetime
    incident_reference: str | None  # the incident the caller's contact belongs to, once it has one


class MapState(BaseModel):
    incidents: list[MapIncident]
    units: list[UnitRead]
    callers: list[MapCaller] = []
