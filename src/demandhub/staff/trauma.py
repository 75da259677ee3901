"""Exposure to potentially traumatic incidents and when to prompt a debrief. Pure: no database.

An exposure is one incident of a counted type that a person took a contact on. A prompt is
raised the moment, after the last debrief was recorded, either one exposure matches the
always-prompt list or `exposures` of them fall within `within_days` of each other. It stays
open until a supervisor records that a debrief was offered; only exposures after that count
towards the next prompt, so a person is not prompted twice for the same incidents.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

from demandhub import classification
from demandhub.forcefiles import load_yaml_model, parse_yaml_model

DEFAULT_FILE = "default_trauma.yaml"


class TraumaRulesError(ValueError):
    pass


@dataclass(frozen=True)
class Exposure:
    incident_id: int
    reference: str | None
    incident_type: str
    qualifiers: tuple[str, ...]
    at: datetime  # when the person took their (first) contact on the incident


@dataclass(frozen=True)
class AlwaysPrompt:
    label: str
    incident_type: str
    qualifiers: frozenset[str]

    def matches(self, incident_type: str, qualifiers: Iterable[str]) -> bool:
        return incident_type == self.incident_type and self.qualifiers <= set(qualifiers)


@dataclass(frozen=True)
class TraumaRules:
    version: str
    types: frozenset[str]
    exposures: int
    within: timedelta
    always: tuple[AlwaysPrompt, ...] = ()

    def counts(self, incident_type: str) -> bool:
        return incident_type in self.types

    def always_label(self, incident_type: str, qualifiers: Iterable[str]) -> str | None:
        quals = set(qualifiers)
        return next((a.label for a in self.always if a.matches(incident_type, quals)), None)

    def describe(self) -> str:
        days = self.within.days
        text = f"{self.exposures} exposures within {days} day{'s' if days != 1 else ''}"
        if self.always:
            text += "; always: " + ", ".join(a.label.lower() for a in self.always)
        return text


@dataclass(frozen=True)
class Prompt:
    raised_at: datetime  # the exposure that crossed the threshold
    reason: str
    exposures: tuple[Exposure, ...]  # the ones that crossed it


def counted(exposures: Iterable[Exposure], rules: TraumaRules) -> list[Exposure]:
    """The exposures of counted types, oldest first."""
    return sorted((e for e in exposures if rules.counts(e.incident_type)), key=lambda e: (e.at, e.incident_id))


def prompt_for(exposures: Iterable[Exposure], *, rules: TraumaRules, cleared_until: datetime | None) -> Prompt | None:
    """The open prompt, if any: the first moment after `cleared_until` (the last debrief) that
    the threshold was crossed. Both ends of the window are included: three exposures exactly
    30 days apart first to last are "within 30 days"."""
    fresh = [e for e in counted(exposures, rules) if cleared_until is None or e.at > cleared_until]
    start = 0
    for end, exposure in enumerate(fresh):
        label = rules.always_label(exposure.incident_type, exposure.qualifiers)
        if label is not None:
            return Prompt(exposure.at, f"{label} (always prompts a debrief)", (exposure,))
        while exposure.at - fresh[start].at > rules.within:
            start += 1
        if end - start + 1 >= rules.exposures:
            window = tuple(fresh[start:end + 1])
            return Prompt(exposure.at, f"{len(window)} exposures within {rules.within.days} days", window)
    return None


def recent(exposures: Sequence[Exposure], *, rules: TraumaRules, now: datetime, days: int) -> int:
    """How many counted exposures fall in the `days` up to `now` (both ends included)."""
    since = now - timedelta(days=days)
    return sum(1 for e in counted(exposures, rules) if since <= e.at <= now)


# --- the YAML file ------------------------------------------------------------------------

class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Threshold(_Strict):
    exposures: int = Field(ge=1, le=100)
    within_days: int = Field(ge=1, le=366)


class _Always(_Strict):
    label: str = Field(min_length=1, max_length=80)
    type: str
    qualifiers: list[str] = Field(default_factory=list, max_length=10)


class _File(_Strict):
    version: str = Field(min_length=1, max_length=40)
    types: list[str] = Field(min_length=1, max_length=100)
    threshold: _Threshold
    always_prompt: list[_Always] = Field(default_factory=list, max_length=50)

    @model_validator(mode="after")
    def _known(self) -> _File:
        for code in self.types:
            if not classification.is_incident_type(code):
                raise ValueError(f"types: unknown incident type {code!r}")
        for entry in self.always_prompt:
            if entry.type not in self.types:
                raise ValueError(f"always_prompt {entry.label!r}: type {entry.type!r} is not in types")
            for q in entry.qualifiers:
                if q not in classification.QUALIFIERS:
                    raise ValueError(f"always_prompt {entry.label!r}: unknown qualifier {q!r}")
        return self


def parse_rules(text: str, *, source: str = "<text>") -> TraumaRules:
    return _rules_of(parse_yaml_model(text, source=source, model=_File, error=TraumaRulesError))


def _rules_of(parsed: _File) -> TraumaRules:
    return TraumaRules(
        version=parsed.version, types=frozenset(parsed.types), exposures=parsed.threshold.exposures,
        within=timedelta(days=parsed.threshold.within_days),
        always=tuple(AlwaysPrompt(a.label, a.type, frozenset(a.qualifiers)) for a in parsed.always_prompt))


def load_rules(path: Path | None = None) -> TraumaRules:
    return _rules_of(load_yaml_model(path, package="demandhub.staff", default_file=DEFAULT_FILE,
                                     what="trauma exposure rules", model=_File, error=TraumaRulesError))
