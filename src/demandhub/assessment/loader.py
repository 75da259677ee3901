"""The strict loader of grading-policy YAML files a force edits by hand.

Every reference (cue flags, incident types, categories, qualifiers, vulnerability codes,
dimensions, levels, grades) is checked, and the first mistake is reported as a
:class:`PolicyError` ``"{source}:{line}:{column}: {problem}"`` pointing at the offending
node. YAML is read node by node and never turned into Python objects from tags.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from pathlib import Path

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from demandhub.assessment.conditions import (
    AllOf,
    AnyOf,
    CategoryIs,
    Condition,
    CueIs,
    DimensionIs,
    IncidentTypeIs,
    Not,
    QualifierIs,
    Rule,
    VulnerabilityIs,
)
from demandhub.assessment.cues import CueDefinition, CueLexicon
from demandhub.assessment.policy import (
    Dimension,
    Grade,
    GradingPolicy,
    NdmField,
    VulnerabilityCategory,
)
from demandhub.classification import CATEGORIES, INCIDENT_TYPES, QUALIFIERS

MAX_CONDITION_SIZE = 2000  # leaves + branches per rule, after alias expansion
MAX_CONDITION_DEPTH = 32

class PolicyError(ValueError):
    """A malformed policy file. ``str(err)`` is ``"{source}:{line}:{column}: {problem}"``."""

    def __init__(self, source: str, line: int, column: int, problem: str):
        self.source = source
        self.line = line
        self.column = column
        self.problem = problem
        super().__init__(f"{source}:{line}:{column}: {problem}")


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
