"""The grading policy: THRIVE+ dimensions, levels, grades, the cue lexicon and grading
rules, and the engine that turns an assessment into an explained grade recommendation.

Evaluation is pure and never raises for well-typed input: unknown codes simply match
nothing. Policies are read from YAML by :mod:`demandhub.assessment.loader`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Union

from demandhub.assessment.conditions import Context, Rule
from demandhub.assessment.cues import CueLexicon, CueMatch
from demandhub.classification import INCIDENT_TYPES, QUALIFIERS


@dataclass(frozen=True, slots=True)
class Dimension:
    """A THRIVE+ dimension (threat, harm, ...); forces may add their own "+" ones."""

    name: str
    label: str
    required: bool = True
    question: str = ""


@dataclass(frozen=True, slots=True)
class VulnerabilityCategory:
    code: str
    label: str


@dataclass(frozen=True, slots=True)
class NdmField:
    """A National Decision Model record field."""

    name: str
    label: str
    required: bool = True
    question: str = ""


@dataclass(frozen=True, slots=True)
class Grade:
    code: str
    label: str
    description: str = ""
    target: str = ""


Level = str


# ------------------------------------------------------------------------ engine I/O


def _freeze_strs(value: Any) -> frozenset[str]:
    if value is None:
        return frozenset()
    if isinstance(value, str):
        return frozenset([value])
    return frozenset(value)


@dataclass(frozen=True)
class GradingInput:
    """What the engine grades. Codes not known to the policy simply match nothing."""

    incident_type: str | None = None
    qualifiers: frozenset[str] = frozenset()
    levels: Mapping[str, str] = field(default_factory=dict)
    vulnerabilities: frozenset[str] = frozenset()
    cues: frozenset[str] = frozenset()

    def __post_init__(self):
        object.__setattr__(self, "qualifiers", _freeze_strs(self.qualifiers))
        object.__setattr__(self, "vulnerabilities", _freeze_strs(self.vulnerabilities))
        object.__setattr__(self, "cues", _freeze_strs(self.cues))
        object.__setattr__(self, "levels", MappingProxyType(dict(self.levels or {})))

    def __hash__(self) -> int:
        return hash((self.incident_type, self.qualifiers, frozenset(self.levels.items()),
                     self.vulnerabilities, self.cues))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, GradingInput):
            return NotImplemented
        return (self.incident_type, self.qualifiers, dict(self.levels), self.vulnerabilities,
                self.cues) == (other.incident_type, other.qualifiers, dict(other.levels),
                               other.vulnerabilities, other.cues)


@dataclass(frozen=True, slots=True)
class FiredRule:
    id: str
    description: str
    grade: str | None
    actions: tuple[str, ...]
    reasons: tuple[str, ...]

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "description": self.description,
            "grade": self.grade,
            "actions": list(self.actions),
            "reasons": list(self.reasons),
        }


@dataclass(frozen=True, slots=True)
class Recommendation:
    grade: str
    grade_label: str
    fired: tuple[FiredRule, ...]
    deciding_rules: tuple[str, ...]
    required_actions: tuple[str, ...]
    policy_name: str
    policy_version: str
    defaulted: bool

    def to_dict(self) -> dict:
        return {
            "grade": self.grade,
            "grade_label": self.grade_label,
            "defaulted": self.defaulted,
            "deciding_rules": list(self.deciding_rules),
            "required_actions": list(self.required_actions),
            "fired": [f.to_dict() for f in self.fired],
            "policy_name": self.policy_name,
            "policy_version": self.policy_version,
        }


@dataclass(frozen=True, slots=True)
class DimensionEntry:
    """A handler's entry for one THRIVE+ dimension."""

    level: str | None = None
    rationale: str | None = None


@dataclass(frozen=True, slots=True)
class Problem:
    """A problem with an assessment: ``field`` is a dotted path such as
    ``dimensions.threat.rationale``, ``ndm.options`` or ``vulnerabilities[2]``."""

    field: str
    message: str

    def to_dict(self) -> dict:
        return {"field": self.field, "message": self.message}


DimensionValue = Union[DimensionEntry, tuple, Mapping, None]


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _ordered_items(values: Any) -> list:
    if values is None:
        return []
    if isinstance(values, str):
        return [values]
    if isinstance(values, (set, frozenset)):
        return sorted(values, key=lambda v: (str(type(v)), str(v)))
    return list(values)


