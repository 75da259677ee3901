"""Quality review over the API: draw a sample, a reviewer's queue, open and submit a review,
agreement between reviewers, and feedback for the person reviewed."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, status

from demandhub.auth.deps import require
from demandhub.auth.roles import Actor, Permission
from demandhub.http import PathId, now, reading, settings, transaction
from demandhub.quality import service
from demandhub.quality.checklist import Answer, Checklist
from demandhub.quality.schemas import (
    AgreementRead,
    FeedbackRead,
    ItemAgreement,
    ReviewSubmit,
    ReviewTask,
    SampleCreate,
    SampleRead,
    ScoredItem,
)

router = APIRouter(prefix="/api", tags=["quality"])


def checklist(request: Request) -> Checklist:
    """The force's checklist (DEMANDHUB_QUALITY_CHECKLIST_FILE, else the shipped default),
    read strictly when the application starts."""
    return request.app.state.quality_checklist


def task_read(t: service.Task) -> ReviewTask:
    return ReviewTask(id=t.review.id, sample_id=t.item.sample_id, contact_id=t.item.contact_id,
                      incident_reference=t.incident.reference if t.incident else None,
                      handler_id=t.item.handler_id, handler=t.handler.display_name,
                      reviewer_id=t.review.reviewer_id, reviewer=t.reviewer.display_name, marker=t.review.marker,
                      double_marked=t.item.double_marked, reasons=list(t.item.reasons), status=t.review.status,
                      assigned_at=t.review.assigned_at)


def feedback_read(t: service.Task, checklist: Checklist) -> FeedbackRead:
    labels = {i.code: i.label for i in checklist.items}
    return FeedbackRead(
        id=t.review.id, contact_id=t.item.contact_id, incident_reference=t.incident.reference if t.incident else None,
        presented_at=t.contact.presented_at, reasons=list(t.item.reasons), reviewer=t.reviewer.display_name,
        marker=t.review.marker, submitted_at=t.review.submitted_at, checklist_version=t.review.checklist_version,
        scores=[ScoredItem(code=c, label=labels.get(c, c), answer=a) for c, a in (t.review.answers or {}).items()],
        comment=t.review.comment)


@router.post("/quality/samples", status_code=status.HTTP_201_CREATED, response_model=SampleRead)
def draw_sample(body: SampleCreate, request: Request,
                actor: Annotated[Actor, Depends(require(Permission.QUALITY_MANAGE))]):
    """Run the sampling policy over a period of local days and assign the reviews. The seed
    is returned: the same seed over the same data draws the same sample."""
    with transaction(request) as session:
        drawn = service.draw_sample(
            session, period_start=body.period_start, period_end=body.period_end, seed=body.seed,
            per_handler=body.per_handler, double_share=body.double_share, risk_at_least=body.risk_at_least,
            levels=tuple(request.app.state.policy.levels), tz=settings(request).timezone, actor=actor,
            now=now(request))
        sample = drawn.sample
    with reading(request) as session:
        tasks = service.tasks_of_sample(session, sample.id)
    return SampleRead(id=sample.id, period_start=sample.period_start, period_end=sample.period_end,
                      seed=sample.seed, per_handler=sample.per_handler, double_share=sample.double_share,
                      risk_at_least=sample.risk_at_least, created_at=sample.created_at,
                      reviews=[task_read(t) for t in tasks])


@router.get("/quality/queue", response_model=list[ReviewTask])
def my_queue(request: Request, actor: Annotated[Actor, Depends(require(Permission.QUALITY_REVIEW))]):
    """The caller's open reviews, oldest first."""
    with reading(request) as session:
        return [task_read(t) for t in service.queue(session, reviewer_id=actor.id)]


@router.get("/quality/checklist")
def get_checklist(request: Request, actor: Annotated[Actor, Depends(require(Permission.QUALITY_REVIEW))]) -> dict:
    c = checklist(request)
    return {"name": c.name, "version": c.version, "comment_required": c.comment_required,
            "answers": [a.value for a in Answer],
            "items": [{"code": i.code, "label": i.label, "guidance": i.guidance} for i in c.items]}


