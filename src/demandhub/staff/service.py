"""Use cases for staff records. Routes own the transaction; nothing here commits.

Who may see what: supervisors (staff.records) see and change everyone's records, every read
of someone else's audited; a person (staff.own) sees their own, marks their own CPD done and
records their own check-ins. Anyone else is refused with a 403 that names the rule, whether or
not the person exists, and the refusal is audited too.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from demandhub import classification
from demandhub.audit import service as audit
from demandhub.auth.models import User
from demandhub.auth.roles import GRANTS, Actor, Permission, Role
from demandhub.contacts.models import Contact
from demandhub.errors import Forbidden, Invalid, NotFound
from demandhub.events import service as events
from demandhub.incidents.models import Incident, IncidentContact
from demandhub.staff import due, trauma
from demandhub.staff.models import (
    CpdItem,
    Debrief,
    SupervisionNote,
    TrainingRecord,
    WelfareCheckin,
)
from demandhub.staff.schemas import (
    CheckinCreate,
    CpdCreate,
    CpdUpdate,
    DebriefCreate,
    SupervisionCreate,
    TrainingCreate,
    TrainingUpdate,
)

# Exposures further back than this are neither counted nor kept open as a prompt.
HORIZON = timedelta(days=365)
STAFF_ROLES = [r.value for r in Role if Permission.STAFF_OWN in GRANTS[r]]  # people, not machines


def local_today(now: datetime, tz: str) -> date:
    return now.astimezone(ZoneInfo(tz)).date()


def _changed(session: Session, *, actor: Actor, now: datetime, action: str, person: User, entity_type: str,
             entity_id: int, details: dict | None = None) -> None:
    # The trail and the live feed name who and what, never the content: a welfare note is not
    # for everyone who may read the audit trail, and /live goes to every logged-in screen.
    audit.append(session, actor=actor.username, action=action, entity_type=entity_type, entity_id=entity_id, at=now,
                 details={"person": person.username, **(details or {})})
    events.publish(session, topic="staff", kind=action, payload={}, at=now)


def _not_future(name: str, value: date | None, today: date) -> None:
    if value is not None and value > today:
        raise Invalid(f"{name} is in the future ({value.isoformat()}); today is {today.isoformat()}",
                      problems=[{"field": name, "message": "must not be in the future"}])


# --- people and access -----------------------------------------------------------------------

def person(session: Session, username: str) -> User:
    user = session.scalar(sa.select(User).where(User.username == username.strip().lower()))
    if user is None or user.role not in STAFF_ROLES:
        raise NotFound(f"no member of staff {username!r}",
                       problems=[{"field": "username", "message": "no such member of staff"}])
    return user


def refusal(actor: Actor) -> Forbidden:
    return Forbidden(f"staff records are for supervisors ({Permission.STAFF_RECORDS.value}) and the person "
                     f"themselves ({Permission.STAFF_OWN.value}); role '{actor.role.value}' may see only its own",
                     problems=[{"field": "username", "message": "not your record"}])


def open_record(session: Session, *, actor: Actor, username: str, now: datetime) -> User | None:
    """The person whose record the actor may read, or None if refused (audited: the caller
    commits, then raises `refusal(actor)`). A supervisor's read of someone else is audited."""
    if username.strip().lower() == actor.username:
        return person(session, actor.username)
    if not actor.can(Permission.STAFF_RECORDS):
        audit.append(session, actor=actor.username, action="staff.record_view_refused", entity_type="staff_record",
                     entity_id=username[:60], at=now, details={"person": username[:60]})
        return None
    user = person(session, username)
    audit.append(session, actor=actor.username, action="staff.record_viewed", entity_type="staff_record",
                 entity_id=user.id, at=now, details={"person": user.username})
    return user


def audit_overview(session: Session, *, actor: Actor, now: datetime, what: str) -> None:
    """The overview shows everyone's due dates and prompts: a read of others' records, audited once."""
    audit.append(session, actor=actor.username, action="staff.overview_viewed", entity_type="staff_record",
                 entity_id="*", at=now, details={"view": what})


def people(session: Session) -> list[User]:
    return list(session.scalars(sa.select(User).where(User.active.is_(True), User.role.in_(STAFF_ROLES))
                                .order_by(User.display_name, User.username)))


# --- training and CPD --------------------------------------------------------------------------

def _check_training(completed_on: date, expires_on: date | None, today: date) -> None:
    _not_future("completed_on", completed_on, today)
    if expires_on is not None and expires_on < completed_on:
        raise Invalid("expires_on is before completed_on",
                      problems=[{"field": "expires_on", "message": "must not be before completed_on"}])


