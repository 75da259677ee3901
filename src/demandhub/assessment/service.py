"""THRIVE+ assessment and grading use cases. The policy decides the recommendation; the
handler decides the grade; both are kept with the policy version that made them."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from demandhub.assessment.cues import find_cues
from demandhub.assessment.models import Assessment, GradingDecision
from demandhub.assessment.policy import GradingInput, GradingPolicy, Recommendation
from demandhub.assessment.schemas import AssessmentCreate, Decision, GradingDraft
from demandhub.audit import service as audit
from demandhub.auth.roles import Actor
from demandhub.classification import INCIDENT_TYPES, QUALIFIERS
from demandhub.contacts.service import get_contact
from demandhub.errors import Conflict, Invalid, NotFound


def grading_input(draft: GradingDraft) -> GradingInput:
    return GradingInput(
        incident_type=draft.incident_type or None,
        qualifiers=frozenset(draft.qualifiers),
        levels={name: d.level for name, d in draft.dimensions.items() if d.level},
        vulnerabilities=frozenset(draft.vulnerabilities),
        cues=frozenset(draft.cue_flags),
    )


def problems_with(policy: GradingPolicy, draft: GradingDraft, ndm: dict[str, str]) -> list[dict]:
    found = policy.validate_assessment(
        incident_type=draft.incident_type,
        qualifiers=draft.qualifiers,
        dimensions={name: (d.level, d.rationale) for name, d in draft.dimensions.items()},
        vulnerabilities=draft.vulnerabilities,
        cues=draft.cue_flags,
        ndm=ndm,
    )
    return [{"field": p.field, "message": p.message} for p in found]


def preview(policy: GradingPolicy, draft: GradingDraft) -> tuple[Recommendation, list[dict]]:
    """The live recommendation while the handler fills in THRIVE+. Unknown codes are
    reported, not graded on, so a half-typed form still gets an answer."""
    problems = [p for p in problems_with(policy, draft, ndm={}) if not p["field"].startswith("ndm.")]
    known = draft.model_copy(update={
        "incident_type": draft.incident_type if draft.incident_type in INCIDENT_TYPES else None,
        "qualifiers": [q for q in draft.qualifiers if q in QUALIFIERS],
        "vulnerabilities": [v for v in draft.vulnerabilities if v in policy.vulnerability_categories],
        "cue_flags": [c for c in draft.cue_flags if c in policy.cue_lexicon],
        "dimensions": {n: d for n, d in draft.dimensions.items()
                       if n in policy.dimensions and d.level in policy.levels},
    })
    return policy.evaluate(grading_input(known)), problems


def assess(session: Session, *, contact_id: int, data: AssessmentCreate, policy: GradingPolicy,
           actor: Actor, now: datetime) -> Assessment:
    contact = get_contact(session, contact_id, for_update=True)  # versions are numbered one at a time
    problems = problems_with(policy, data, ndm=data.ndm)
    if problems:
        raise Invalid("assessment incomplete or invalid: " + "; ".join(p["message"] for p in problems),
                      problems=problems)
    recommendation = policy.evaluate(grading_input(data))
    suggested = {m.flag for m in find_cues(contact.description, policy.cue_lexicon)}
    last = session.scalar(sa.select(sa.func.max(Assessment.version)).where(Assessment.contact_id == contact_id))
    assessment = Assessment(
        contact_id=contact_id, version=(last or 0) + 1, incident_type=data.incident_type,
        qualifiers=sorted(set(data.qualifiers)),
        dimensions={n: d.model_dump() for n, d in data.dimensions.items()},
        vulnerabilities=sorted(set(data.vulnerabilities)), cue_flags=sorted(set(data.cue_flags)),
        cue_flags_removed=sorted(suggested - set(data.cue_flags)),
        ndm={k: v.strip() for k, v in data.ndm.items()},
        recommendation=recommendation.to_dict(), recommended_grade=recommendation.grade,
        policy_name=policy.name, policy_version=policy.version, assessed_by=actor.id, assessed_at=now,
    )
    session.add(assessment)
    session.flush()
    audit.append(session, actor=actor.username, action="assessment.recorded", entity_type="contact",
                 entity_id=contact_id, at=now,
                 details={"assessment_id": assessment.id, "version": assessment.version,
                          "recommended_grade": recommendation.grade,
                          "rules": [r.id for r in recommendation.fired],
                          "policy_version": policy.version})
    return assessment


def get_assessment(session: Session, assessment_id: int) -> Assessment:
    assessment = session.get(Assessment, assessment_id)
    if assessment is None:
        raise NotFound(f"assessment {assessment_id} not found")
    return assessment


def latest_assessment(session: Session, contact_id: int) -> Assessment | None:
    return session.scalar(sa.select(Assessment).where(Assessment.contact_id == contact_id)
                          .order_by(Assessment.version.desc()).limit(1))


def assessments_for(session: Session, contact_ids: list[int]) -> list[Assessment]:
    if not contact_ids:
        return []
    return list(session.scalars(sa.select(Assessment).where(Assessment.contact_id.in_(contact_ids))
                                .order_by(Assessment.assessed_at, Assessment.id)))


def decide(session: Session, *, assessment: Assessment, decision: Decision, policy: GradingPolicy,
           actor: Actor, now: datetime) -> GradingDecision:
    """Accept the recommendation, or override it with a grade and a rationale."""
    if session.scalar(sa.select(GradingDecision.id).where(GradingDecision.assessment_id == assessment.id)):
        raise Conflict(f"assessment {assessment.id} has already been decided; reassess to regrade")
    if decision.decision == "accept":
        grade, rationale = assessment.recommended_grade, None
    else:
        problems = []
        if not decision.grade:
            problems.append({"field": "grade", "message": "an override needs the grade chosen"})
        elif decision.grade not in policy.grade_codes:
            problems.append({"field": "grade", "message": f"unknown grade {decision.grade!r}; grades are "
                             + ", ".join(policy.grade_codes)})
        elif decision.grade == assessment.recommended_grade:
            problems.append({"field": "grade", "message": "the override grade is the recommended grade: accept instead"})
        if not (decision.rationale or "").strip():
            problems.append({"field": "rationale", "message": "an override needs a rationale"})
        if problems:
            raise Invalid("; ".join(p["message"] for p in problems), problems=problems)
        grade, rationale = decision.grade, decision.rationale.strip()
    row = GradingDecision(
        assessment_id=assessment.id, recommended_grade=assessment.recommended_grade, grade=grade,
        overridden=decision.decision == "override", override_rationale=rationale,
        policy_name=assessment.policy_name, policy_version=assessment.policy_version,
        decided_by=actor.id, decided_at=now,
    )
    session.add(row)
    session.flush()
    return row