@router.get("/quality/reviews/{review_id}")
def open_review(review_id: PathId, request: Request,
                actor: Annotated[Actor, Depends(require(Permission.QUALITY_REVIEW))]) -> dict:
    """A review with what it is about: the contact, its assessments and grading decisions,
    the incident's summary and timeline. Restricted incidents: the view is audited."""
    with transaction(request) as session:
        view = service.open_review(session, review_id=review_id, actor=actor, now=now(request))
    if not view.allowed:  # the refused view's audit entry is committed first
        raise view.refusal(actor)
    return _review_json(view, checklist(request))


def _review_json(view: service.ReviewView, c: Checklist) -> dict:
    t, d = view.task, view.detail
    contact = t.contact
    mine = [a for a in d.assessments if a.contact_id == contact.id] if d else []
    decided = {x.assessment_id: x for x in d.decisions} if d else {}
    return {
        "review": task_read(t).model_dump(mode="json") | {"answers": t.review.answers, "comment": t.review.comment},
        "contact": {"id": contact.id, "channel": contact.channel, "presented_at": contact.presented_at.isoformat(),
                    "caller_name": contact.caller_name, "location_text": contact.location_text,
                    "description": contact.description},
        "assessments": [{"id": a.id, "version": a.version, "incident_type": a.incident_type,
                         "dimensions": a.dimensions, "vulnerabilities": a.vulnerabilities,
                         "recommended_grade": a.recommended_grade, "assessed_at": a.assessed_at.isoformat(),
                         "decision": None if a.id not in decided else {
                             "grade": decided[a.id].grade, "overridden": decided[a.id].overridden,
                             "override_rationale": decided[a.id].override_rationale}} for a in mine],
        "incident": None if d is None else {
            "id": d.incident.id, "reference": d.incident.reference, "grade": d.incident.grade,
            "status": d.incident.status, "summary": d.incident.summary, "restricted": d.incident.restricted,
            "closing_code": d.incident.closing_code,
            "timeline": [{"at": e.at.isoformat(), "actor": e.actor, "kind": e.kind, "text": e.text}
                         for e in d.timeline]},
        "checklist": {"version": c.version, "items": [{"code": i.code, "label": i.label} for i in c.items]},
    }


@router.post("/quality/reviews/{review_id}", response_model=FeedbackRead)
def submit_review(review_id: PathId, body: ReviewSubmit, request: Request,
                  actor: Annotated[Actor, Depends(require(Permission.QUALITY_REVIEW))]):
    """Score every checklist item (yes, partly, no, not_applicable) and comment."""
    c = checklist(request)
    with transaction(request) as session:
        service.submit_review(session, review_id=review_id, answers=body.answers, comment=body.comment,
                              checklist=c, actor=actor, now=now(request))
    with reading(request) as session:
        return feedback_read(service.task(session, review_id), c)


@router.get("/quality/agreement", response_model=AgreementRead)
def agreement(request: Request, actor: Annotated[Actor, Depends(require(Permission.QUALITY_MANAGE))],
              period_start: Annotated[date, Query()], period_end: Annotated[date, Query()]):
    """Reviews done and outstanding, share of yes per item, Cohen's kappa per item and overall."""
    with reading(request) as session:
        r = service.report(session, period_start=period_start, period_end=period_end, checklist=checklist(request))
    return AgreementRead(period_start=r.period_start, period_end=r.period_end, reviews_done=r.done,
                         reviews_open=r.open, double_marked_pairs=r.pairs,
                         items=[_item(i) for i in r.items], overall=_item(r.overall))


def _item(i: service.ItemReport) -> ItemAgreement:
    return ItemAgreement(code=i.code, label=i.label, pairs=i.agreement.pairs, observed=i.agreement.observed,
                         kappa=i.agreement.kappa, answered=i.answered, yes_share=i.yes_share)


@router.get("/quality/feedback/mine", response_model=list[FeedbackRead])
def my_feedback(request: Request, actor: Annotated[Actor, Depends(require(Permission.FEEDBACK_OWN))]):
    """Completed reviews of the contacts the caller took, and nobody else's."""
    with reading(request) as session:
        return [feedback_read(t, checklist(request)) for t in service.feedback_for(session, user_id=actor.id)]


@router.get("/quality/feedback/{user_id}", response_model=list[FeedbackRead])
def feedback_of(user_id: PathId, request: Request,
                actor: Annotated[Actor, Depends(require(Permission.QUALITY_MANAGE))]):
    """A supervisor reads any person's feedback."""
    with reading(request) as session:
        service.person(session, user_id)
        return [feedback_read(t, checklist(request)) for t in service.feedback_for(session, user_id=user_id)]
