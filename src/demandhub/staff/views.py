"""Staff pages: /staff (supervisors: everyone, overdue training and CPD, open debrief prompts),
/staff/{username} (one person's record, with forms for supervisors) and /staff/me (one's own)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Path, Request
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, ValidationError

from demandhub.auth.deps import check_csrf, require_page
from demandhub.auth.roles import Actor, Permission
from demandhub.errors import Invalid
from demandhub.http import PathId, now, reading, transaction
from demandhub.staff import service
from demandhub.staff.api import rules, today
from demandhub.staff.schemas import (
    USERNAME_PATTERN,
    CheckinCreate,
    CpdCreate,
    CpdUpdate,
    DebriefCreate,
    SupervisionCreate,
    TrainingCreate,
)
from demandhub.web.templating import render

router = APIRouter(include_in_schema=False)

Username = Annotated[str, Path(pattern=USERNAME_PATTERN)]
Csrf = Annotated[str, Form()]
Text = Annotated[str, Form(max_length=10_000)]


def _parse(model: type[BaseModel], **fields):
    """A form's fields into the API's own shape: empty inputs are absent, errors name the field."""
    try:
        return model.model_validate({k: v for k, v in fields.items() if v not in ("", None)})
    except ValidationError as exc:
        raise Invalid("; ".join(f"{'.'.join(map(str, e['loc'])) or 'form'}: {e['msg']}" for e in exc.errors()),
                      problems=[{"field": ".".join(map(str, e["loc"])), "message": e["msg"]} for e in exc.errors()]
                      ) from None


def _back(username: str, anchor: str = "") -> RedirectResponse:
    return RedirectResponse(f"/staff/{username}{'#' + anchor if anchor else ''}", status_code=303)


@router.get("/staff")
def overview_page(request: Request, actor: Annotated[Actor, Depends(require_page(Permission.STAFF_RECORDS))]):
    with transaction(request) as session:
        service.audit_overview(session, actor=actor, now=now(request), what="page")
    rule = rules(request)
    with reading(request) as session:
        rows = service.overview(session, now=now(request), today=today(request), rules=rule)
    prompts = sorted((r for r in rows if r.prompt), key=lambda r: r.prompt.raised_at)
    attention = [r for r in rows if r.overdue or r.due_soon or r.prompt or (r.last_checkin and r.last_checkin.follow_up)]
    return render(request, "staff_overview.html", {
        "active": "staff", "rows": rows, "prompts": prompts, "attention": len(attention), "rule": rule.describe(),
        "today": today(request)}, actor=actor)


def _person_page(request: Request, actor: Actor, username: str):
    with transaction(request) as session:
        user = service.open_record(session, actor=actor, username=username, now=now(request))
    if user is None:
        raise service.refusal(actor)
    rule = rules(request)
    with reading(request) as session:
        rec = service.record(session, person=user, now=now(request), today=today(request), rules=rule)
    own = user.id == actor.id
    return render(request, "staff_person.html", {
        "active": "staff", "rec": rec, "own": own, "rule": rule.describe(), "type_label": service.type_label,
        "supervisor": actor.can(Permission.STAFF_RECORDS), "base": f"/staff/{user.username}"},
        actor=actor)


@router.get("/staff/me")
def my_page(request: Request, actor: Annotated[Actor, Depends(require_page(Permission.STAFF_OWN))]):
    return _person_page(request, actor, actor.username)


@router.post("/staff/me/checkins")
def my_checkin_form(request: Request, actor: Annotated[Actor, Depends(require_page(Permission.STAFF_OWN))],
                    checked_on: Annotated[str, Form(max_length=10)] = "", score: Annotated[str, Form(max_length=1)] = "",
                    words: Annotated[str, Form(max_length=200)] = "", note: Text = "",
                    follow_up: Annotated[bool, Form()] = False, csrf: Csrf = ""):
    check_csrf(request, csrf)
    data = _parse(CheckinCreate, checked_on=checked_on, score=score, words=words.strip(), note=note.strip(),
                  follow_up=follow_up)
    with transaction(request) as session:
        me = service.person(session, actor.username)
        service.add_checkin(session, actor=actor, now=now(request), today=today(request), person=me, data=data)
    return RedirectResponse("/staff/me#checkins", status_code=303)


@router.post("/staff/me/cpd/{cpd_id}/done")
def my_cpd_done_form(cpd_id: PathId, request: Request,
                     actor: Annotated[Actor, Depends(require_page(Permission.STAFF_OWN))], csrf: Csrf = ""):
    check_csrf(request, csrf)
    with transaction(request) as session:
        service.mark_own_cpd_done(session, actor=actor, now=now(request), today=today(request), cpd_id=cpd_id,
                                  done_on=None)
    return RedirectResponse("/staff/me#cpd", status_code=303)


@router.get("/staff/{username}")
def person_page(username: Username, request: Request,
                actor: Annotated[Actor, Depends(require_page(Permission.STAFF_OWN))]):
    return _person_page(request, actor, username)


@router.post("/staff/{username}/training")
def training_form(username: Username, request: Request,
                  actor: Annotated[Actor, Depends(require_page(Permission.STAFF_RECORDS))],
                  course: Annotated[str, Form(max_length=200)] = "", completed_on: Annotated[str, Form(max_length=10)] = "",
                  expires_on: Annotated[str, Form(max_length=10)] = "",
                  evidence: Annotated[str, Form(max_length=1000)] = "", csrf: Csrf = ""):
    check_csrf(request, csrf)
    data = _parse(TrainingCreate, course=course.strip(), completed_on=completed_on, expires_on=expires_on,
                  evidence=evidence.strip())
    with transaction(request) as session:
        user = service.person(session, username)
        service.add_training(session, actor=actor, now=now(request), today=today(request), person=user, data=data)
    return _back(user.username, "training")


@router.post("/staff/{username}/cpd")
def cpd_form(username: Username, request: Request,
             actor: Annotated[Actor, Depends(require_page(Permission.STAFF_RECORDS))],
             title: Annotated[str, Form(max_length=200)] = "", due_on: Annotated[str, Form(max_length=10)] = "",
             csrf: Csrf = ""):
    check_csrf(request, csrf)
    data = _parse(CpdCreate, title=title.strip(), due_on=due_on)
    with transaction(request) as session:
        user = service.person(session, username)
        service.add_cpd(session, actor=actor, now=now(request), today=today(request), person=user, data=data)
    return _back(user.username, "cpd")


@router.post("/staff/{username}/cpd/{cpd_id}/done")
def cpd_done_form(username: Username, cpd_id: PathId, request: Request,
                  actor: Annotated[Actor, Depends(require_page(Permission.STAFF_RECORDS))], csrf: Csrf = ""):
    check_csrf(request, csrf)
    t = today(request)
    with transaction(request) as session:
        user = service.person(session, username)
        service.update_cpd(session, actor=actor, now=now(request), today=t, person=user, cpd_id=cpd_id,
                           data=CpdUpdate(done_on=t))
    return _back(user.username, "cpd")


@router.post("/staff/{username}/supervision")
def supervision_form(username: Username, request: Request,
                     actor: Annotated[Actor, Depends(require_page(Permission.STAFF_RECORDS))],
                     held_on: Annotated[str, Form(max_length=10)] = "", text: Text = "",
                     actions: Annotated[str, Form(max_length=4000)] = "", csrf: Csrf = ""):
    check_csrf(request, csrf)
    data = _parse(SupervisionCreate, held_on=held_on, text=text.strip(), actions=actions.strip())
    with transaction(request) as session:
        user = service.person(session, username)
        service.add_supervision_note(session, actor=actor, now=now(request), today=today(request), person=user,
                                     data=data)
    return _back(user.username, "supervision")


@router.post("/staff/{username}/checkins")
def checkin_form(username: Username, request: Request,
                 actor: Annotated[Actor, Depends(require_page(Permission.STAFF_RECORDS))],
                 checked_on: Annotated[str, Form(max_length=10)] = "", score: Annotated[str, Form(max_length=1)] = "",
                 words: Annotated[str, Form(max_length=200)] = "", note: Text = "",
                 follow_up: Annotated[bool, Form()] = False, csrf: Csrf = ""):
    check_csrf(request, csrf)
    data = _parse(CheckinCreate, checked_on=checked_on, score=score, words=words.strip(), note=note.strip(),
                  follow_up=follow_up)
    with transaction(request) as session:
        user = service.person(session, username)
        service.add_checkin(session, actor=actor, now=now(request), today=today(request), person=user, data=data)
    return _back(user.username, "checkins")


@router.post("/staff/{username}/debriefs")
def debrief_form(username: Username, request: Request,
                 actor: Annotated[Actor, Depends(require_page(Permission.STAFF_RECORDS))],
                 offered_on: Annotated[str, Form(max_length=10)] = "", response: Annotated[str, Form(max_length=20)] = "",
                 note: Annotated[str, Form(max_length=4000)] = "", csrf: Csrf = ""):
    check_csrf(request, csrf)
    data = _parse(DebriefCreate, offered_on=offered_on, response=response, note=note.strip())
    with transaction(request) as session:
        user = service.person(session, username)
        service.record_debrief(session, actor=actor, now=now(request), today=today(request), person=user, data=data)
    return _back(user.username, "exposures")
