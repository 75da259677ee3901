"""The force's dispatch rules (YAML): skills by incident, attendance targets, diversions.

Read strictly when the application starts, like the grading policy: a mistake stops the
start with the file and the problem, never a wrong answer at 3 a.m.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from demandhub import classification
from demandhub.forcefiles import load_yaml_model

DEFAULT_FILE = "default_dispatch.yaml"


class RulesError(ValueError):
    pass


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class When(_Strict):
    incident_type: list[str] | None = None  # any of these
    qualifier: str | None = None

    @field_validator("incident_type", mode="before")
    @classmethod
    def _one_or_many(cls, value):
        return [value] if isinstance(value, str) else value

    @model_validator(mode="after")
    def _known(self) -> "When":
        if self.incident_type is None and self.qualifier is None:
            raise ValueError("give an incident_type, a qualifier or both")
        unknown = [t for t in self.incident_type or [] if t not in classification.INCIDENT_TYPES]
        if unknown:
            raise ValueError(f"unknown incident type {', '.join(map(repr, unknown))}")
        if self.qualifier is not None and self.qualifier not in classification.QUALIFIERS:
            raise ValueError(f"unknown qualifier {self.qualifier!r}")
        return self

    def matches(self, incident_type: str, qualifiers: list[str]) -> bool:
        return ((self.incident_type is None or incident_type in self.incident_type)
                and (self.qualifier is None or self.qualifier in qualifiers))


class Need(_Strict):
    when: When
    skills: list[str] = Field(min_length=1)
    why: str = Field(min_length=1)


class AreaTargets(_Strict):
    urban: float = Field(gt=0)
    rural: float = Field(gt=0)


class DispatchRules(_Strict):
    version: int
    needs: list[Need] = Field(default_factory=list)
    attendance_targets_minutes: dict[str, AreaTargets] = Field(default_factory=dict)
    divert_for_grades: list[str] = Field(default_factory=list)
    recommend_units: int = Field(default=10, ge=1, le=100)

    @field_validator("attendance_targets_minutes", mode="before")
    @classmethod
    def _grade_keys_are_text(cls, value):
        # YAML reads an unquoted 1 as a number; grades are codes.
        return {str(k): v for k, v in value.items()} if isinstance(value, dict) else value

    def needed_skills(self, incident_type: str, qualifiers: list[str]) -> list[tuple[str, str]]:
        """(skill, why) for every skill the incident needs, first reason wins."""
        found: dict[str, str] = {}
        for need in self.needs:
            if need.when.matches(incident_type, qualifiers):
                for skill in need.skills:
                    found.setdefault(skill, need.why)
        return list(found.items())

    def target_s(self, grade: str, area: str) -> float | None:
        targets = self.attendance_targets_minutes.get(grade)
        return None if targets is None else 60.0 * getattr(targets, area)

    def check_grades(self, grade_codes: list[str]) -> None:
        """The grades named here must be the policy's: checked once both are loaded."""
        unknown = sorted((set(self.attendance_targets_minutes) | set(self.divert_for_grades)) - set(grade_codes))
        if unknown:
            raise RulesError(f"dispatch rules name grades the grading policy does not have: {', '.join(unknown)}")


def load_rules(path: Path | None = None) -> DispatchRules:
    return load_yaml_model(path, package="demandhub.dispatch", default_file=DEFAULT_FILE, what="dispatch rules",
                           model=DispatchRules, error=RulesError)
