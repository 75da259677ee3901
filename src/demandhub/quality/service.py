"""Quality review use cases: draw a sample, open and submit a review, report agreement,
show staff their feedback.

Reviews are about staff, not about the incident: they are audited and published on the
"quality" topic but never written on the incident's timeline, which every dispatcher and
handler reads. Opening a review of a restricted incident goes through the restricted rule
and its audit like any other view.
"""

from __future__ import annotations

import secrets
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from demandhub.assessment.models import Assessment, GradingDecision
from demandhub.audit import service as audit
from demandhub.auth.models import User
from demandhub.auth.roles import Actor, Role
from demandhub.contacts.models import Contact
from demandhub.errors import Conflict, Forbidden, Invalid, NotFound
from demandhub.events import service as events
from demandhub.incidents import service as incidents
from demandhub.incidents.models import Incident, IncidentContact, TimelineEntry
from demandhub.quality import sampling
from demandhub.quality.checklist import Answer, Checklist
from demandhub.quality.kappa import Agreement, cohen_kappa
from demandhub.quality.models import QualityReview, QualitySample, QualitySampleItem

RWD_GRADE = "4"  # resolution without deployment, in the grading policy's codes
MAX_PERIOD_DAYS = 366
OPEN, DONE = "open", "done"
REASON_LABELS = {sampling.QUOTA: "Routine sample", sampling.OVERRIDE: "Grade overridden",
                 sampling.RWD_CLOSURE: "Resolved without deployment"}


def _check_period(start: date, end: date) -> None:
    for name, day in (("period_start", start), ("period_end", end)):
        if not 2000 <= day.year <= 2200:  # far-off years overflow once turned into UTC instants
            raise Invalid(f"{name} must be between the years 2000 and 2200",
                          problems=[{"field": name, "message": "out of range"}])
    if end < start:
        raise Invalid("the period ends before it starts",
                      problems=[{"field": "period_end", "message": "must be on or after period_start"}])
    if (end - start).days + 1 > MAX_PERIOD_DAYS:
        raise Invalid(f"a period is at most {MAX_PERIOD_DAYS} days",
                      problems=[{"field": "period_end", "message": f"at most {MAX_PERIOD_DAYS} days after the start"}])


# ------------------------------------------------------------------ candidates

def candidates(session: Session, *, since: datetime, until: datetime
               ) -> tuple[list[sampling.Candidate], list[sampling.Candidate], list[sampling.Closure]]:
    """What the sampling policy chooses from, for UTC instants [since, until)."""
    pool = [sampling.Candidate(cid, by) for cid, by in session.execute(
        sa.select(Contact.id, Contact.created_by)
        .join(IncidentContact, IncidentContact.contact_id == Contact.id)
        .where(Contact.created_at >= since, Contact.created_at < until))]
    # An override is reviewed as the decision of whoever made it (a supervisor may have).
    overrides = [sampling.Candidate(cid, by) for cid, by in session.execute(
        sa.select(Contact.id, GradingDecision.decided_by)
        .join(Assessment, Assessment.contact_id == Contact.id)
        .join(GradingDecision, GradingDecision.assessment_id == Assessment.id)
        .join(IncidentContact, IncidentContact.contact_id == Contact.id)
        .where(GradingDecision.overridden.is_(True), GradingDecision.decided_at >= since,
               GradingDecision.decided_at < until))]
    return pool, overrides, _closures(session, since=since, until=until)


def _closures(session: Session, *, since: datetime, until: datetime) -> list[sampling.Closure]:
    """Grade 4 incidents closed in the period, each with its latest assessment: the contact
    that assessment is of is the one reviewed (the resolver's callback, if they made one)."""
    closed = list(session.scalars(sa.select(Incident.id).where(
        Incident.status == "closed", Incident.grade == RWD_GRADE,
        Incident.closed_at >= since, Incident.closed_at < until)))
    if not closed:
        return []
    rows = session.execute(
        sa.select(IncidentContact.incident_id, Assessment, Contact.created_by)
        .join(Assessment, Assessment.contact_id == IncidentContact.contact_id)
        .join(Contact, Contact.id == IncidentContact.contact_id)
        .where(IncidentContact.incident_id.in_(closed)))
    latest: dict[int, tuple[Assessment, int]] = {}
    for incident_id, assessment, taken_by in rows:
        best = latest.get(incident_id)
        if best is None or (assessment.assessed_at, assessment.id) > (best[0].assessed_at, best[0].id):
            latest[incident_id] = (assessment, taken_by)
    closers = _closed_by(session, list(latest))
    out = []
    for incident_id, (assessment, taken_by) in latest.items():
        risk = (assessment.dimensions or {}).get("risk") or {}
        # The closure is the desk's decision: reviewed against whoever closed it.
        out.append(sampling.Closure(assessment.contact_id, closers.get(incident_id, taken_by), risk.get("level")))
    return out


