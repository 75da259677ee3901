"""What the public may report, in their words, and what each is in our classification.

One small table: the form lists it, the handler's view shows it, and a handler grading the
report starts from the classification code it maps to (they may change it: the public's
choice is a first guess, like an opening code). Sexual offences and child abuse are not
offered: those reports need a conversation and a restricted record, so the form's "something
else" and the phone lines take them.
"""

from __future__ import annotations

from dataclasses import dataclass

from demandhub import classification


@dataclass(frozen=True)
class Kind:
    code: str
    label: str
    hint: str


@dataclass(frozen=True)
class Subject:
    code: str  # what the form sends
    kind: str  # a Kind.code
    label: str  # plain language, as the public would say it
    incident_type: str | None  # a classification code; None: the handler decides


KINDS: tuple[Kind, ...] = (
    Kind("crime", "A crime", "For example something stolen, damage to property, fraud, or someone attacked."),
    Kind("incident", "An incident", "For example antisocial behaviour, a traffic matter, or a worry about someone."),
    Kind("information", "Information", "Something you know or saw that the police should know about."),
)

SUBJECTS: tuple[Subject, ...] = (
    Subject("theft", "crime", "Something was stolen", "crime.theft"),
    Subject("burglary_home", "crime", "Someone broke into a home, shed or garage", "crime.burglary_dwelling"),
    Subject("burglary_business", "crime", "Someone broke into a business or other building", "crime.burglary_non_dwelling"),
    Subject("vehicle", "crime", "A vehicle was stolen, broken into or damaged", "crime.vehicle_crime"),
    Subject("shoplifting", "crime", "Shoplifting", "crime.shoplifting"),
    Subject("damage", "crime", "Damage to property or graffiti", "crime.criminal_damage"),
    Subject("assault", "crime", "Someone was attacked, hurt or threatened", "crime.violence_without_injury"),
    Subject("harassment", "crime", "Harassment or stalking", "crime.stalking_harassment"),
    Subject("hate", "crime", "A hate crime", "crime.hate_crime"),
    Subject("fraud", "crime", "Fraud or a scam", "crime.fraud"),
    Subject("drugs_crime", "crime", "Drug dealing or drug taking", "crime.drugs"),
    Subject("crime_other", "crime", "Another crime", "crime.other"),
    Subject("asb_nuisance", "incident", "Antisocial behaviour: noise, rowdy or nuisance behaviour", "asb.nuisance"),
    Subject("asb_personal", "incident", "Antisocial behaviour aimed at me or someone I know", "asb.personal"),
    Subject("asb_environment", "incident", "Fly-tipping, litter or an abandoned vehicle", "asb.environmental"),
    Subject("collision", "incident", "A road collision where nobody was hurt", "transport.rtc_damage_only"),
    Subject("driving", "incident", "Dangerous driving or another road offence", "transport.road_related_offence"),
    Subject("obstruction", "incident", "Something blocking a road", "transport.road_obstruction"),
    Subject("concern", "incident", "I am worried about someone's safety", "public_safety.concern_for_safety"),
    Subject("property", "incident", "Lost or found property", "admin.lost_found_property"),
    Subject("incident_other", "incident", "Something else", None),
    Subject("suspicious", "information", "Suspicious activity", "public_safety.suspicious_circumstances"),
    Subject("drugs_info", "information", "Drug dealing", "crime.drugs"),
    Subject("wanted", "information", "Someone the police may be looking for", "crime.other"),
    Subject("information_other", "information", "Something else", "admin.information_only"),
)

KIND_BY_CODE = {k.code: k for k in KINDS}
SUBJECT_BY_CODE = {s.code: s for s in SUBJECTS}


def subjects_of(kind: str) -> list[Subject]:
    return [s for s in SUBJECTS if s.kind == kind]


def type_label(code: str | None) -> str:
    """The classification label of a code ("Theft"), or what to say when there is none."""
    if code is None:
        return "not chosen: the handler decides"
    return classification.INCIDENT_TYPES[code].label
