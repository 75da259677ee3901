from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

MAX_RATIONALE = 4000
MAX_CODES = 30


class DimensionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    level: str | None = Field(default=None, max_length=40)
    rationale: str | None = Field(default=None, max_length=MAX_RATIONALE)


class GradingDraft(BaseModel):
    """What the policy grades on. Also the body of a live preview while the handler types."""

    model_config = ConfigDict(extra="forbid")

    incident_type: str | None = Field(default=None, max_length=80)
    qualifiers: list[str] = Field(default_factory=list, max_length=MAX_CODES)
    dimensions: dict[str, DimensionIn] = Field(default_factory=dict, max_length=MAX_CODES)
    vulnerabilities: list[str] = Field(default_factory=list, max_length=MAX_CODES)
    cue_flags: list[str] = Field(default_factory=list, max_length=MAX_CODES,
                                 description="Risk cues the handler confirmed.")


class AssessmentCreate(GradingDraft):
    incident_type: str = Field(min_length=1, max_length=80)
    ndm: dict[str, str] = Field(default_factory=dict, max_length=MAX_CODES,
                                description="National Decision Model record, field name -> text.")


class AssessmentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    contact_id: int
    version: int
    incident_type: str
    qualifiers: list[str]
    dimensions: dict[str, DimensionIn]
    vulnerabilities: list[str]
    cue_flags: list[str]
    cue_flags_removed: list[str]
    ndm: dict[str, str]
    recommendation: dict
    recommended_grade: str
    policy_name: str
    policy_version: str
    assessed_by: int
    assessed_at: datetime


class Decision(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: Literal["accept", "override"]
    grade: str | None = Field(default=None, max_length=10, description="Required to override.")
    rationale: str | None = Field(default=None, max_length=MAX_RATIONALE, description="Required to override.")


class DecisionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    assessment_id: int
    recommended_grade: str
    grade: str
    overridden: bool
    override_rationale: str | None
    policy_name: str
    policy_version: str
    decided_by: int
    decided_at: datetime


class CueRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(max_length=10_000)