def _closed_by(session: Session, incident_ids: list[int]) -> dict[int, int]:
    """Who closed each incident last, from its timeline (incidents keep no closer column)."""
    found: dict[int, int] = {}
    for incident_id, user_id in session.execute(
            sa.select(TimelineEntry.incident_id, User.id).join(User, User.username == TimelineEntry.actor)
            .where(TimelineEntry.incident_id.in_(incident_ids), TimelineEntry.kind == "closed")
            .order_by(TimelineEntry.at, TimelineEntry.id)):
        found[incident_id] = user_id
    return found


def reviewers(session: Session) -> list[int]:
    return list(session.scalars(sa.select(User.id).where(User.role == Role.QUALITY_REVIEWER.value,
                                                         User.active.is_(True)).order_by(User.id)))


# ------------------------------------------------------------------ sampling

@dataclass(frozen=True)
class Drawn:
    sample: QualitySample
    reviews: list[QualityReview]


def draw_sample(session: Session, *, period_start: date, period_end: date, seed: int | None, per_handler: int,
                double_share: float, risk_at_least: str | None, levels: tuple[str, ...], tz: str,
                actor: Actor, now: datetime) -> Drawn:
    _check_period(period_start, period_end)
    risk_at_least = risk_at_least or "medium"
    if risk_at_least not in levels:
        raise Invalid(f"unknown risk level {risk_at_least!r}",
                      problems=[{"field": "risk_at_least", "message": f"one of {', '.join(levels)}"}])
    clash = session.scalar(sa.select(QualitySample).where(QualitySample.period_start <= period_end,
                                                          QualitySample.period_end >= period_start).limit(1))
    if clash is not None:
        raise Conflict(f"sample {clash.id} already covers {clash.period_start}..{clash.period_end}; "
                       "a contact is sampled at most once for a period",
                       problems=[{"field": "period_start", "message": "overlaps an earlier sample"}])
    people = reviewers(session)
    if not people:
        raise Invalid("there is no active quality reviewer to assign reviews to",
                      problems=[{"field": "reviewers", "message": "add a user with role quality_reviewer"}])
    seed = secrets.randbelow(2**31) if seed is None else seed
    since, until = sampling.period_bounds(period_start, period_end, tz)
    pool, overrides, closures = candidates(session, since=since, until=until)
    policy = sampling.Policy(per_handler=per_handler, double_share=double_share, risk_at_least=risk_at_least,
                             levels=tuple(levels))
    try:
        picks = sampling.draw(pool=pool, overrides=overrides, closures=closures, reviewers=people,
                              policy=policy, seed=seed)
    except sampling.NoReviewer as exc:
        raise Invalid(str(exc) + "; add another quality reviewer",
                      problems=[{"field": "reviewers", "message": str(exc)}]) from None
    sample = QualitySample(period_start=period_start, period_end=period_end, seed=seed, per_handler=per_handler,
                           double_share=double_share, risk_at_least=risk_at_least, created_at=now,
                           created_by=actor.id)
    session.add(sample)
    session.flush()
    reviews = []
    for pick in picks:
        item = QualitySampleItem(sample_id=sample.id, contact_id=pick.contact_id, handler_id=pick.handler_id,
                                 reasons=list(pick.reasons), double_marked=pick.double)
        session.add(item)
        session.flush()
        for marker, reviewer_id in enumerate(pick.reviewers, start=1):
            review = QualityReview(item_id=item.id, marker=marker, reviewer_id=reviewer_id, status=OPEN,
                                   assigned_at=now)
            session.add(review)
            reviews.append(review)
    session.flush()
    counts = Counter(r for p in picks for r in p.reasons)
    audit.append(session, actor=actor.username, action="quality.sampled", entity_type="quality_sample",
                 entity_id=sample.id, at=now,
                 details={"period_start": period_start.isoformat(), "period_end": period_end.isoformat(),
                          "seed": seed, "per_handler": per_handler, "double_share": double_share,
                          "risk_at_least": risk_at_least, "contacts": len(picks), "reviews": len(reviews),
                          "reasons": dict(counts)})
    events.publish(session, topic="quality", kind="quality.sampled", at=now,
                   payload={"sample_id": sample.id, "reviews": len(reviews)})
    return Drawn(sample, reviews)


