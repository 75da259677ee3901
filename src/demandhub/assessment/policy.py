"""The grading policy: a force-editable YAML file of THRIVE+ dimensions, levels, grades,
the cue lexicon and grading rules; its strict loader; and the engine that turns an
assessment into an explained grade recommendation.

Loading checks every reference (cue flags, incident types, categories, qualifiers,
vulnerability codes, dimensions, levels, grades) and reports the first mistake as a
:class:`PolicyError` ``"{source}:{line}:{column}: {problem}"`` pointing at the offending
node. Evaluation is pure and never raises for well-typed input: unknown codes simply
match nothing.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Union

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from demandhub.assessment.cues import CueDefinition, CueLexicon, CueMatch
from demandhub.classification import CATEGORIES, INCIDENT_TYPES, QUALIFIERS

__all__ = [
    "PolicyError",
    "Level",
    "Dimension",
    "VulnerabilityCategory",
    "NdmField",
    "Grade",
    "Rule",
    "Condition",
    "GradingInput",
    "FiredRule",
    "Recommendation",
    "DimensionEntry",
    "Problem",
    "GradingPolicy",
    "parse_policy",
    "load_policy",
    "default_policy_path",
    "load_default_policy",
]

MAX_CONDITION_SIZE = 2000  # leaves + branches per rule, after alias expansion
MAX_CONDITION_DEPTH = 32


# --------------------------------------------------------------------------- errors


class PolicyError(ValueError):
    """A malformed policy file. ``str(err)`` is ``"{source}:{line}:{column}: {problem}"``."""

    def __init__(self, source: str, line: int, column: int, problem: str):
        self.source = source
        self.line = line
        self.column = column
        self.problem = problem
        super().__init__(f"{source}:{line}:{column}: {problem}")


# --------------------------------------------------------------------- policy parts


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


# ------------------------------------------------------------------------ conditions


@dataclass(frozen=True, slots=True)
class _Context:
    incident_type: str | None
    category: str | None
    qualifiers: frozenset[str]
    levels: Mapping[str, int]  # dimension -> level index (valid levels only)
    level_names: tuple[str, ...]
    vulnerabilities: frozenset[str]
    cues: frozenset[str]


def _q(items: Iterable[str]) -> str:
    return ", ".join(f"'{i}'" for i in items)


class Condition:
    """Base of the condition tree. ``check`` returns (holds, reasons)."""

    __slots__ = ()

    def check(self, ctx: _Context) -> tuple[bool, tuple[str, ...]]:  # pragma: no cover
        raise NotImplementedError

    def describe(self) -> str:  # pragma: no cover
        raise NotImplementedError

    def negative_reason(self, ctx: _Context) -> str:
        return f"not ({self.describe()})"


@dataclass(frozen=True, slots=True)
class AllOf(Condition):
    items: tuple[Condition, ...]

    def check(self, ctx):
        reasons: list[str] = []
        for item in self.items:
            ok, why = item.check(ctx)
            if not ok:
                return False, ()
            reasons.extend(why)
        return True, tuple(reasons)

    def describe(self):
        return "all of: " + "; ".join(i.describe() for i in self.items)


@dataclass(frozen=True, slots=True)
class AnyOf(Condition):
    items: tuple[Condition, ...]

    def check(self, ctx):
        reasons: list[str] = []
        held = False
        for item in self.items:
            ok, why = item.check(ctx)
            if ok:
                held = True
                reasons.extend(why)
        return held, tuple(reasons) if held else ()

    def describe(self):
        return "any of: " + "; ".join(i.describe() for i in self.items)


@dataclass(frozen=True, slots=True)
class Not(Condition):
    item: Condition

    def check(self, ctx):
        ok, _ = self.item.check(ctx)
        if ok:
            return False, ()
        return True, (self.item.negative_reason(ctx),)

    def describe(self):
        return f"not ({self.item.describe()})"


@dataclass(frozen=True, slots=True)
class CueIs(Condition):
    flags: tuple[str, ...]

    def check(self, ctx):
        hit = [f for f in self.flags if f in ctx.cues]
        return (True, tuple(f"cue '{f}' present" for f in hit)) if hit else (False, ())

    def describe(self):
        return f"cue {_q(self.flags)}"

    def negative_reason(self, ctx):
        if len(self.flags) == 1:
            return f"cue '{self.flags[0]}' absent"
        return f"none of cues {_q(self.flags)} present"


@dataclass(frozen=True, slots=True)
class IncidentTypeIs(Condition):
    codes: tuple[str, ...]

    def check(self, ctx):
        if ctx.incident_type in self.codes:
            label = INCIDENT_TYPES[ctx.incident_type].label
            return True, (f"incident type is '{ctx.incident_type}' ({label})",)
        return False, ()

    def describe(self):
        return f"incident type {_q(self.codes)}"

    def negative_reason(self, ctx):
        if ctx.incident_type is None:
            return "no incident type recorded"
        return f"incident type '{ctx.incident_type}' is not {_q(self.codes)}"


@dataclass(frozen=True, slots=True)
class CategoryIs(Condition):
    codes: tuple[str, ...]

    def check(self, ctx):
        if ctx.category in self.codes:
            return True, (f"incident category is '{ctx.category}' ({CATEGORIES[ctx.category].label})",)
        return False, ()

    def describe(self):
        return f"incident category {_q(self.codes)}"

    def negative_reason(self, ctx):
        if ctx.category is None:
            return "no incident category recorded"
        return f"incident category '{ctx.category}' is not {_q(self.codes)}"


@dataclass(frozen=True, slots=True)
class QualifierIs(Condition):
    codes: tuple[str, ...]

    def check(self, ctx):
        hit = [c for c in self.codes if c in ctx.qualifiers]
        return (True, tuple(f"qualifier '{c}' recorded" for c in hit)) if hit else (False, ())

    def describe(self):
        return f"qualifier {_q(self.codes)}"

    def negative_reason(self, ctx):
        if len(self.codes) == 1:
            return f"qualifier '{self.codes[0]}' not recorded"
        return f"none of qualifiers {_q(self.codes)} recorded"


@dataclass(frozen=True, slots=True)
class VulnerabilityIs(Condition):
    codes: tuple[str, ...] | None  # None = any category

    def _hits(self, ctx) -> list[str]:
        if self.codes is None:
            return sorted(ctx.vulnerabilities)
        return [c for c in self.codes if c in ctx.vulnerabilities]

    def check(self, ctx):
        hit = self._hits(ctx)
        return (True, tuple(f"vulnerability '{c}' identified" for c in hit)) if hit else (False, ())

    def describe(self):
        return "any vulnerability" if self.codes is None else f"vulnerability {_q(self.codes)}"

    def negative_reason(self, ctx):
        if self.codes is None:
            return "no vulnerability identified"
        if len(self.codes) == 1:
            return f"vulnerability '{self.codes[0]}' not identified"
        return f"none of vulnerabilities {_q(self.codes)} identified"


_OPS = {"at_least": "at least", "at_most": "at most", "is": "is"}


@dataclass(frozen=True, slots=True)
class DimensionIs(Condition):
    dimension: str
    op: str  # at_least | at_most | is
    level: str
    level_index: int

    def _holds(self, idx: int) -> bool:
        if self.op == "at_least":
            return idx >= self.level_index
        if self.op == "at_most":
            return idx <= self.level_index
        return idx == self.level_index

    def check(self, ctx):
        idx = ctx.levels.get(self.dimension)
        if idx is None or not self._holds(idx):
            return False, ()
        actual = ctx.level_names[idx]
        if self.op == "is":
            return True, (f"{self.dimension} is {actual}",)
        return True, (f"{self.dimension} is {actual} ({_OPS[self.op]} {self.level})",)

    def describe(self):
        if self.op == "is":
            return f"{self.dimension} is {self.level}"
        return f"{self.dimension} {_OPS[self.op]} {self.level}"

    def negative_reason(self, ctx):
        idx = ctx.levels.get(self.dimension)
        if idx is None:
            return f"{self.dimension} not assessed"
        wanted = self.level if self.op == "is" else f"{_OPS[self.op]} {self.level}"
        return f"{self.dimension} is {ctx.level_names[idx]} (not {wanted})"


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    description: str
    when: Condition
    grade: str | None
    actions: tuple[str, ...]
    line: int = 0  # where the rule starts in the policy file


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

    def level_index(self, level: str) -> int:
        return self._level_index[level]

    def is_more_urgent(self, a: str, b: str) -> bool:
        """True if grade ``a`` is strictly more urgent than grade ``b``."""
        return self._grade_rank[self.grade(a).code] < self._grade_rank[self.grade(b).code]

    def find_cues(self, text: str) -> list[CueMatch]:
        return self._lexicon.find(text)

    # -- engine
    def _context(self, inp: GradingInput) -> _Context:
        itype = inp.incident_type if inp.incident_type in INCIDENT_TYPES else None
        levels = {}
        for dim, lv in inp.levels.items():
            if dim in self._dimensions and isinstance(lv, str) and lv in self._level_index:
                levels[dim] = self._level_index[lv]
        return _Context(
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
                add(f"cues[{i}]", f"Unknown cue flag '{c}'")

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


# ---------------------------------------------------------------------------- loader

_NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_RULE_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_GRADE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
_LEAF_KEYS = ("cue", "incident_type", "category", "qualifier", "vulnerability", "dimension")
_BRANCH_KEYS = ("all", "any", "not")
_DIM_OPS = ("at_least", "at_most", "is")


def _kind(node: Node) -> str:
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    if node.tag == _NULL:
        return "nothing (null)"
    if node.tag == _BOOL:
        return "true/false"
    if node.tag in (_INT, _FLOAT):
        return "a number"
    if node.tag == _STR:
        return "text"
    return f"a value tagged {node.tag}"


class _Parser:
    def __init__(self, source: str):
        self.source = source

    # -- error helpers
    def err(self, node: Node | None, problem: str) -> PolicyError:
        if node is None:
            return PolicyError(self.source, 1, 1, problem)
        m = node.start_mark
        return PolicyError(self.source, m.line + 1, m.column + 1, problem)

    # -- shapes
    def mapping(self, node: Node, what: str, required: Iterable[str] = (),
                optional: Iterable[str] = ()) -> dict[str, tuple[ScalarNode, Node]]:
        if not isinstance(node, MappingNode):
            raise self.err(node, f"{what} must be a mapping, not {_kind(node)}")
        allowed = set(required) | set(optional)
        out: dict[str, tuple[ScalarNode, Node]] = {}
        for k, v in node.value:
            if not isinstance(k, ScalarNode) or k.tag != _STR:
                raise self.err(k, f"{what}: keys must be text, not {_kind(k)}")
            key = k.value
            if key in out:
                raise self.err(k, f"{what}: duplicate key '{key}'")
            if allowed and key not in allowed:
                raise self.err(k, f"{what}: unknown key '{key}' (expected one of "
                                  f"{', '.join(sorted(allowed))})")
            out[key] = (k, v)
        for key in required:
            if key not in out:
                raise self.err(node, f"{what}: missing key '{key}'")
        return out

    def seq(self, node: Node, what: str, *, nonempty: bool = True) -> list[Node]:
        if not isinstance(node, SequenceNode):
            raise self.err(node, f"{what} must be a list, not {_kind(node)}")
        if nonempty and not node.value:
            raise self.err(node, f"{what} must not be empty")
        return list(node.value)

    def text(self, node: Node, what: str, *, allow_blank: bool = False,
             allow_number: bool = False) -> str:
        if isinstance(node, ScalarNode):
            if node.tag == _STR or (allow_number and node.tag in (_INT, _FLOAT)):
                if not allow_blank and not node.value.strip():
                    raise self.err(node, f"{what} must not be blank")
                return node.value
        raise self.err(node, f"{what} must be text, not {_kind(node)}")

    def name(self, node: Node, what: str, regex=_NAME_RE) -> str:
        value = self.text(node, what, allow_number=regex is _GRADE_RE)
        if not regex.match(value):
            hint = ("lower-case letters, digits and underscores, starting with a letter"
                    if regex is _NAME_RE else "letters, digits, '_', '-' or '.'")
            raise self.err(node, f"{what} '{value}' is not a valid code ({hint})")
        return value

    def boolean(self, node: Node, what: str) -> bool:
        if isinstance(node, ScalarNode) and node.tag == _BOOL:
            return node.value.lower() in ("true", "yes", "on")
        raise self.err(node, f"{what} must be true or false, not {_kind(node)}")

    def text_list(self, node: Node, what: str) -> list[tuple[str, Node]]:
        """A single text value or a non-empty list of them."""
        if isinstance(node, SequenceNode):
            return [(self.text(n, what), n) for n in self.seq(node, what)]
        return [(self.text(node, what), node)]

    # -- document
    def parse(self, root: Node | None) -> GradingPolicy:
        if root is None:
            raise self.err(None, "the policy is empty")
        top = self.mapping(
            root, "policy",
            required=("name", "version", "levels", "dimensions", "grades", "default_grade", "rules"),
            optional=("description", "vulnerability_categories", "ndm", "cues"),
        )
        name = self.text(top["name"][1], "name")
        version = self.text(top["version"][1], "version", allow_number=True)
        description = (self.text(top["description"][1], "description", allow_blank=True)
                       if "description" in top else "")

        # levels
        levels: list[str] = []
        for n in self.seq(top["levels"][1], "levels"):
            lv = self.name(n, "level")
            if lv in levels:
                raise self.err(n, f"duplicate level '{lv}'")
            levels.append(lv)
        self.levels = {lv: i for i, lv in enumerate(levels)}

        # dimensions
        dims: dict[str, Dimension] = {}
        for n in self.seq(top["dimensions"][1], "dimensions"):
            m = self.mapping(n, "dimension", required=("name", "label"),
                             optional=("required", "question"))
            dname = self.name(m["name"][1], "dimension name")
            if dname in dims:
                raise self.err(m["name"][1], f"duplicate dimension '{dname}'")
            dims[dname] = Dimension(
                dname, self.text(m["label"][1], f"dimension '{dname}': label"),
                self.boolean(m["required"][1], f"dimension '{dname}': required")
                if "required" in m else True,
                self.text(m["question"][1], f"dimension '{dname}': question", allow_blank=True)
                if "question" in m else "",
            )
        self.dims = dims

        # vulnerability categories
        vulns: dict[str, VulnerabilityCategory] = {}
        if "vulnerability_categories" in top:
            for n in self.seq(top["vulnerability_categories"][1], "vulnerability_categories",
                              nonempty=False):
                m = self.mapping(n, "vulnerability category", required=("code", "label"))
                code = self.name(m["code"][1], "vulnerability code")
                if code == "any":
                    raise self.err(m["code"][1], "'any' is reserved and cannot be a vulnerability code")
                if code in vulns:
                    raise self.err(m["code"][1], f"duplicate vulnerability category '{code}'")
                vulns[code] = VulnerabilityCategory(
                    code, self.text(m["label"][1], f"vulnerability '{code}': label"))
        self.vulns = vulns

        # NDM
        ndm: dict[str, NdmField] = {}
        if "ndm" in top:
            for n in self.seq(top["ndm"][1], "ndm", nonempty=False):
                m = self.mapping(n, "ndm field", required=("name", "label"),
                                 optional=("required", "question"))
                fname = self.name(m["name"][1], "ndm field name")
                if fname in ndm:
                    raise self.err(m["name"][1], f"duplicate ndm field '{fname}'")
                ndm[fname] = NdmField(
                    fname, self.text(m["label"][1], f"ndm field '{fname}': label"),
                    self.boolean(m["required"][1], f"ndm field '{fname}': required")
                    if "required" in m else True,
                    self.text(m["question"][1], f"ndm field '{fname}': question", allow_blank=True)
                    if "question" in m else "",
                )

        # grades
        grades: dict[str, Grade] = {}
        for n in self.seq(top["grades"][1], "grades"):
            m = self.mapping(n, "grade", required=("code", "label"),
                             optional=("description", "target"))
            code = self.name(m["code"][1], "grade code", _GRADE_RE)
            if code in grades:
                raise self.err(m["code"][1], f"duplicate grade '{code}'")
            grades[code] = Grade(
                code, self.text(m["label"][1], f"grade '{code}': label"),
                self.text(m["description"][1], f"grade '{code}': description", allow_blank=True)
                if "description" in m else "",
                self.text(m["target"][1], f"grade '{code}': target", allow_blank=True)
                if "target" in m else "",
            )
        self.grades = grades
        dg_node = top["default_grade"][1]
        default_grade = self.grade_ref(dg_node, "default_grade")

        # cues
        cue_defs: list[CueDefinition] = []
        if "cues" in top:
            cm = self.mapping(top["cues"][1], "cues")
            for flag, (knode, vnode) in cm.items():
                if not _NAME_RE.match(flag):
                    raise self.err(knode, f"cue flag '{flag}' is not a valid code (lower-case "
                                          "letters, digits and underscores, starting with a letter)")
                m = self.mapping(vnode, f"cue '{flag}'", required=("patterns",),
                                 optional=("label",))
                label = self.text(m["label"][1], f"cue '{flag}': label") if "label" in m else flag
                patterns = [self.text(p, f"cue '{flag}': pattern", allow_number=True)
                            for p in self.seq(m["patterns"][1], f"cue '{flag}': patterns")]
                cue_defs.append(CueDefinition(flag, label, tuple(patterns)))
        try:
            lexicon = CueLexicon(cue_defs)
        except (ValueError, re.error, OverflowError, RecursionError) as exc:  # pragma: no cover
            raise self.err(top["cues"][1], f"cues: {exc}") from None
        self.lexicon = lexicon

        # rules
        rules: list[Rule] = []
        seen_ids: set[str] = set()
        for n in self.seq(top["rules"][1], "rules", nonempty=False):
            m = self.mapping(n, "rule", required=("id", "when"),
                             optional=("description", "grade", "actions"))
            rid = self.name(m["id"][1], "rule id", _RULE_ID_RE)
            if rid in seen_ids:
                raise self.err(m["id"][1], f"duplicate rule id '{rid}'")
            seen_ids.add(rid)
            desc = (self.text(m["description"][1], f"rule '{rid}': description")
                    if "description" in m else rid)
            grade = self.grade_ref(m["grade"][1], f"rule '{rid}': grade") if "grade" in m else None
            actions: list[str] = []
            if "actions" in m:
                for an in self.seq(m["actions"][1], f"rule '{rid}': actions"):
                    a = self.text(an, f"rule '{rid}': action")
                    if a not in actions:
                        actions.append(a)
            if grade is None and not actions:
                raise self.err(n, f"rule '{rid}': a rule needs a grade, actions, or both")
            self._memo: dict[int, tuple[Condition, int]] = {}
            cond, _ = self.condition(m["when"][1], f"rule '{rid}'", 0, frozenset())
            rules.append(Rule(rid, desc, cond, grade, tuple(actions), n.start_mark.line + 1))

        return GradingPolicy(
            name=name,
            version=version,
            description=description,
            levels=tuple(levels),
            dimensions=tuple(dims.values()),
            vulnerability_categories=tuple(vulns.values()),
            ndm_fields=tuple(ndm.values()),
            grades=tuple(grades.values()),
            default_grade=default_grade,
            cue_lexicon=lexicon,
            rules=tuple(rules),
            source=self.source,
        )

    def grade_ref(self, node: Node, what: str) -> str:
        code = self.text(node, what, allow_number=True)
        if code not in self.grades:
            raise self.err(node, f"{what}: unknown grade '{code}' (expected one of "
                                 f"{', '.join(self.grades)})")
        return code

    def level_ref(self, node: Node, what: str) -> str:
        lv = self.text(node, what)
        if lv not in self.levels:
            raise self.err(node, f"{what}: unknown level '{lv}' (expected one of "
                                 f"{', '.join(self.levels)})")
        return lv

    def condition(self, node: Node, what: str, depth: int,
                  path: frozenset[int]) -> tuple[Condition, int]:
        """Parse a condition; returns (condition, expanded size)."""
        if id(node) in path:
            raise self.err(node, f"{what}: a condition cannot contain itself")
        if depth > MAX_CONDITION_DEPTH:
            raise self.err(node, f"{what}: conditions nested too deeply "
                                 f"(more than {MAX_CONDITION_DEPTH} levels)")
        if id(node) in self._memo:
            return self._memo[id(node)]
        result = self._condition(node, what, depth, path | {id(node)})
        if result[1] > MAX_CONDITION_SIZE:
            raise self.err(node, f"{what}: condition too large (more than "
                                 f"{MAX_CONDITION_SIZE} parts)")
        self._memo[id(node)] = result
        return result

    def _condition(self, node: Node, what: str, depth: int,
                   path: frozenset[int]) -> tuple[Condition, int]:
        if not isinstance(node, MappingNode):
            raise self.err(node, f"{what}: a condition must be a mapping, not {_kind(node)}")
        keys = self.mapping(node, f"{what}: condition",
                            optional=_BRANCH_KEYS + _LEAF_KEYS + _DIM_OPS)
        kinds = [k for k in keys if k in _BRANCH_KEYS + _LEAF_KEYS]
        if not kinds:
            raise self.err(node, f"{what}: a condition needs one of "
                                 f"{', '.join(_BRANCH_KEYS + _LEAF_KEYS)}")
        if len(kinds) > 1:
            raise self.err(keys[kinds[1]][0], f"{what}: a condition has exactly one of "
                                              f"{', '.join(_BRANCH_KEYS + _LEAF_KEYS)}; "
                                              f"found '{kinds[0]}' and '{kinds[1]}' (use all: [...])")
        kind = kinds[0]
        knode, vnode = keys[kind]
        ops = [k for k in keys if k in _DIM_OPS]
        if kind != "dimension" and ops:
            raise self.err(keys[ops[0]][0], f"{what}: '{ops[0]}' only goes with 'dimension'")

        if kind in ("all", "any"):
            items, size = [], 1
            for child in self.seq(vnode, f"{what}: '{kind}'"):
                c, s = self.condition(child, what, depth + 1, path)
                items.append(c)
                size += s
            return (AllOf(tuple(items)) if kind == "all" else AnyOf(tuple(items))), size
        if kind == "not":
            c, s = self.condition(vnode, what, depth + 1, path)
            return Not(c), s + 1
        if kind == "dimension":
            dname = self.text(vnode, f"{what}: dimension")
            if dname not in self.dims:
                raise self.err(vnode, f"{what}: unknown THRIVE+ dimension '{dname}' (expected "
                                      f"one of {', '.join(self.dims)})")
            if len(ops) != 1:
                raise self.err(node if not ops else keys[ops[1]][0],
                               f"{what}: dimension '{dname}' needs exactly one of at_least, "
                               "at_most, is")
            op = ops[0]
            lv = self.level_ref(keys[op][1], f"{what}: {op}")
            return DimensionIs(dname, op, lv, self.levels[lv]), 1

        values = self.text_list(vnode, f"{what}: {kind}")
        codes: list[str] = []
        for value, vn in values:
            if kind == "cue":
                ok = value in self.lexicon
                known = "cue flag"
            elif kind == "incident_type":
                ok = value in INCIDENT_TYPES
                known = "incident type"
            elif kind == "category":
                ok = value in CATEGORIES
                known = "incident category"
            elif kind == "qualifier":
                ok = value in QUALIFIERS
                known = "qualifier"
            else:
                if value == "any":
                    if len(values) != 1:
                        raise self.err(vn, f"{what}: 'any' cannot be combined with other "
                                           "vulnerability codes")
                    return VulnerabilityIs(None), 1
                ok = value in self.vulns
                known = "vulnerability category"
            if not ok:
                raise self.err(vn, f"{what}: unknown {known} '{value}'")
            if value not in codes:
                codes.append(value)
        cls = {"cue": CueIs, "incident_type": IncidentTypeIs, "category": CategoryIs,
               "qualifier": QualifierIs, "vulnerability": VulnerabilityIs}[kind]
        return cls(tuple(codes)), 1


def _yaml_error(exc: Exception, text: str, source: str) -> PolicyError:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None)
    if context and getattr(exc, "problem", None):
        problem = f"{context}: {problem}"
    if mark is not None:
        return PolicyError(source, mark.line + 1, mark.column + 1, f"YAML syntax error: {problem}")
    position = getattr(exc, "position", None)
    if isinstance(position, int):  # ReaderError: a character YAML does not allow
        before = text[:position]
        line = before.count("\n") + 1
        column = position - (before.rfind("\n") + 1) + 1
        return PolicyError(source, line, column, f"YAML error: {exc}")
    return PolicyError(source, 1, 1, f"YAML error: {problem}")


def parse_policy(text: str, source: str = "<policy>") -> GradingPolicy:
    """Parse and check a policy from YAML text; raise :class:`PolicyError` on any mistake."""
    if not isinstance(text, str):
        raise TypeError("policy text must be a str")
    try:
        loader = yaml.SafeLoader(text)  # the reader checks characters here
    except yaml.YAMLError as exc:
        raise _yaml_error(exc, text, source) from None
    try:
        try:
            root = loader.get_single_node()
        except yaml.YAMLError as exc:
            raise _yaml_error(exc, text, source) from None
        except RecursionError:
            raise PolicyError(source, 1, 1, "YAML error: the document is nested too deeply") from None
        return _Parser(source).parse(root)
    finally:
        loader.dispose()


def load_policy(path: str | Path) -> GradingPolicy:
    """Read and check a policy file (UTF-8)."""
    path = Path(path)
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        column = exc.start - (before.rfind(b"\n") + 1) + 1
        raise PolicyError(str(path), line, column, "the file is not valid UTF-8") from None
    return parse_policy(text, str(path))


def default_policy_path() -> Path:
    """The default policy shipped with Demand Hub."""
    return Path(__file__).with_name("default_policy.yaml")


@functools.cache
def load_default_policy() -> GradingPolicy:
    """The shipped default policy, loaded once on first use."""
    return load_policy(default_policy_path())