def add_training(session: Session, *, actor: Actor, now: datetime, today: date, person: User,
                 data: TrainingCreate) -> TrainingRecord:
    _check_training(data.completed_on, data.expires_on, today)
    row = TrainingRecord(user_id=person.id, course=data.course.strip(), completed_on=data.completed_on,
                         expires_on=data.expires_on, evidence=(data.evidence or "").strip() or None,
                         recorded_at=now, recorded_by=actor.id, updated_at=now)
    session.add(row)
    session.flush()
    _changed(session, actor=actor, now=now, action="staff.training_added", person=person, entity_type="staff_training",
             entity_id=row.id)
    return row


def _owned(session: Session, model, row_id: int, person: User, what: str):
    row = session.get(model, row_id, with_for_update=True)
    if row is None or row.user_id != person.id:
        raise NotFound(f"no {what} {row_id} for {person.username}")
    return row


def update_training(session: Session, *, actor: Actor, now: datetime, today: date, person: User, training_id: int,
                    data: TrainingUpdate) -> TrainingRecord:
    row = _owned(session, TrainingRecord, training_id, person, "training record")
    changes = data.model_dump(exclude_unset=True)
    for name in ("course", "completed_on"):
        if name in changes and changes[name] is None:
            raise Invalid(f"{name} cannot be removed", problems=[{"field": name, "message": "must have a value"}])
    if "course" in changes:
        changes["course"] = changes["course"].strip()
    if "evidence" in changes:
        changes["evidence"] = (changes["evidence"] or "").strip() or None
    completed = changes.get("completed_on", row.completed_on)
    expires = changes.get("expires_on", row.expires_on)
    _check_training(completed, expires, today)
    for name, value in changes.items():
        setattr(row, name, value)
    row.updated_at = now
    _changed(session, actor=actor, now=now, action="staff.training_updated", person=person,
             entity_type="staff_training", entity_id=row.id, details={"fields": sorted(changes)})
    return row


def add_cpd(session: Session, *, actor: Actor, now: datetime, today: date, person: User, data: CpdCreate) -> CpdItem:
    _not_future("done_on", data.done_on, today)
    row = CpdItem(user_id=person.id, title=data.title.strip(), due_on=data.due_on, done_on=data.done_on,
                  recorded_at=now, recorded_by=actor.id, updated_at=now)
    session.add(row)
    session.flush()
    _changed(session, actor=actor, now=now, action="staff.cpd_added", person=person, entity_type="staff_cpd",
             entity_id=row.id)
    return row


def update_cpd(session: Session, *, actor: Actor, now: datetime, today: date, person: User, cpd_id: int,
               data: CpdUpdate) -> CpdItem:
    row = _owned(session, CpdItem, cpd_id, person, "CPD item")
    changes = data.model_dump(exclude_unset=True)
    for name in ("title", "due_on"):
        if name in changes and changes[name] is None:
            raise Invalid(f"{name} cannot be removed", problems=[{"field": name, "message": "must have a value"}])
    if "title" in changes:
        changes["title"] = changes["title"].strip()
    _not_future("done_on", changes.get("done_on"), today)
    for name, value in changes.items():
        setattr(row, name, value)
    row.updated_at = now
    _changed(session, actor=actor, now=now, action="staff.cpd_updated", person=person, entity_type="staff_cpd",
             entity_id=row.id, details={"fields": sorted(changes)})
    return row


def mark_own_cpd_done(session: Session, *, actor: Actor, now: datetime, today: date, cpd_id: int,
                      done_on: date | None) -> CpdItem:
    row = session.get(CpdItem, cpd_id, with_for_update=True)
    if row is None:
        raise NotFound(f"no CPD item {cpd_id}")
    if row.user_id != actor.id:
        raise Forbidden("a person may mark only their own CPD items done; supervisors change others' "
                        f"({Permission.STAFF_RECORDS.value})", problems=[{"field": "cpd_id", "message": "not yours"}])
    done_on = done_on or today
    _not_future("done_on", done_on, today)
    row.done_on = done_on
    row.updated_at = now
    me = session.get(User, actor.id)
    _changed(session, actor=actor, now=now, action="staff.cpd_done", person=me, entity_type="staff_cpd",
             entity_id=row.id)
    return row


# --- supervision, check-ins, debriefs ---------------------------------------------------------

def _not_about_oneself(actor: Actor, person: User, what: str) -> None:
    # Supervision and debriefs are owed to a person by someone else: a supervisor cannot
    # supervise themselves, nor clear their own debrief prompt.
    if person.id == actor.id:
        raise Forbidden(f"{what} about yourself is for your own supervisor to record")