# ------------------------------------------------------------------ reading reviews

@dataclass(frozen=True)
class Task:
    review: QualityReview
    item: QualitySampleItem
    contact: Contact
    incident: Incident | None
    handler: User
    reviewer: User


def _tasks(session: Session, where) -> list[Task]:
    handler, reviewer = aliased(User), aliased(User)
    stmt = (sa.select(QualityReview, QualitySampleItem, Contact, Incident, handler, reviewer)
            .join(QualitySampleItem, QualitySampleItem.id == QualityReview.item_id)
            .join(Contact, Contact.id == QualitySampleItem.contact_id)
            .join(IncidentContact, IncidentContact.contact_id == Contact.id, isouter=True)
            .join(Incident, Incident.id == IncidentContact.incident_id, isouter=True)
            .join(handler, handler.id == QualitySampleItem.handler_id)
            .join(reviewer, reviewer.id == QualityReview.reviewer_id)
            .where(*where).order_by(QualityReview.assigned_at, QualityReview.id))
    return [Task(*row) for row in session.execute(stmt)]


def tasks_of_sample(session: Session, sample_id: int) -> list[Task]:
    return _tasks(session, [QualitySampleItem.sample_id == sample_id])


def queue(session: Session, *, reviewer_id: int) -> list[Task]:
    """A reviewer's open reviews, oldest first."""
    return _tasks(session, [QualityReview.reviewer_id == reviewer_id, QualityReview.status == OPEN])


def get_review(session: Session, review_id: int, *, for_update: bool = False) -> QualityReview:
    stmt = sa.select(QualityReview).where(QualityReview.id == review_id)
    review = session.scalar(stmt.with_for_update() if for_update else stmt)
    if review is None:
        raise NotFound(f"review {review_id} not found")
    return review


def _own(review: QualityReview, actor: Actor) -> None:
    if review.reviewer_id != actor.id:
        raise Forbidden(f"review {review.id} is assigned to another reviewer")


def task(session: Session, review_id: int) -> Task:
    found = _tasks(session, [QualityReview.id == review_id])
    if not found:
        raise NotFound(f"review {review_id} not found")
    return found[0]


@dataclass(frozen=True)
class ReviewView:
    task: Task
    allowed: bool  # False: restricted and not for this actor (refusal audited; commit, then refuse)
    detail: incidents.IncidentDetail | None  # the incident: contacts, assessments, decisions, timeline

    def refusal(self, actor: Actor) -> Forbidden:
        return incidents.refused(self.task.incident, actor)


def open_review(session: Session, *, review_id: int, actor: Actor, now: datetime) -> ReviewView:
    """What the reviewer sees, after the restricted-incident rule (every view audited)."""
    review = get_review(session, review_id)
    _own(review, actor)
    found = task(session, review.id)
    if found.incident is None:  # unlinked since it was sampled: the contact alone
        return ReviewView(found, True, None)
    if not incidents.record_view(session, incident=found.incident, actor=actor, now=now):
        return ReviewView(found, False, None)
    return ReviewView(found, True, incidents.detail(session, found.incident))


