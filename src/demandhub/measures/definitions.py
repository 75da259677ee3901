"""The published measure definitions, versioned: what each measure is called, its unit, and
the thresholds the definitions use. docs/measures.md says the same in words; a change to any
rule here is a new DEFINITIONS_VERSION, so figures computed by different rules are never
compared as if they were the same measure.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

DEFINITIONS_VERSION = "2026.11"

# The percentile method used everywhere (docs/measures.md, "Percentiles"): Hyndman and Fan
# type 7, linear interpolation between closest ranks. It is numpy's and pandas' default,
# Excel's PERCENTILE.INC and PostgreSQL's percentile_cont, so another force can reproduce it.
PERCENTILE_METHOD = "linear (Hyndman-Fan type 7)"

# Closing codes that say the force had nothing to resolve (another incident's duplicate, a hoax,
# another force's matter, the caller cancelling): left out of the resolution-without-deployment
# share altogether, neither resolved nor deployed.
EXCLUDED_FROM_RWD_CLOSING_CODES = ("duplicate", "hoax", "transferred_other_force", "cancelled_by_caller")
# Closing codes that say an officer went: never resolution without deployment, whatever the
# assignment records say (an attendance recorded outside the system).
ATTENDED_CLOSING_CODES = ("officer_attended_resolved", "officer_attended_no_further_action")

DIGITAL_CHANNELS = ("online", "webchat", "social_media", "emergency_sms")
# Contacts the force starts itself: not demand from the public.
FORCE_INITIATED_CHANNELS = ("callback",)
# Channels that never count towards repeat demand (the force starting the contact).
NOT_REPEAT_CHANNELS = ("callback", "officer_generated")

BANDS_999 = ("under_10s", "10s_to_under_60s", "60s_or_more")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class Standards:
    """The thresholds and targets the definitions use. Defaults are the national standard
    where one exists and the default policy and dispatch rules where not."""

    answer_999_s: float = 10.0  # answered in under this many seconds: within the standard
    answer_999_share: float = 0.90  # the national standard: 90% of 999 calls within 10 s
    band_edges_s: tuple[float, float] = (10.0, 60.0)  # published bands: <10, 10 to <60, 60+
    short_abandon_s: float = 5.0  # an abandon after less waiting than this is a short abandon
    # grade -> (urban, rural) seconds from incident creation to the first unit at scene
    attendance_targets_s: Mapping[str, tuple[float, float]] = field(
        default_factory=lambda: MappingProxyType({"1": (900.0, 1200.0), "2": (3600.0, 3600.0)}))
    attendance_share: float = 0.90  # the force's aim for the share within target ("90% within")
    resolution_grade: str = "4"  # the resolution desk's grade (resolution.rules.RESOLUTION_GRADE)
    callback_target_s: float = 24 * 3600.0  # from being graded for the desk to the first callback
    repeat_window_s: float = 28 * 86400.0  # an earlier contact from the number within this: a repeat
    timezone: str = "Europe/London"  # demand by hour and day is counted on this local clock

    @classmethod
    def from_rules(cls, rules, *, callback_target_h: float | None = None, timezone: str | None = None,
                   resolution_grade: str | None = None) -> "Standards":
        """From the force's dispatch rules (dispatch.rules.DispatchRules) and settings."""
        targets = {grade: (60.0 * t.urban, 60.0 * t.rural) for grade, t in rules.attendance_targets_minutes.items()}
        extra = {}
        if callback_target_h is not None:
            extra["callback_target_s"] = 3600.0 * callback_target_h
        if timezone is not None:
            extra["timezone"] = timezone
        if resolution_grade is not None:
            extra["resolution_grade"] = resolution_grade
        return cls(attendance_targets_s=MappingProxyType(targets), **extra)

    @classmethod
    def for_force(cls, rules, settings) -> "Standards":
        """The running force's: its dispatch rules, callback target and time zone (config.Settings)."""
        return cls.from_rules(rules, callback_target_h=settings.callback_target_h, timezone=settings.timezone)


@dataclass(frozen=True)
class Definition:
    id: str
    name: str
    unit: str  # share | seconds | count | contacts per hour | contacts per day
    segments: str  # what the segment column holds for this measure
    standard: str | None = None  # the standard or target it is judged against, in words


_D = Definition

