"""Demo accounts and a handful of realistic incidents, made through the same use cases as real work."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from demandhub.assessment import service as assessments
from demandhub.assessment.cues import find_cues
from demandhub.assessment.policy import GradingPolicy
from demandhub.assessment.schemas import AssessmentCreate, Decision
from demandhub.auth import service as accounts
from demandhub.auth.models import User
from demandhub.auth.roles import SYSTEM, Role
from demandhub.contacts import service as contacts
from demandhub.contacts.schemas import ContactCreate
from demandhub.incidents import service as incidents

DEMO_PASSWORD = "demandhub-demo"
DEMO_USERS = {
    "handler": (Role.CALL_HANDLER, "Sam Patel"),
    "dispatcher": (Role.DISPATCHER, "Alex Morgan"),
    "supervisor": (Role.SUPERVISOR, "Inspector Jo Reid"),
    "resolver": (Role.RESOLUTION_OFFICER, "Chris Evans"),
    "reviewer": (Role.QUALITY_REVIEWER, "Pat Lee"),
    "analyst": (Role.ANALYST, "Robin Shaw"),
    "admin": (Role.ADMINISTRATOR, "Dana Kerr"),
}

# (channel, name, number, where, what, type, levels, vulnerabilities, cues, minutes ago)
DEMO_CALLS = [
    ("999", "Maria Lopez", "07700 900123", "14 Mill Road, Histon",
     "My ex-partner is outside with a knife, he is threatening to kill me. My two children are here.",
     "crime.violence_with_injury", "high", ["domestic_abuse", "child_at_risk"], 12),
    ("101", "Tom Baker", "01223 555 010", "Car park, Cambridge Retail Park",
     "My bike was stolen from the rack sometime this afternoon, no CCTV that I know of.",
     "crime.theft", "low", [], 95),
    ("999", "Anon", "07700 900456", "Junction of A14 and B1049",
     "Car has hit a motorbike, the rider is not moving.",
     "transport.rtc_injury", "high", [], 4),
    ("101", "Jean Hill", "01480 555 222", "Oak Court, St Ives",
     "My neighbour's music has been loud every night this week.",
     "asb.nuisance", "low", [], 240),
]


def ensure_demo_users(session: Session, *, now) -> dict[str, User]:
    users = {}
    for username, (role, name) in DEMO_USERS.items():
        user = session.scalar(sa.select(User).where(User.username == username))
        if user is None:
            user = accounts.add_user(session, username=username, password=DEMO_PASSWORD, role=role,
                                     display_name=name, actor=SYSTEM, now=now)
        users[username] = user
    return users


def _levels(policy: GradingPolicy, level: str) -> dict:
    low = policy.levels[1] if len(policy.levels) > 1 else policy.levels[0]
    return {d.name: {"level": level if d.name in ("threat", "harm", "risk") else low,
                     "rationale": "Demo: from what the caller said."} for d in policy.dimensions.values()}


def seed_incidents(session: Session, *, policy: GradingPolicy, now, numbering: incidents.Numbering) -> int:
    if session.scalar(sa.select(sa.func.count()).select_from(incidents.Incident)):
        return 0
    handler = accounts.actor_of(session.scalar(sa.select(User).where(User.username == "handler")))
    made = 0
    for channel, name, number, where, what, kind, level, vulns, ago in DEMO_CALLS:
        at = now - timedelta(minutes=ago)
        contact = contacts.create_contact(
            session, data=ContactCreate(channel=channel, caller_name=name, caller_number=number, location_text=where,
                                        description=what, presented_at=at, answered_at=at + timedelta(seconds=6)),
            actor=handler, now=at, region="GB").contact
        cues = [m.flag for m in find_cues(what, policy.cue_lexicon)]
        assessment = assessments.assess(
            session, contact_id=contact.id, policy=policy, actor=handler, now=at + timedelta(minutes=2),
            data=AssessmentCreate(incident_type=kind, dimensions=_levels(policy, level), vulnerabilities=vulns,
                                  cue_flags=cues,
                                  ndm={f.name: "Demo record." for f in policy.ndm_fields.values()}))
        incidents.open_incident(session, contact_id=contact.id, assessment_id=assessment.id,
                                decision=Decision(decision="accept"), policy=policy, actor=handler,
                                now=at + timedelta(minutes=3), numbering=numbering)
        made += 1
    return made


def numbering_for(settings) -> incidents.Numbering:
    return incidents.Numbering(prefix=settings.reference_prefix, tz=ZoneInfo(settings.timezone))
