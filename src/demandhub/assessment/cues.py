"""Risk-cue finder: spots words and phrases in a call handler's notes (or a caller's
online report) that point to risk, such as a weapon, a threat to life or a child present.

The lexicon is explicit, force-editable data (the ``cues`` section of the grading policy):
each cue flag has a label and a list of literal patterns. Matching is whole-word and
case-insensitive; the words of a multi-word pattern may be separated by any whitespace.
Inflections are listed explicitly (``knife``, ``knives``); there is no stemming.

Cues are prompts for the handler, not decisions: "no weapon seen" still mentions a weapon.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType

__all__ = ["CueDefinition", "CueLexicon", "CueMatch", "find_cues", "cue_flags"]


@dataclass(frozen=True, slots=True)
class CueDefinition:
    """One cue flag: its code, a label for the screen, and its literal patterns."""

    flag: str
    label: str
    patterns: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CueMatch:
    """The cue ``flag`` was found in the text.

    ``matches`` are the matched words exactly as they appear in the text, de-duplicated,
    in order of first appearance; ``spans`` are the (start, end) offsets of every match,
    in order, so that ``text[start:end]`` is one of ``matches``.
    """

    flag: str
    label: str
    matches: tuple[str, ...]
    spans: tuple[tuple[int, int], ...]

    def to_dict(self) -> dict:
        return {
            "flag": self.flag,
            "label": self.label,
            "matches": list(self.matches),
            "spans": [list(s) for s in self.spans],
        }


def _pattern_regex(pattern: str) -> str:
    words = pattern.split()
    if not words:
        raise ValueError("a cue pattern must not be blank")
    return r"\s+".join(re.escape(w) for w in words)


def _compile(patterns: Iterable[str]) -> re.Pattern[str]:
    parts = sorted({_pattern_regex(p) for p in patterns}, key=lambda s: (-len(s), s))
    if not parts:
        raise ValueError("a cue needs at least one pattern")
    # Whole word: no word character immediately before or after the match.
    return re.compile(r"(?<!\w)(?:" + "|".join(parts) + r")(?!\w)", re.IGNORECASE)


class CueLexicon:
    """An ordered, compiled set of cue definitions. Build once, use for many texts."""

    __slots__ = ("_defs", "_regexes")

    def __init__(self, definitions: Iterable[CueDefinition]):
        defs: dict[str, CueDefinition] = {}
        regexes: dict[str, re.Pattern[str]] = {}
        for d in definitions:
            if not isinstance(d.flag, str) or not d.flag:
                raise ValueError("a cue flag must be a non-empty string")
            if d.flag in defs:
                raise ValueError(f"duplicate cue flag {d.flag!r}")
            patterns = tuple(d.patterns)
            for p in patterns:
                if not isinstance(p, str):
                    raise ValueError(f"cue {d.flag!r}: patterns must be strings")
            regexes[d.flag] = _compile(patterns)
            defs[d.flag] = CueDefinition(d.flag, d.label, patterns)
        self._defs = MappingProxyType(defs)
        self._regexes = MappingProxyType(regexes)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Mapping[str, object]]) -> "CueLexicon":
        """Build from ``{flag: {"label": ..., "patterns": [...]}}`` (the YAML shape)."""
        return cls(
            CueDefinition(flag, str(v.get("label", flag)), tuple(v["patterns"]))  # type: ignore[arg-type]
            for flag, v in data.items()
        )

    @property
    def flags(self) -> tuple[str, ...]:
        return tuple(self._defs)

    @property
    def definitions(self) -> Mapping[str, CueDefinition]:
        return self._defs

    def label(self, flag: str) -> str:
        return self._defs[flag].label

    def __contains__(self, flag: object) -> bool:
        return flag in self._defs

    def __iter__(self) -> Iterator[CueDefinition]:
        return iter(self._defs.values())

    def __len__(self) -> int:
        return len(self._defs)

    def __repr__(self) -> str:
        return f"CueLexicon({list(self._defs)!r})"

    def find(self, text: str) -> list[CueMatch]:
        """All cues found in ``text``, in lexicon order."""
        if not isinstance(text, str):
            raise TypeError("text must be a str")
        found: list[CueMatch] = []
        for flag, regex in self._regexes.items():
            spans: list[tuple[int, int]] = []
            seen: dict[str, None] = {}
            for m in regex.finditer(text):
                spans.append(m.span())
                seen.setdefault(m.group(0), None)
            if spans:
                found.append(CueMatch(flag, self._defs[flag].label, tuple(seen), tuple(spans)))
        return found


def find_cues(text: str, lexicon: CueLexicon | Mapping[str, Mapping[str, object]]) -> list[CueMatch]:
    """Find the cues of ``lexicon`` in ``text`` (results in lexicon order).

    Pass a prepared :class:`CueLexicon` (for example ``policy.cue_lexicon``); a plain
    mapping is compiled on every call.
    """
    if not isinstance(lexicon, CueLexicon):
        lexicon = CueLexicon.from_mapping(lexicon)
    return lexicon.find(text)


def cue_flags(text: str, lexicon: CueLexicon | Mapping[str, Mapping[str, object]]) -> frozenset[str]:
    """Just the flags found, ready for ``GradingInput.cues``."""
    return frozenset(m.flag for m in find_cues(text, lexicon))
