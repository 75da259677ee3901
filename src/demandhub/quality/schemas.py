"""API shapes for quality review: separate shapes in and out, unknown fields refused."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

MAX_SEED = 2**53  # survives a round trip through JavaScript numbers

Code = Annotated[str, StringConstraints(min_length=1, max_length=40)]
AnswerText = Annotated[str, StringConstraints(min_length=1, max_length=20)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SampleCreate(_In):
    period_start: date = Field(description="First local day of the period, e.g. 2026-11-01.")
    period_end: date = Field(description="Last local day of the period (included), e.g. 2026-11-30.")
    seed: int | None = Field(default=None, ge=0, le=MAX_SEED,
                             description="Same seed, same data: same sample. Unset: chosen and returned.")
    per_handler: int = Field(default=3, ge=0, le=100, description="Routine contacts per handler.")
    double_share: float = Field(default=0.10, ge=0, le=1, description="Share of reviews marked twice.")
    risk_at_least: Code | None = Field(default=None, description="Resolution-without-deployment closures "
                                       "with risk at or above this level are always reviewed. Unset: medium.")


class ReviewSubmit(_In):
    answers: dict[Code, AnswerText] = Field(max_length=50, description="Checklist item code -> "
                                            "yes | partly | no | not_applicable, for every item.")
    comment: str = Field(default="", max_length=4000)


class ReviewTask(BaseModel):
    id: int
    sample_id: int
    contact_id: int
    incident_reference: str | None
    handler_id: int
    handler: str
    reviewer_id: int
    reviewer: str
    marker: int
    double_marked: bool
    reasons: list[str]
    status: str
    assigned_at: datetime


class SampleRead(BaseModel):
    id: int
    period_start: date
    period_end: date
    seed: int
    per_handler: int
    double_share: float
    risk_at_least: str
    created_at: datetime
    reviews: list[ReviewTask]


class ScoredItem(BaseModel):
    code: str
    label: str
    answer: str


class FeedbackRead(BaseModel):
    id: int
    contact_id: int
    incident_reference: str | None
    presented_at: datetime
    reasons: list[str]
    reviewer: str  # a force choice: named, so staff can ask about the feedback (see service.feedback_for)
    marker: int
    submitted_at: datetime
    checklist_version: str | None
    scores: list[ScoredItem]
    comment: str | None


class ItemAgreement(BaseModel):
    code: str
    label: str
    pairs: int
    observed: float | None
    kappa: float | None
    answered: int
    yes_share: float | None


class AgreementRead(BaseModel):
    period_start: date
    period_end: date
    reviews_done: int
    reviews_open: int
    double_marked_pairs: int
    items: list[ItemAgreement]
    overall: ItemAgreement
