"""Staff development and welfare API: /api/staff/...

Supervisors (staff.records) read and change anyone's record; a person (staff.own) reads their
own (/api/staff/me or their own username), records their own check-ins and marks their own
CPD done. Anyone else gets a 403 naming the rule, whether or not the person exists.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, status

from demandhub.auth.deps import require
from demandhub.auth.roles import Actor, Permission
from demandhub.http import PathId, now, reading, settings, transaction
from demandhub.staff import due, service, trauma
from demandhub.staff.schemas import (
    USERNAME_PATTERN,
    CheckinCreate,
    CheckinRead,
    CpdCreate,
    CpdDone,
    CpdRead,
    CpdUpdate,
    DebriefCreate,
    DebriefRead,
    ExposureRead,
    ExposureSummary,
    OpenPrompt,
    Person,
    PersonOverview,
    PromptRead,
    StaffRecord,
    SupervisionCreate,
    SupervisionRead,
    TrainingCreate,
    TrainingRead,
    TrainingUpdate,
)

router = APIRouter(prefix="/api", tags=["staff"])

Username = Annotated[str, Path(pattern=USERNAME_PATTERN, description="An account's username; 'me' for your own.")]


def rules(request: Request) -> trauma.TraumaRules:
    """DEMANDHUB_TRAUMA_FILE or the shipped rules, read strictly when the application starts."""
    return request.app.state.trauma_rules


def today(request: Request):
    return service.local_today(now(request), settings(request).timezone)


def _who(actor: Actor, username: str) -> str:
    return actor.username if username == "me" else username


# --- shapes out --------------------------------------------------------------------------------

def person_of(user) -> Person:
    return Person(id=user.id, username=user.username, display_name=user.display_name, role=user.role)


def prompt_of(prompt: trauma.Prompt | None) -> PromptRead | None:
    if prompt is None:
        return None
    return PromptRead(raised_at=prompt.raised_at, reason=prompt.reason, references=[e.reference for e in prompt.exposures])


def training_of(row, state) -> TrainingRead:
    return TrainingRead(id=row.id, course=row.course, completed_on=row.completed_on, expires_on=row.expires_on,
                        evidence=row.evidence, state=state.value, recorded_at=row.recorded_at)


def cpd_of(row, state) -> CpdRead:
    return CpdRead(id=row.id, title=row.title, due_on=row.due_on, done_on=row.done_on, state=state.value)


def checkin_of(row, names: dict[int, str]) -> CheckinRead:
    return CheckinRead(id=row.id, checked_on=row.checked_on, score=row.score, words=row.words, note=row.note,
                       follow_up=row.follow_up, recorded_by=names.get(row.recorded_by, str(row.recorded_by)),
                       recorded_at=row.recorded_at)


def record_of(rec: service.Record, rule: trauma.TraumaRules) -> StaffRecord:
    names = rec.names
    return StaffRecord(
        person=person_of(rec.person), today=rec.today,
        training=[training_of(v.row, v.state) for v in rec.training],
        cpd=[cpd_of(v.row, v.state) for v in rec.cpd],
        supervision=[SupervisionRead(id=n.id, held_on=n.held_on, text=n.text, actions=n.actions,
                                     recorded_by=names.get(n.recorded_by, str(n.recorded_by)), recorded_at=n.recorded_at)
                     for n in rec.supervision],
        checkins=[checkin_of(c, names) for c in rec.checkins],
        debriefs=[DebriefRead(id=d.id, offered_on=d.offered_on, response=d.response, note=d.note,
                              covers_until=d.covers_until, recorded_by=names.get(d.recorded_by, str(d.recorded_by)))
                  for d in rec.debriefs],
        exposures=ExposureSummary(
            rule=rule.describe(), last_30_days=rec.last_30_days, last_365_days=rec.last_365_days,
            items=[ExposureRead(incident_id=e.incident_id, reference=e.reference, incident_type=e.incident_type,
                                type_label=service.type_label(e.incident_type), at=e.at,
                                since_last_debrief=rec.cleared_until is None or e.at > rec.cleared_until)
                   for e in rec.exposures],
            prompt=prompt_of(rec.prompt)))


def read_record(request: Request, actor: Actor, username: str) -> StaffRecord:
    """Access check (and its audit entry) committed first, then the record read off the write path."""
    with transaction(request) as session:
        user = service.open_record(session, actor=actor, username=username, now=now(request))
    if user is None:
        raise service.refusal(actor)
    rule = rules(request)
    with reading(request) as session:
        return record_of(service.record(session, person=user, now=now(request), today=today(request), rules=rule), rule)


# --- supervisors: everyone ---------------------------------------------------------------------

@router.get("/staff", response_model=list[PersonOverview])
def list_staff(request: Request, actor: Annotated[Actor, Depends(require(Permission.STAFF_RECORDS))]):
    """Every member of staff: overdue and due-soon training and CPD, exposures in 30 days, open debrief prompt."""
    with transaction(request) as session:
        service.audit_overview(session, actor=actor, now=now(request), what="api.staff")
    with reading(request) as session:
        rows = service.overview(session, now=now(request), today=today(request), rules=rules(request))
    return [PersonOverview(person=person_of(r.person), overdue=r.overdue, due_soon=r.due_soon,
                           exposures_30_days=r.exposures_30_days, prompt=prompt_of(r.prompt),
                           last_checkin=r.last_checkin.checked_on if r.last_checkin else None,
                           follow_up=bool(r.last_checkin and r.last_checkin.follow_up)) for r in rows]


@router.get("/staff/prompts", response_model=list[OpenPrompt])
def open_prompts(request: Request, actor: Annotated[Actor, Depends(require(Permission.STAFF_RECORDS))]):
    """People whose exposures to traumatic incidents crossed the threshold since their last debrief."""
    with transaction(request) as session:
        service.audit_overview(session, actor=actor, now=now(request), what="api.prompts")
    with reading(request) as session:
        rows = service.overview(session, now=now(request), today=today(request), rules=rules(request))
    return [OpenPrompt(person=person_of(r.person), prompt=prompt_of(r.prompt))
            for r in sorted((r for r in rows if r.prompt), key=lambda r: r.prompt.raised_at)]


# --- a person: their own -----------------------------------------------------------------------

@router.get("/staff/me", response_model=StaffRecord)
def my_record(request: Request, actor: Annotated[Actor, Depends(require(Permission.STAFF_OWN))]):
    """Your own training, CPD, supervision notes, exposures, debriefs and check-ins."""
    return read_record(request, actor, actor.username)


@router.post("/staff/me/checkins", status_code=status.HTTP_201_CREATED, response_model=CheckinRead)
def my_checkin(body: CheckinCreate, request: Request, actor: Annotated[Actor, Depends(require(Permission.STAFF_OWN))]):
    """Record how you are."""
    with transaction(request) as session:
        me = service.person(session, actor.username)
        row = service.add_checkin(session, actor=actor, now=now(request), today=today(request), person=me, data=body)
    return checkin_of(row, {actor.id: actor.display_name})


@router.post("/staff/me/cpd/{cpd_id}/done", response_model=CpdRead)
def my_cpd_done(cpd_id: PathId, body: CpdDone, request: Request,
                actor: Annotated[Actor, Depends(require(Permission.STAFF_OWN))]):
    """Mark one of your own CPD items done (today unless a date is given)."""
    with transaction(request) as session:
        row = service.mark_own_cpd_done(session, actor=actor, now=now(request), today=today(request), cpd_id=cpd_id,
                                        done_on=body.done_on)
    return cpd_of(row, due.Due.DONE)


@router.get("/staff/{username}", response_model=StaffRecord)
def staff_record(username: Username, request: Request,
                 actor: Annotated[Actor, Depends(require(Permission.STAFF_OWN))]):
    """One person's whole record: for supervisors (each read audited) and for the person themselves."""
    return read_record(request, actor, _who(actor, username))