DEFINITIONS: Mapping[str, Definition] = MappingProxyType({d.id: d for d in [
    _D("answer_999.presented", "999 calls presented", "count", "all"),
    _D("answer_999.within_10s_share", "999 calls answered in under 10 seconds", "share", "all",
       "90% (national standard)"),
    _D("answer_999.band_share", "999 calls answered, by published band", "share",
       "band=under_10s | band=10s_to_under_60s | band=60s_or_more"),
    _D("answer_999.median_s", "999 answer time, median", "seconds", "all"),
    _D("answer_999.p90_s", "999 answer time, 90th percentile", "seconds", "all"),
    _D("answer_999.abandoned_share", "999 calls abandoned (after the short-abandon threshold)", "share", "all"),
    _D("answer_999.without_answer_time", "999 calls neither answered nor abandoned (no answer time)", "count",
       "all"),
    _D("call_101.presented", "101 calls presented", "count", "all"),
    _D("call_101.mean_wait_s", "101 average wait to answer", "seconds", "all"),
    _D("call_101.p90_wait_s", "101 wait to answer, 90th percentile", "seconds", "all"),
    _D("call_101.abandoned_share", "101 abandonment rate", "share", "all"),
    _D("call_101.short_abandons", "101 short abandons (excluded from the rate)", "count", "all"),
    _D("call_101.without_answer_time", "101 calls neither answered nor abandoned (no answer time)", "count",
       "all"),
    _D("digital.presented", "Digital contacts presented", "count", "all | channel=C"),
    _D("digital.first_response.median_s", "Digital time to first response, median", "seconds", "all | channel=C"),
    _D("digital.first_response.p90_s", "Digital time to first response, 90th percentile", "seconds",
       "all | channel=C"),
    _D("digital.closed_without_response", "Digital contacts closed without a response", "count", "all | channel=C"),
    _D("digital.awaiting_response", "Digital contacts still awaiting a first response", "count", "all | channel=C"),
    _D("attendance.incidents", "Incidents with an attendance target", "count", "grade=G[/area=A]"),
    _D("attendance.median_s", "Attendance time, median", "seconds", "grade=G[/area=A]"),
    _D("attendance.p90_s", "Attendance time, 90th percentile", "seconds", "grade=G[/area=A]"),
    _D("attendance.within_target_share", "Incidents attended within the grade's target", "share",
       "grade=G[/area=A]", "90% within the grade's target (force aim; no national standard)"),
    _D("attendance.missed_without_arrival", "Target passed with no unit at scene", "count", "grade=G[/area=A]"),
    _D("attendance.closed_before_arrival", "Closed before any unit arrived and before the target", "count",
       "grade=G[/area=A]"),
    _D("attendance.pending", "No unit yet, target not yet passed", "count", "grade=G[/area=A]"),
    _D("attendance.reopened", "Incidents reopened after closing", "count", "grade=G[/area=A]"),
    _D("attendance.regraded", "Incidents whose grade now differs from the first", "count",
       "grade=G/direction=up | grade=G/direction=down"),
    _D("resolution.rwd_share", "Resolved without deployment", "share", "all"),
    _D("resolution.callback_within_target_share", "Resolution desk callbacks within target", "share", "all",
       "first callback within the callback target (24 h by default)"),
    _D("resolution.callback_median_s", "Time to first callback, median", "seconds", "all"),
    _D("resolution.callback_p90_s", "Time to first callback, 90th percentile", "seconds", "all"),
    _D("appointments.kept_share", "Appointments kept", "share", "all"),
    _D("appointments.cancelled", "Appointments cancelled", "count", "all"),
    _D("appointments.not_recorded", "Appointments past with no outcome recorded", "count", "all"),
    _D("contacts.risk_assessed_share", "Answered contacts with a complete THRIVE+ assessment", "share", "all"),
    _D("contacts.vulnerability_identified_share", "Assessed contacts with vulnerability identified", "share",
       "all"),
    _D("contacts.safeguarding_share", "Vulnerable contacts with a safeguarding action recorded", "share", "all"),
    _D("contacts.grade_override_share", "Graded contacts whose recommended grade was overridden", "share", "all"),
    _D("contacts.repeat_share", "Contacts from a repeat caller", "share", "all"),
    _D("demand.contacts", "Contacts presented (demand)", "count", "all | channel=C"),
    _D("demand.by_hour", "Contacts per hour, by local hour of day", "contacts per hour", "hour=HH"),
    _D("demand.by_day", "Contacts per day, by local day of week", "contacts per day", "day=mon..sun"),
]})

del _D