def submit_review(session: Session, *, review_id: int, answers: dict[str, str], comment: str,
                  checklist: Checklist, actor: Actor, now: datetime) -> QualityReview:
    review = get_review(session, review_id, for_update=True)
    _own(review, actor)
    if review.status != OPEN:
        raise Conflict(f"review {review.id} was already submitted",
                       problems=[{"field": "review", "message": "already submitted"}])
    problems = checklist.problems_with(answers, comment)
    if problems:
        raise Invalid("; ".join(f"{p['field']}: {p['message']}" for p in problems), problems=problems)
    review.answers = {code: answers[code] for code in checklist.codes}
    review.comment = comment.strip() or None
    review.checklist_name, review.checklist_version = checklist.name, checklist.version
    review.status, review.submitted_at = DONE, now
    item = session.get(QualitySampleItem, review.item_id)
    audit.append(session, actor=actor.username, action="quality.reviewed", entity_type="quality_review",
                 entity_id=review.id, at=now,
                 details={"contact_id": item.contact_id, "marker": review.marker, "answers": review.answers,
                          "checklist_version": checklist.version})
    events.publish(session, topic="quality", kind="quality.reviewed", at=now,
                   payload={"review_id": review.id, "handler_id": item.handler_id})
    return review


# ------------------------------------------------------------------ feedback

def feedback_for(session: Session, *, user_id: int) -> list[Task]:
    """Completed reviews of the contacts a person took, newest first. Reviewers are named:
    a force choice (feedback that can be discussed with whoever gave it); a force wanting
    anonymous feedback would drop the name here and in the feedback page."""
    done = _tasks(session, [QualitySampleItem.handler_id == user_id, QualityReview.status == DONE])
    return sorted(done, key=lambda t: (t.review.submitted_at, t.review.id), reverse=True)


def person(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"user {user_id} not found")
    return user


# ------------------------------------------------------------------ the supervisors' report

@dataclass(frozen=True)
class ItemReport:
    code: str
    label: str
    agreement: Agreement
    answered: int  # answers other than "not applicable"
    yes: int

    @property
    def yes_share(self) -> float | None:
        return self.yes / self.answered if self.answered else None


@dataclass(frozen=True)
class Report:
    period_start: date
    period_end: date
    done: int
    open: int
    pairs: int
    items: list[ItemReport]
    overall: ItemReport
    staff: list[tuple[User, int]]  # people with completed reviews in the period, and how many


def report(session: Session, *, period_start: date, period_end: date, checklist: Checklist) -> Report:
    """Reviews of samples covering any day of the period: done and outstanding, the share
    of "yes" per item, and Cohen's kappa per item (and over all items pooled) between the
    two markers of every double-marked contact whose two reviews are both done."""
    _check_period(period_start, period_end)
    tasks = _tasks(session, [QualitySampleItem.sample_id.in_(
        sa.select(QualitySample.id).where(QualitySample.period_start <= period_end,
                                          QualitySample.period_end >= period_start))])
    done = [t for t in tasks if t.review.status == DONE]
    by_item: dict[int, dict[int, QualityReview]] = {}
    for t in done:
        if t.item.double_marked:
            by_item.setdefault(t.item.id, {})[t.review.marker] = t.review
    pairs = [(m[1].answers, m[2].answers) for m in by_item.values() if 1 in m and 2 in m]
    items, pooled = [], []
    pooled_answered = pooled_yes = 0
    for item in checklist.items:
        ratings = [(a[item.code], b[item.code]) for a, b in pairs if item.code in a and item.code in b]
        pooled += ratings
        answers = [t.review.answers.get(item.code) for t in done if t.review.answers]
        answered = sum(1 for a in answers if a is not None and a != Answer.NOT_APPLICABLE.value)
        yes = sum(1 for a in answers if a == Answer.YES.value)
        pooled_answered += answered
        pooled_yes += yes
        items.append(ItemReport(item.code, item.label, cohen_kappa(ratings), answered, yes))
    overall = ItemReport("overall", "All items", cohen_kappa(pooled), pooled_answered, pooled_yes)
    staff = Counter(t.item.handler_id for t in done)
    users = {u.id: u for u in session.scalars(sa.select(User).where(User.id.in_(list(staff))))} if staff else {}
    return Report(period_start, period_end, len(done), len(tasks) - len(done), len(pairs), items, overall,
                  sorted(((users[uid], n) for uid, n in staff.items()), key=lambda p: p[0].display_name))


def month_of(day: date) -> tuple[date, date]:
    first = day.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return first, following - timedelta(days=1)