# --- supervisors: changes ----------------------------------------------------------------------

@router.post("/staff/{username}/training", status_code=status.HTTP_201_CREATED, response_model=TrainingRead)
def add_training(username: Username, body: TrainingCreate, request: Request,
                 actor: Annotated[Actor, Depends(require(Permission.STAFF_RECORDS))]):
    """Record a course or skill completed. A later record of the same course renews an earlier one."""
    t = today(request)
    with transaction(request) as session:
        user = service.person(session, _who(actor, username))
        row = service.add_training(session, actor=actor, now=now(request), today=t, person=user, data=body)
    return training_of(row, due.training_state(expires_on=row.expires_on, renewed=False, today=t))


@router.patch("/staff/{username}/training/{training_id}", response_model=TrainingRead)
def update_training(username: Username, training_id: PathId, body: TrainingUpdate, request: Request,
                    actor: Annotated[Actor, Depends(require(Permission.STAFF_RECORDS))]):
    t = today(request)
    with transaction(request) as session:
        user = service.person(session, _who(actor, username))
        row = service.update_training(session, actor=actor, now=now(request), today=t, person=user,
                                      training_id=training_id, data=body)
    return training_of(row, due.training_state(expires_on=row.expires_on, renewed=False, today=t))


@router.post("/staff/{username}/cpd", status_code=status.HTTP_201_CREATED, response_model=CpdRead)
def add_cpd(username: Username, body: CpdCreate, request: Request,
            actor: Annotated[Actor, Depends(require(Permission.STAFF_RECORDS))]):
    t = today(request)
    with transaction(request) as session:
        user = service.person(session, _who(actor, username))
        row = service.add_cpd(session, actor=actor, now=now(request), today=t, person=user, data=body)
    return cpd_of(row, due.due_state(row.due_on, done=row.done_on is not None, today=t))


