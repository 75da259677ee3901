from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, status

from demandhub.assessment import service
from demandhub.assessment.cues import find_cues
from demandhub.assessment.schemas import (
    AssessmentCreate,
    AssessmentRead,
    CueRequest,
    GradingDraft,
)
from demandhub.auth.deps import require
from demandhub.auth.roles import Actor, Permission
from demandhub.contacts.service import get_contact, record_view, refused
from demandhub.http import PathId, now, transaction

router = APIRouter(prefix="/api", tags=["assessment"])


def _policy(request: Request):
    return request.app.state.policy


@router.get("/policy")
def get_policy(request: Request, actor: Annotated[Actor, Depends(require(Permission.POLICY_READ))]) -> dict:
    """The grading policy in force: its version, THRIVE+ dimensions, levels, grades and rules."""
    return _policy(request).describe()


@router.post("/cues")
def cues(body: CueRequest, request: Request,
         actor: Annotated[Actor, Depends(require(Permission.ASSESSMENT_CREATE))]) -> list[dict]:
    """Risk cues in free text, with the words that matched, for the handler to confirm or remove."""
    return [m.to_dict() for m in find_cues(body.text, _policy(request).cue_lexicon)]


@router.post("/grading/preview")
def preview(body: GradingDraft, request: Request,
            actor: Annotated[Actor, Depends(require(Permission.ASSESSMENT_CREATE))]) -> dict:
    """The recommendation for a draft assessment, without recording anything."""
    recommendation, problems = service.preview(_policy(request), body)
    return {"recommendation": recommendation.to_dict(), "problems": problems}


@router.post("/contacts/{contact_id}/assessments", status_code=status.HTTP_201_CREATED,
             response_model=AssessmentRead)
def create_assessment(contact_id: PathId, body: AssessmentCreate, request: Request,
                      actor: Annotated[Actor, Depends(require(Permission.ASSESSMENT_CREATE))]):
    """Record a THRIVE+ assessment (a new version if the contact was assessed before)."""
    with transaction(request) as session:
        contact = get_contact(session, contact_id)
        result = None
        if record_view(session, contact=contact, actor=actor, now=now(request)):
            result = AssessmentRead.model_validate(service.assess(
                session, contact_id=contact_id, data=body, policy=_policy(request), actor=actor, now=now(request)))
    if result is None:
        raise refused(contact, actor)
    return result


@router.get("/contacts/{contact_id}/assessments", response_model=list[AssessmentRead])
def list_assessments(contact_id: PathId, request: Request,
                     actor: Annotated[Actor, Depends(require(Permission.CONTACT_READ))]):
    with transaction(request) as session:  # a view of a restricted contact's assessments is audited
        contact = get_contact(session, contact_id)
        result = None
        if record_view(session, contact=contact, actor=actor, now=now(request)):
            result = [AssessmentRead.model_validate(a) for a in service.assessments_for(session, [contact_id])]
    if result is None:
        raise refused(contact, actor)
    return result
