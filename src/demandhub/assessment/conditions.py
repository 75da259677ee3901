"""The conditions of grading rules: pure predicates over an assessment, each able to say
in words why it held (or did not), so every recommendation explains itself."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from demandhub.classification import CATEGORIES, INCIDENT_TYPES


@dataclass(frozen=True, slots=True)
class Context:
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

    def check(self, ctx: Context) -> tuple[bool, tuple[str, ...]]:  # pragma: no cover
        raise NotImplementedError

    def describe(self) -> str:  # pragma: no cover
        raise NotImplementedError

    def negative_reason(self, ctx: Context) -> str:
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