@router.patch("/staff/{username}/cpd/{cpd_id}", response_model=CpdRead)
def update_cpd(username: Username, cpd_id: PathId, body: CpdUpdate, request: Request,
               actor: Annotated[Actor, Depends(require(Permission.STAFF_RECORDS))]):
    t = today(request)
    with transaction(request) as session:
        user = service.person(session, _who(actor, username))
        row = service.update_cpd(session, actor=actor, now=now(request), today=t, person=user, cpd_id=cpd_id, data=body)
    return cpd_of(row, due.due_state(row.due_on, done=row.done_on is not None, today=t))


@router.post("/staff/{username}/supervision", status_code=status.HTTP_201_CREATED, response_model=SupervisionRead)
def add_supervision(username: Username, body: SupervisionCreate, request: Request,
                    actor: Annotated[Actor, Depends(require(Permission.STAFF_RECORDS))]):
    """A supervision note: seen by supervisors and by the person it is about, nobody else."""
    with transaction(request) as session:
        user = service.person(session, _who(actor, username))
        row = service.add_supervision_note(session, actor=actor, now=now(request), today=today(request), person=user,
                                           data=body)
    return SupervisionRead(id=row.id, held_on=row.held_on, text=row.text, actions=row.actions,
                           recorded_by=actor.display_name, recorded_at=row.recorded_at)


@router.post("/staff/{username}/checkins", status_code=status.HTTP_201_CREATED, response_model=CheckinRead)
def add_checkin(username: Username, body: CheckinCreate, request: Request,
                actor: Annotated[Actor, Depends(require(Permission.STAFF_RECORDS))]):
    with transaction(request) as session:
        user = service.person(session, _who(actor, username))
        row = service.add_checkin(session, actor=actor, now=now(request), today=today(request), person=user, data=body)
    return checkin_of(row, {actor.id: actor.display_name})


@router.post("/staff/{username}/debriefs", status_code=status.HTTP_201_CREATED, response_model=DebriefRead)
def add_debrief(username: Username, body: DebriefCreate, request: Request,
                actor: Annotated[Actor, Depends(require(Permission.STAFF_RECORDS))]):
    """Record that a debrief was offered (accepted or declined): it clears the open prompt."""
    with transaction(request) as session:
        user = service.person(session, _who(actor, username))
        row = service.record_debrief(session, actor=actor, now=now(request), today=today(request), person=user,
                                     data=body)
    return DebriefRead(id=row.id, offered_on=row.offered_on, response=row.response, note=row.note,
                       covers_until=row.covers_until, recorded_by=actor.display_name)
