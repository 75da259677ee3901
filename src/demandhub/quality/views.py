"""Quality review pages: a reviewer's queue and review form, the supervisors' report (with
the sampler and agreement between reviewers), and each person's own feedback."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from demandhub.auth.deps import check_csrf, require_page
from demandhub.auth.roles import Actor, Permission
from demandhub.errors import Invalid
from demandhub.http import PathId, now, reading, settings, transaction
from demandhub.quality import service
from demandhub.quality.api import checklist
from demandhub.quality.checklist import Answer
from demandhub.quality.schemas import MAX_SEED
from demandhub.web.templating import render

router = APIRouter(include_in_schema=False)
ANSWER_PREFIX = "answer."
MAX_COMMENT = 4000


def _base(request: Request) -> dict:
    return {"active": "quality", "reasons": service.REASON_LABELS, "answers": list(Answer),
            "checklist": checklist(request), "policy": request.app.state.policy}


@router.get("/quality")
def queue_page(request: Request, actor: Annotated[Actor, Depends(require_page(Permission.QUALITY_REVIEW))]):
    with reading(request) as session:
        tasks = service.queue(session, reviewer_id=actor.id)
    return render(request, "quality_queue.html", {**_base(request), "tasks": tasks}, actor=actor)


def _review_page(request: Request, actor: Actor, review_id: int, *, entered: dict | None = None,
                 comment: str = "", problems: list[dict] | None = None, status_code: int = 200):
    with transaction(request) as session:  # a restricted incident's view is audited
        view = service.open_review(session, review_id=review_id, actor=actor, now=now(request))
    if not view.allowed:
        raise view.refusal(actor)
    review = view.task.review
    return render(request, "quality_review.html", {
        **_base(request), "v": view, "t": view.task, "d": view.detail,
        "entered": entered if entered is not None else (review.answers or {}),
        "comment": comment if entered is not None else (review.comment or ""),
        "problems": problems or []}, actor=actor, status_code=status_code)


@router.get("/quality/reviews/{review_id}")
def review_page(review_id: PathId, request: Request,
                actor: Annotated[Actor, Depends(require_page(Permission.QUALITY_REVIEW))]):
    return _review_page(request, actor, review_id)


@router.post("/quality/reviews/{review_id}")
async def review_form(review_id: PathId, request: Request,
                      actor: Annotated[Actor, Depends(require_page(Permission.QUALITY_REVIEW))]):
    # The checklist is the force's, so the answer fields are named after its items
    # (answer.<code>) and read from the form as they come.
    form = await request.form()
    check_csrf(request, str(form.get("csrf") or ""))
    answers = {k[len(ANSWER_PREFIX):][:40]: str(v)[:20] for k, v in form.multi_items() if k.startswith(ANSWER_PREFIX)}
    comment = str(form.get("comment") or "")
    return await run_in_threadpool(_submit, request, actor, review_id, answers, comment)


def _submit(request: Request, actor: Actor, review_id: int, answers: dict, comment: str):
    try:
        if len(comment) > MAX_COMMENT or len(answers) > 50:
            raise Invalid("the comment is too long", problems=[{"field": "comment",
                                                               "message": f"at most {MAX_COMMENT} characters"}])
        with transaction(request) as session:
            service.submit_review(session, review_id=review_id, answers=answers, comment=comment,
                                  checklist=checklist(request), actor=actor, now=now(request))
    except Invalid as exc:  # show the form again with what was entered and what is missing
        return _review_page(request, actor, review_id, entered=answers, comment=comment[:MAX_COMMENT],
                            problems=exc.problems, status_code=422)
    return RedirectResponse("/quality?submitted=1", status_code=303)


def _local_today(request: Request) -> date:
    return now(request).astimezone(ZoneInfo(settings(request).timezone)).date()


@router.get("/quality/report")
def report_page(request: Request, actor: Annotated[Actor, Depends(require_page(Permission.QUALITY_MANAGE))],
                period_start: Annotated[date | None, Query()] = None,
                period_end: Annotated[date | None, Query()] = None):
    first, last = service.month_of(_local_today(request))
    start, end = period_start or first, period_end or last
    with reading(request) as session:
        report = service.report(session, period_start=start, period_end=end, checklist=checklist(request))
    return render(request, "quality_report.html", {**_base(request), "r": report, "levels": request.app.state.policy.levels,
                                                   "drawn": request.query_params.get("drawn")}, actor=actor)


@router.post("/quality/samples")
def sample_form(request: Request, period_start: Annotated[date, Form()], period_end: Annotated[date, Form()],
                actor: Annotated[Actor, Depends(require_page(Permission.QUALITY_MANAGE))],
                per_handler: Annotated[int, Form(ge=0, le=100)] = 3,
                double_share_percent: Annotated[float, Form(ge=0, le=100)] = 10,
                risk_at_least: Annotated[str, Form(max_length=40)] = "medium",
                seed: Annotated[str, Form(max_length=20)] = "", csrf: Annotated[str, Form()] = ""):
    check_csrf(request, csrf)
    if seed.strip() and not (re.fullmatch(r"[0-9]{1,16}", seed.strip()) and int(seed) <= MAX_SEED):
        raise Invalid("the seed is a whole number of 0 or more", problems=[{"field": "seed", "message": "a number"}])
    with transaction(request) as session:
        drawn = service.draw_sample(
            session, period_start=period_start, period_end=period_end,
            seed=int(seed) if seed.strip() else None, per_handler=per_handler,
            double_share=double_share_percent / 100, risk_at_least=risk_at_least or None,
            levels=tuple(request.app.state.policy.levels), tz=settings(request).timezone, actor=actor,
            now=now(request))
        count, seed_used = len(drawn.reviews), drawn.sample.seed
    return RedirectResponse(f"/quality/report?period_start={period_start}&period_end={period_end}"
                            f"&drawn={count}+reviews+with+seed+{seed_used}", status_code=303)


@router.get("/quality/mine")
def my_feedback_page(request: Request, actor: Annotated[Actor, Depends(require_page(Permission.FEEDBACK_OWN))]):
    with reading(request) as session:
        found = service.feedback_for(session, user_id=actor.id)
    return render(request, "quality_feedback.html", {**_base(request), "active": "feedback", "reviews": found,
                                                     "whose": None}, actor=actor)


@router.get("/quality/staff/{user_id}")
def staff_feedback_page(user_id: PathId, request: Request,
                        actor: Annotated[Actor, Depends(require_page(Permission.QUALITY_MANAGE))]):
    with reading(request) as session:
        whose = service.person(session, user_id)
        found = service.feedback_for(session, user_id=user_id)
    return render(request, "quality_feedback.html", {**_base(request), "reviews": found, "whose": whose},
                  actor=actor)