def add_supervision_note(session: Session, *, actor: Actor, now: datetime, today: date, person: User,
                         data: SupervisionCreate) -> SupervisionNote:
    _not_about_oneself(actor, person, "a supervision note")
    _not_future("held_on", data.held_on, today)
    if not data.text.strip():
        raise Invalid("the note is empty", problems=[{"field": "text", "message": "must not be blank"}])
    row = SupervisionNote(user_id=person.id, held_on=data.held_on, text=data.text.strip(),
                          actions=(data.actions or "").strip() or None, recorded_at=now, recorded_by=actor.id)
    session.add(row)
    session.flush()
    _changed(session, actor=actor, now=now, action="staff.supervision_recorded", person=person,
             entity_type="staff_supervision_note", entity_id=row.id)
    return row


def add_checkin(session: Session, *, actor: Actor, now: datetime, today: date, person: User,
                data: CheckinCreate) -> WelfareCheckin:
    """By a supervisor for anyone, or by the person for themselves (the route decides which)."""
    checked_on = data.checked_on or today
    _not_future("checked_on", checked_on, today)
    row = WelfareCheckin(user_id=person.id, checked_on=checked_on, score=data.score,
                         words=(data.words or "").strip() or None, note=(data.note or "").strip() or None,
                         follow_up=data.follow_up, recorded_at=now, recorded_by=actor.id)
    session.add(row)
    session.flush()
    _changed(session, actor=actor, now=now, action="staff.checkin_recorded", person=person,
             entity_type="staff_checkin", entity_id=row.id, details={"follow_up": data.follow_up})
    return row


def record_debrief(session: Session, *, actor: Actor, now: datetime, today: date, person: User,
                   data: DebriefCreate) -> Debrief:
    """A debrief offered clears the prompt for every exposure up to now, whatever the answer:
    the offer is what the supervisor owes; the person may decline."""
    _not_about_oneself(actor, person, "a debrief")
    _not_future("offered_on", data.offered_on, today)
    row = Debrief(user_id=person.id, offered_on=data.offered_on, response=data.response.value,
                  note=(data.note or "").strip() or None, covers_until=now, recorded_at=now, recorded_by=actor.id)
    session.add(row)
    session.flush()
    _changed(session, actor=actor, now=now, action="staff.debrief_recorded", person=person,
             entity_type="staff_debrief", entity_id=row.id, details={"response": data.response.value})
    return row


# --- reading -----------------------------------------------------------------------------------

def exposures_of(session: Session, *, user_ids: list[int], rules: trauma.TraumaRules,
                 now: datetime) -> dict[int, list[trauma.Exposure]]:
    """Incidents of counted types each person took a contact on (once per incident, at their first contact)."""
    if not user_ids:
        return {}
    stmt = (sa.select(Contact.created_by, Contact.presented_at, Incident.id, Incident.reference,
                      Incident.incident_type, Incident.qualifiers)
            .join(IncidentContact, IncidentContact.contact_id == Contact.id)
            .join(Incident, Incident.id == IncidentContact.incident_id)
            .where(Contact.created_by.in_(user_ids), Incident.incident_type.in_(sorted(rules.types)),
                   Contact.presented_at >= now - HORIZON))
    first: dict[tuple[int, int], trauma.Exposure] = {}
    for uid, at, iid, ref, itype, quals in session.execute(stmt):
        known = first.get((uid, iid))
        if known is None or at < known.at:
            first[(uid, iid)] = trauma.Exposure(iid, ref, itype, tuple(quals or ()), at)
    out: dict[int, list[trauma.Exposure]] = defaultdict(list)
    for (uid, _), exposure in first.items():
        out[uid].append(exposure)
    return {uid: trauma.counted(found, rules) for uid, found in out.items()}


def cleared_until(session: Session, user_ids: list[int]) -> dict[int, datetime]:
    if not user_ids:
        return {}
    stmt = (sa.select(Debrief.user_id, sa.func.max(Debrief.covers_until)).where(Debrief.user_id.in_(user_ids))
            .group_by(Debrief.user_id))
    return {uid: until for uid, until in session.execute(stmt)}


@dataclass
class TrainingView:
    row: TrainingRecord
    state: due.Due


@dataclass
class CpdView:
    row: CpdItem
    state: due.Due


@dataclass
class Record:
    person: User
    today: date
    training: list[TrainingView]
    cpd: list[CpdView]
    supervision: list[SupervisionNote]
    checkins: list[WelfareCheckin]
    debriefs: list[Debrief]
    exposures: list[trauma.Exposure]
    cleared_until: datetime | None
    prompt: trauma.Prompt | None
    last_30_days: int
    last_365_days: int
    names: dict[int, str] = field(default_factory=dict)  # user id -> display name, for "recorded by"

    @property
    def overdue(self) -> int:
        return sum(1 for t in [*self.training, *self.cpd] if t.state == due.Due.OVERDUE)

    @property
    def due_soon(self) -> int:
        return sum(1 for t in [*self.training, *self.cpd] if t.state == due.Due.DUE_SOON)