# ---------------------------------------------------------------------------- policy


class GradingPolicy:
    """A loaded, checked grading policy. Immutable; build with :func:`parse_policy`."""

    def __init__(
        self,
        *,
        name: str,
        version: str,
        description: str,
        levels: tuple[str, ...],
        dimensions: tuple[Dimension, ...],
        vulnerability_categories: tuple[VulnerabilityCategory, ...],
        ndm_fields: tuple[NdmField, ...],
        grades: tuple[Grade, ...],
        default_grade: str,
        cue_lexicon: CueLexicon,
        rules: tuple[Rule, ...],
        source: str = "<policy>",
    ):
        self._name = name
        self._version = version
        self._description = description
        self._levels = levels
        self._level_index = MappingProxyType({lv: i for i, lv in enumerate(levels)})
        self._dimensions = MappingProxyType({d.name: d for d in dimensions})
        self._vulns = MappingProxyType({v.code: v for v in vulnerability_categories})
        self._ndm = MappingProxyType({n.name: n for n in ndm_fields})
        self._grades = MappingProxyType({g.code: g for g in grades})
        self._grade_rank = MappingProxyType({g.code: i for i, g in enumerate(grades)})
        self._default_grade = default_grade
        self._lexicon = cue_lexicon
        self._rules = rules
        self._source = source

    # -- accessors
    name = property(lambda self: self._name)
    version = property(lambda self: self._version)
    description = property(lambda self: self._description)
    source = property(lambda self: self._source)
    levels = property(lambda self: self._levels, doc="Levels, least to most.")
    dimensions = property(lambda self: self._dimensions, doc="name -> Dimension, in order.")
    vulnerability_categories = property(lambda self: self._vulns)
    ndm_fields = property(lambda self: self._ndm)
    grades = property(lambda self: self._grades, doc="code -> Grade, most urgent first.")
    default_grade = property(lambda self: self._default_grade)
    cue_lexicon = property(lambda self: self._lexicon)
    rules = property(lambda self: self._rules)

    def __repr__(self) -> str:
        return f"GradingPolicy(name={self._name!r}, version={self._version!r}, rules={len(self._rules)})"

    @property
    def grade_codes(self) -> list[str]:
        """Grade codes, most urgent first (the queue's order)."""
        return list(self._grades)

    def describe(self) -> dict:
        """The policy in force, JSON-safe, for the API and the screens."""
        return {
            "name": self._name,
            "version": self._version,
            "description": self._description,
            "levels": list(self._levels),
            "dimensions": [{"name": d.name, "label": d.label, "required": d.required, "question": d.question}
                           for d in self._dimensions.values()],
            "vulnerability_categories": [{"code": v.code, "label": v.label} for v in self._vulns.values()],
            "ndm_fields": [{"name": n.name, "label": n.label, "required": n.required} for n in self._ndm.values()],
            "grades": [{"code": g.code, "label": g.label, "description": g.description, "target": g.target}
                       for g in self._grades.values()],
            "default_grade": self._default_grade,
            "cue_flags": [{"flag": d.flag, "label": d.label} for d in self._lexicon.definitions.values()],
            "rules": [{"id": r.id, "description": r.description, "grade": r.grade, "actions": list(r.actions)}
                      for r in self._rules],
        }

    def grade(self, code: str) -> Grade:
        """The grade with ``code``; ``KeyError`` if unknown."""
        try:
            return self._grades[code]
        except (KeyError, TypeError):
            raise KeyError(f"unknown grade {code!r}") from None

    def rule(self, rule_id: str) -> Rule:
        for r in self._rules:
            if r.id == rule_id:
                return r
        raise KeyError(f"unknown rule {rule_id!r}")

    def is_more_urgent(self, a: str, b: str) -> bool:
        """True if grade ``a`` is strictly more urgent than grade ``b``."""
        return self._grade_rank[self.grade(a).code] < self._grade_rank[self.grade(b).code]

    def find_cues(self, text: str) -> list[CueMatch]:
        return self._lexicon.find(text)

    # -- engine
    def _context(self, inp: GradingInput) -> Context:
        itype = inp.incident_type if inp.incident_type in INCIDENT_TYPES else None
        levels = {}
        for dim, lv in inp.levels.items():
            if dim in self._dimensions and isinstance(lv, str) and lv in self._level_index:
                levels[dim] = self._level_index[lv]
        return Context(
            incident_type=itype,
            category=INCIDENT_TYPES[itype].category if itype else None,
            qualifiers=inp.qualifiers,
            levels=levels,
            level_names=self._levels,
            vulnerabilities=frozenset(v for v in inp.vulnerabilities if v in self._vulns),
            cues=inp.cues,
        )

    def evaluate(self, inp: GradingInput) -> Recommendation:
        """Fire every rule whose condition holds and recommend the most urgent grade."""
        ctx = self._context(inp)
        fired: list[FiredRule] = []
        for rule in self._rules:
            ok, reasons = rule.when.check(ctx)
            if ok:
                fired.append(FiredRule(rule.id, rule.description, rule.grade, rule.actions, reasons))
        graded = [f for f in fired if f.grade is not None]
        if graded:
            best = min((f.grade for f in graded), key=self._grade_rank.__getitem__)
            deciding = tuple(f.id for f in graded if f.grade == best)
            defaulted = False
        else:
            best, deciding, defaulted = self._default_grade, (), True
        actions: dict[str, None] = {}
        for f in fired:
            for a in f.actions:
                actions.setdefault(a, None)
        return Recommendation(
            grade=best,
            grade_label=self._grades[best].label,
            fired=tuple(fired),
            deciding_rules=deciding,
            required_actions=tuple(actions),
            policy_name=self._name,
            policy_version=self._version,
            defaulted=defaulted,
        )

    # -- completeness check
    def validate_assessment(
        self,
        *,
        incident_type: str | None,
        qualifiers: Iterable[str] = (),
        dimensions: Mapping[str, DimensionValue],
        vulnerabilities: Iterable[str] = (),
        cues: Iterable[str] = (),
        ndm: Mapping[str, str | None],
    ) -> list[Problem]:
        """Everything missing or unknown in an assessment, as a list of :class:`Problem`."""
        problems: list[Problem] = []
        add = lambda f, m: problems.append(Problem(f, m))  # noqa: E731

        if _blank(incident_type):
            add("incident_type", "An incident type is required")
        elif incident_type not in INCIDENT_TYPES:
            add("incident_type", f"Unknown incident type '{incident_type}'")

        for i, q in enumerate(_ordered_items(qualifiers)):
            if q not in QUALIFIERS:
                add(f"qualifiers[{i}]", f"Unknown qualifier '{q}'")
        for i, v in enumerate(_ordered_items(vulnerabilities)):
            if v not in self._vulns:
                add(f"vulnerabilities[{i}]", f"Unknown vulnerability category '{v}'")
        for i, c in enumerate(_ordered_items(cues)):
            if c not in self._lexicon:
                add(f"cue_flags[{i}]", f"Unknown cue flag '{c}'")

        dims = dict(dimensions or {})
        for name in dims:
            if name not in self._dimensions:
                add(f"dimensions.{name}", f"Unknown THRIVE+ dimension '{name}'")
        for name, dim in self._dimensions.items():
            path = f"dimensions.{name}"
            raw = dims.get(name)
            if raw is None:
                level, rationale = None, None
            elif isinstance(raw, DimensionEntry):
                level, rationale = raw.level, raw.rationale
            elif isinstance(raw, Mapping):
                level, rationale = raw.get("level"), raw.get("rationale")
            elif isinstance(raw, (tuple, list)) and len(raw) == 2:
                level, rationale = raw
            else:
                add(path, f"THRIVE+ '{dim.label}': expected a level and a rationale")
                continue
            has_level = not _blank(level)
            has_rationale = not _blank(rationale)
            if has_level and level not in self._level_index:
                add(f"{path}.level", f"THRIVE+ '{dim.label}': unknown level '{level}' "
                    f"(expected one of {', '.join(self._levels)})")
            if dim.required or has_rationale:
                if not has_level:
                    add(f"{path}.level", f"THRIVE+ '{dim.label}': a level is required")
            if dim.required or has_level:
                if not has_rationale:
                    add(f"{path}.rationale", f"THRIVE+ '{dim.label}': a rationale is required")

        entries = dict(ndm or {})
        for name in entries:
            if name not in self._ndm:
                add(f"ndm.{name}", f"Unknown decision-record field '{name}'")
        for name, nf in self._ndm.items():
            if nf.required and _blank(entries.get(name)):
                add(f"ndm.{name}", f"Decision record '{nf.label}': an entry is required")
        return problems

