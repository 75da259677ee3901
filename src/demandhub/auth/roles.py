"""Roles and what each may do. Every route names the permission it needs; nothing else decides."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    CALL_HANDLER = "call_handler"
    DISPATCHER = "dispatcher"
    SUPERVISOR = "supervisor"
    RESOLUTION_OFFICER = "resolution_officer"
    QUALITY_REVIEWER = "quality_reviewer"
    ANALYST = "analyst"
    ADMINISTRATOR = "administrator"
    # Specialists in the hub, asked for advice by handlers (see vulnerability/).
    MENTAL_HEALTH_PRACTITIONER = "mental_health_practitioner"
    PVP_ADVISER = "pvp_adviser"  # Protecting Vulnerable People duty contact: RASSO, child abuse
    # Machines, not people: a unit's own terminal, and the vehicle location feed.
    FIELD_UNIT = "field_unit"
    LOCATION_FEED = "location_feed"
    # The author of what the public send on their own (an online report, a chat message): an
    # account nobody logs in to, one per channel, with no permissions (auth.service.channel_account).
    PUBLIC = "public"

    @property
    def label(self) -> str:
        return "PVP adviser" if self is Role.PVP_ADVISER else self.value.replace("_", " ").capitalize()


class Permission(StrEnum):
    CONTACT_CREATE = "contact.create"
    CONTACT_READ = "contact.read"
    ASSESSMENT_CREATE = "assessment.create"
    INCIDENT_GRADE = "incident.grade"  # turn an assessed contact into an incident, regrade
    INCIDENT_READ = "incident.read"
    INCIDENT_UPDATE = "incident.update"  # status, notes, linking further contacts
    INCIDENT_CLOSE = "incident.close"
    INCIDENT_REOPEN = "incident.reopen"
    RESTRICTED_READ = "incident.read_restricted"  # sexual offences, child abuse: see the details
    POLICY_READ = "policy.read"
    USERS_MANAGE = "users.manage"
    AUDIT_READ = "audit.read"
    UNIT_READ = "unit.read"  # units, their status and position; the map
    UNIT_MANAGE = "unit.manage"  # add and change units
    DISPATCH = "dispatch"  # recommend, assign, divert, change a unit's status
    UNIT_REPORT = "unit.report"  # a terminal reports its own unit's status and position
    POSITIONS_FEED = "unit.positions_feed"  # batches of positions for any unit
    AML_RECEIVE = "location.aml_receive"  # caller positions from the network (Advanced Mobile Location)
    SAFEGUARDING = "safeguarding.record"  # vulnerability flags, safeguarding actions, referrals
    VULNERABILITY_READ = "vulnerability.read"
    ADVICE_REQUEST = "advice.request"  # ask the hub's specialists
    ADVICE_GIVE = "advice.give"  # answer, as the specialist on duty
    ROTA_MANAGE = "rota.manage"  # who is on duty for which specialism
    RESOLUTION_WORK = "resolution.work"  # the resolution desk: callbacks, outcomes, escalation
    APPOINTMENT_BOOK = "appointment.book"
    APPOINTMENT_SLOTS = "appointment.slots"  # how many appointments per day per area
    QUALITY_REVIEW = "quality.review"  # score sampled contacts against the checklist
    QUALITY_MANAGE = "quality.manage"  # run the sampler, see agreement between reviewers
    FEEDBACK_OWN = "quality.feedback_own"  # staff see their own reviews
    STAFF_RECORDS = "staff.records"  # training, supervision notes, welfare: for supervisors
    STAFF_OWN = "staff.own"  # one's own training, supervision notes and welfare check-ins
    MEASURES_READ = "measures.read"  # performance measures, the dashboard, reports, plans
    MEASURES_IMPORT = "measures.import"  # other forces' measures, which every reader then sees


_P = Permission
_HANDLING = {_P.CONTACT_CREATE, _P.CONTACT_READ, _P.ASSESSMENT_CREATE, _P.INCIDENT_GRADE,
             _P.INCIDENT_READ, _P.INCIDENT_UPDATE, _P.INCIDENT_CLOSE, _P.POLICY_READ, _P.UNIT_READ,
             _P.SAFEGUARDING, _P.VULNERABILITY_READ, _P.ADVICE_REQUEST, _P.APPOINTMENT_BOOK}
_STAFF = {_P.FEEDBACK_OWN, _P.STAFF_OWN}  # every person who works in the hub

GRANTS: dict[Role, frozenset[Permission]] = {
    Role.CALL_HANDLER: frozenset(_HANDLING | _STAFF),
    # Dispatchers work incidents others graded; they neither take contacts nor grade.
    Role.DISPATCHER: frozenset({_P.CONTACT_READ, _P.INCIDENT_READ, _P.INCIDENT_UPDATE,
                                _P.INCIDENT_CLOSE, _P.POLICY_READ, _P.UNIT_READ, _P.DISPATCH,
                                _P.VULNERABILITY_READ} | _STAFF),
    Role.SUPERVISOR: frozenset(_HANDLING | _STAFF | {
        _P.INCIDENT_REOPEN, _P.RESTRICTED_READ, _P.AUDIT_READ, _P.UNIT_READ, _P.UNIT_MANAGE, _P.DISPATCH,
        _P.ROTA_MANAGE, _P.RESOLUTION_WORK, _P.APPOINTMENT_SLOTS, _P.QUALITY_MANAGE, _P.STAFF_RECORDS,
        _P.MEASURES_READ, _P.MEASURES_IMPORT}),
    # The resolution team calls people back: new contacts, reassessment, regrading, closure.
    Role.RESOLUTION_OFFICER: frozenset(_HANDLING | _STAFF | {_P.RESOLUTION_WORK}),
    # Reviewers read everything they sample, change nothing.
    Role.QUALITY_REVIEWER: frozenset({_P.CONTACT_READ, _P.INCIDENT_READ, _P.RESTRICTED_READ, _P.POLICY_READ,
                                      _P.VULNERABILITY_READ, _P.QUALITY_REVIEW} | _STAFF),
    # The hub's specialists read what they advise on and record the advice and safeguarding.
    Role.MENTAL_HEALTH_PRACTITIONER: frozenset({_P.CONTACT_READ, _P.INCIDENT_READ, _P.POLICY_READ,
                                                _P.VULNERABILITY_READ, _P.SAFEGUARDING, _P.ADVICE_GIVE} | _STAFF),
    Role.PVP_ADVISER: frozenset({_P.CONTACT_READ, _P.INCIDENT_READ, _P.RESTRICTED_READ, _P.POLICY_READ,
                                 _P.VULNERABILITY_READ, _P.SAFEGUARDING, _P.ADVICE_GIVE} | _STAFF),
    Role.ANALYST: frozenset({_P.INCIDENT_READ, _P.POLICY_READ, _P.UNIT_READ, _P.MEASURES_READ} | _STAFF),
    # Administrators run the system, not operations: accounts and the audit trail only.
    Role.ADMINISTRATOR: frozenset({_P.USERS_MANAGE, _P.AUDIT_READ, _P.POLICY_READ} | _STAFF),
    Role.FIELD_UNIT: frozenset({_P.UNIT_REPORT}),
    Role.LOCATION_FEED: frozenset({_P.POSITIONS_FEED, _P.AML_RECEIVE}),
    Role.PUBLIC: frozenset(),
}


def allows(role: Role, permission: Permission) -> bool:
    return permission in GRANTS[role]


@dataclass(frozen=True)
class Actor:
    """Who is doing something: passed by keyword into every use case."""

    id: int
    username: str
    display_name: str
    role: Role

    def can(self, permission: Permission) -> bool:
        return allows(self.role, permission)


SYSTEM = Actor(id=0, username="system", display_name="Demand Hub", role=Role.ADMINISTRATOR)