def _training_views(rows: list[TrainingRecord], today: date) -> list[TrainingView]:
    renewed = due.renewed((r.id, r.course, r.completed_on) for r in rows)
    return [TrainingView(r, due.training_state(expires_on=r.expires_on, renewed=r.id in renewed, today=today))
            for r in rows]


_ORDER = {due.Due.OVERDUE: 0, due.Due.DUE_SOON: 1, due.Due.OK: 2, due.Due.NO_EXPIRY: 3, due.Due.DONE: 4,
          due.Due.RENEWED: 5}


def record(session: Session, *, person: User, now: datetime, today: date, rules: trauma.TraumaRules) -> Record:
    def rows(model, order):
        return list(session.scalars(sa.select(model).where(model.user_id == person.id).order_by(*order)))

    training = sorted(_training_views(rows(TrainingRecord, [TrainingRecord.completed_on.desc(), TrainingRecord.id]),
                                      today), key=lambda v: _ORDER[v.state])
    cpd = sorted((CpdView(c, due.due_state(c.due_on, done=c.done_on is not None, today=today))
                  for c in rows(CpdItem, [CpdItem.due_on, CpdItem.id])), key=lambda v: _ORDER[v.state])
    notes = rows(SupervisionNote, [SupervisionNote.held_on.desc(), SupervisionNote.id.desc()])
    checkins = rows(WelfareCheckin, [WelfareCheckin.checked_on.desc(), WelfareCheckin.id.desc()])
    debriefs = rows(Debrief, [Debrief.covers_until.desc(), Debrief.id.desc()])
    exposures = exposures_of(session, user_ids=[person.id], rules=rules, now=now).get(person.id, [])
    until = debriefs[0].covers_until if debriefs else None
    authors = {n.recorded_by for n in notes} | {c.recorded_by for c in checkins} | {d.recorded_by for d in debriefs}
    names = {uid: name for uid, name in session.execute(
        sa.select(User.id, User.display_name).where(User.id.in_(authors)))} if authors else {}
    return Record(person=person, today=today, training=training, cpd=cpd, supervision=notes, checkins=checkins,
                  debriefs=debriefs, exposures=sorted(exposures, key=lambda e: e.at, reverse=True),
                  cleared_until=until, prompt=trauma.prompt_for(exposures, rules=rules, cleared_until=until),
                  last_30_days=trauma.recent(exposures, rules=rules, now=now, days=30),
                  last_365_days=trauma.recent(exposures, rules=rules, now=now, days=365), names=names)


@dataclass
class Overview:
    person: User
    overdue: int
    due_soon: int
    exposures_30_days: int
    prompt: trauma.Prompt | None
    last_checkin: WelfareCheckin | None


def overview(session: Session, *, now: datetime, today: date, rules: trauma.TraumaRules) -> list[Overview]:
    """Everyone on one screen: what is overdue or due soon, exposures, open prompts, last check-in."""
    staff = people(session)
    ids = [u.id for u in staff]
    if not ids:
        return []
    training: dict[int, list[TrainingRecord]] = defaultdict(list)
    for row in session.scalars(sa.select(TrainingRecord).where(TrainingRecord.user_id.in_(ids))):
        training[row.user_id].append(row)
    cpd: dict[int, list[CpdItem]] = defaultdict(list)
    for row in session.scalars(sa.select(CpdItem).where(CpdItem.user_id.in_(ids), CpdItem.done_on.is_(None))):
        cpd[row.user_id].append(row)
    latest = (sa.select(WelfareCheckin.user_id, sa.func.max(WelfareCheckin.id).label("id"))
              .where(WelfareCheckin.user_id.in_(ids)).group_by(WelfareCheckin.user_id).subquery())
    last = {c.user_id: c for c in session.scalars(sa.select(WelfareCheckin).join(latest, latest.c.id == WelfareCheckin.id))}
    exposures = exposures_of(session, user_ids=ids, rules=rules, now=now)
    cleared = cleared_until(session, ids)
    out = []
    for user in staff:
        states = [v.state for v in _training_views(training[user.id], today)]
        states += [due.due_state(c.due_on, done=False, today=today) for c in cpd[user.id]]
        mine = exposures.get(user.id, [])
        out.append(Overview(
            person=user, overdue=states.count(due.Due.OVERDUE), due_soon=states.count(due.Due.DUE_SOON),
            exposures_30_days=trauma.recent(mine, rules=rules, now=now, days=30),
            prompt=trauma.prompt_for(mine, rules=rules, cleared_until=cleared.get(user.id)),
            last_checkin=last.get(user.id)))
    return out


def type_label(code: str) -> str:
    try:
        return classification.incident_type(code).label
    except KeyError:
        return code
