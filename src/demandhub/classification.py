"""Incident classification catalogue, after the UK National Standard for Incident
Recording (NSIR).

Pure data: categories, incident types (opening codes), qualifiers and closing codes.
Incident type codes are ``category.type`` strings (``crime.robbery``). Sensitive types (sexual offences,
child abuse) carry ``restricted=True`` so access to them can be limited and audited.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

__all__ = [
    "Category",
    "IncidentType",
    "Qualifier",
    "ClosingCode",
    "CATEGORIES",
    "INCIDENT_TYPES",
    "QUALIFIERS",
    "CLOSING_CODES",
    "category",
    "incident_type",
    "qualifier",
    "closing_code",
    "types_in_category",
    "is_incident_type",
]


@dataclass(frozen=True, slots=True)
class Category:
    code: str
    label: str
    description: str


@dataclass(frozen=True, slots=True)
class IncidentType:
    code: str  # "category.type"
    label: str
    category: str  # a key of CATEGORIES
    restricted: bool = False


@dataclass(frozen=True, slots=True)
class Qualifier:
    code: str
    label: str


@dataclass(frozen=True, slots=True)
class ClosingCode:
    code: str
    label: str


def _ordered(items):
    d = {}
    for item in items:
        if item.code in d:  # pragma: no cover - guarded by tests
            raise ValueError(f"duplicate code {item.code!r}")
        d[item.code] = item
    return MappingProxyType(d)


CATEGORIES: Mapping[str, Category] = _ordered(
    [
        Category("crime", "Crime", "Recorded under the crime recording rules"),
        Category("asb", "Anti-social behaviour", "Personal, nuisance or environmental ASB"),
        Category("public_safety", "Public safety and welfare", "Safety and welfare of the public"),
        Category("transport", "Transport", "Roads, rail and other transport incidents"),
        Category("admin", "Administration", "Administrative and non-incident contacts"),
    ]
)

_T = IncidentType

INCIDENT_TYPES: Mapping[str, IncidentType] = _ordered(
    [
        # Crime
        _T("crime.violence_with_injury", "Violence with injury", "crime"),
        _T("crime.violence_without_injury", "Violence without injury", "crime"),
        _T("crime.sexual_offence", "Sexual offence", "crime", restricted=True),
        _T("crime.child_abuse", "Child abuse", "crime", restricted=True),
        _T("crime.domestic_abuse", "Domestic abuse", "crime"),
        _T("crime.stalking_harassment", "Stalking and harassment", "crime"),
        _T("crime.robbery", "Robbery", "crime"),
        _T("crime.burglary_dwelling", "Burglary (residential)", "crime"),
        _T("crime.burglary_non_dwelling", "Burglary (business and community)", "crime"),
        _T("crime.vehicle_crime", "Vehicle crime", "crime"),
        _T("crime.theft", "Theft", "crime"),
        _T("crime.shoplifting", "Shoplifting", "crime"),
        _T("crime.criminal_damage", "Criminal damage", "crime"),
        _T("crime.arson", "Arson", "crime"),
        _T("crime.public_order", "Public order offence", "crime"),
        _T("crime.weapons_possession", "Possession of weapons", "crime"),
        _T("crime.drugs", "Drug offence", "crime"),
        _T("crime.fraud", "Fraud", "crime"),
        _T("crime.hate_crime", "Hate crime", "crime"),
        _T("crime.other", "Other crime", "crime"),
        # Anti-social behaviour
        _T("asb.personal", "ASB - personal", "asb"),
        _T("asb.nuisance", "ASB - nuisance", "asb"),
        _T("asb.environmental", "ASB - environmental", "asb"),
        # Public safety and welfare
        _T("public_safety.concern_for_safety", "Concern for safety", "public_safety"),
        _T("public_safety.missing_person", "Missing person", "public_safety"),
        _T("public_safety.absent_person", "Absent person / AWOL", "public_safety"),
        _T("public_safety.mental_health", "Mental health", "public_safety"),
        _T("public_safety.suspicious_circumstances", "Suspicious circumstances", "public_safety"),
        _T("public_safety.sudden_death", "Sudden death", "public_safety"),
        _T("public_safety.fire", "Fire", "public_safety"),
        _T("public_safety.civil_dispute", "Civil dispute", "public_safety"),
        _T("public_safety.animals", "Animals", "public_safety"),
        _T("public_safety.alarm", "Intruder alarm activation", "public_safety"),
        _T("public_safety.firearms_licensing", "Firearms licensing", "public_safety"),
        # Transport
        _T("transport.rtc_injury", "Road traffic collision - injury", "transport"),
        _T("transport.rtc_damage_only", "Road traffic collision - damage only", "transport"),
        _T("transport.road_obstruction", "Road obstruction", "transport"),
        _T("transport.road_related_offence", "Road related offence", "transport"),
        _T("transport.rail_air_marine", "Rail, air or marine incident", "transport"),
        # Administration
        _T("admin.lost_found_property", "Lost or found property", "admin"),
        _T("admin.information_only", "Information only", "admin"),
        _T("admin.abandoned_call", "Abandoned or silent call", "admin"),
        _T("admin.hoax", "Hoax call", "admin"),
        _T("admin.duplicate", "Duplicate", "admin"),
        _T("admin.wrong_number", "Misdial / wrong number", "admin"),
        _T("admin.other_agency", "Other agency matter", "admin"),
    ]
)

del _T

QUALIFIERS: Mapping[str, Qualifier] = _ordered(
    [
        Qualifier("domestic", "Domestic"),
        Qualifier("alcohol", "Alcohol related"),
        Qualifier("drugs", "Drugs related"),
        Qualifier("mental_health", "Mental health"),
        Qualifier("hate", "Hate"),
        Qualifier("missing_person", "Missing person"),
        Qualifier("child_involved", "Child involved"),
        Qualifier("firearms", "Firearms"),
        Qualifier("knife", "Knife or bladed article"),
        Qualifier("repeat_victim", "Repeat victim"),
        Qualifier("repeat_location", "Repeat location"),
        Qualifier("vulnerable_adult", "Vulnerable adult"),
        Qualifier("elderly", "Elderly person"),
        Qualifier("exploitation", "Exploitation"),
        Qualifier("honour_based", "Honour-based abuse"),
        Qualifier("cyber", "Cyber-enabled"),
        Qualifier("youth", "Youth related"),
    ]
)

CLOSING_CODES: Mapping[str, ClosingCode] = _ordered(
    [
        ClosingCode("crime_recorded", "Crime recorded"),
        ClosingCode("no_crime_advice_given", "No crime - advice given"),
        ClosingCode("resolved_by_phone", "Resolved by phone or video"),
        ClosingCode("referred_to_partner", "Referred to partner agency"),
        ClosingCode("officer_attended_resolved", "Officer attended - resolved"),
        ClosingCode("officer_attended_no_further_action", "Officer attended - no further action"),
        ClosingCode("duplicate", "Duplicate of another incident"),
        ClosingCode("no_trace", "No trace"),
        ClosingCode("hoax", "Hoax"),
        ClosingCode("cancelled_by_caller", "Cancelled by caller"),
        ClosingCode("transferred_other_force", "Transferred to another force"),
        ClosingCode("information_recorded", "Information recorded"),
    ]
)


def category(code: str) -> Category:
    """Return the category with ``code``; ``KeyError`` if unknown."""
    try:
        return CATEGORIES[code]
    except (KeyError, TypeError):
        raise KeyError(f"unknown incident category {code!r}") from None


def incident_type(code: str) -> IncidentType:
    """Return the incident type with ``code``; ``KeyError`` if unknown."""
    try:
        return INCIDENT_TYPES[code]
    except (KeyError, TypeError):
        raise KeyError(f"unknown incident type {code!r}") from None


def qualifier(code: str) -> Qualifier:
    """Return the qualifier with ``code``; ``KeyError`` if unknown."""
    try:
        return QUALIFIERS[code]
    except (KeyError, TypeError):
        raise KeyError(f"unknown qualifier {code!r}") from None


def closing_code(code: str) -> ClosingCode:
    """Return the closing code with ``code``; ``KeyError`` if unknown."""
    try:
        return CLOSING_CODES[code]
    except (KeyError, TypeError):
        raise KeyError(f"unknown closing code {code!r}") from None


def types_in_category(category_code: str) -> tuple[IncidentType, ...]:
    """Incident types of one category, in catalogue order (``KeyError`` if unknown)."""
    category(category_code)
    return tuple(t for t in INCIDENT_TYPES.values() if t.category == category_code)


def is_incident_type(code: object) -> bool:
    return isinstance(code, str) and code in INCIDENT_TYPES
