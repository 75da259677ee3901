"""Hypothesis properties of the policy loader and engine."""

import copy

import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from demandhub.assessment.loader import (
    PolicyError,
    default_policy_path,
    load_default_policy,
    parse_policy,
)
from demandhub.assessment.policy import GradingInput, GradingPolicy
from demandhub.classification import INCIDENT_TYPES, QUALIFIERS

POLICY = load_default_policy()
DEFAULT_TEXT = default_policy_path().read_text(encoding="utf-8")
DEFAULT_DATA = yaml.safe_load(DEFAULT_TEXT)
LINES = DEFAULT_TEXT.splitlines(keepends=True)
SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
# parsing the whole default policy takes ~70 ms (pure-Python YAML), so mutants get fewer runs
MUTANT_SETTINGS = settings(SETTINGS, max_examples=50)


def parses_or_policy_error(text):
    try:
        result = parse_policy(text, "mutant.yaml")
    except PolicyError as e:
        assert e.line >= 1 and e.column >= 1 and e.problem
        assert str(e).startswith(f"mutant.yaml:{e.line}:{e.column}: ")
        return None
    assert isinstance(result, GradingPolicy)
    return result


@SETTINGS
@given(st.text())
def test_loader_on_arbitrary_text(text):
    parses_or_policy_error(text)


YAMLISH = st.lists(st.sampled_from(list("ab01 :-[]{}&*!|>'\"#,?\n\t%@`") + ["  ", "- ", ": "]),
                   max_size=20).map("".join)


@MUTANT_SETTINGS
@given(st.data())
def test_loader_on_text_mutations_of_default(data):
    lines = list(LINES)
    for _ in range(data.draw(st.integers(1, 3))):
        i = data.draw(st.integers(0, len(lines) - 1))
        op = data.draw(st.sampled_from(["delete", "dup", "replace", "insert", "cut", "swap"]))
        if op == "delete":
            del lines[i]
        elif op == "dup":
            lines.insert(i, lines[i])
        elif op == "replace":
            lines[i] = data.draw(YAMLISH) + "\n"
        elif op == "insert":
            line = lines[i]
            j = data.draw(st.integers(0, len(line)))
            lines[i] = line[:j] + data.draw(st.one_of(YAMLISH, st.text(max_size=5))) + line[j:]
        elif op == "cut":
            lines = lines[:i]
        else:
            k = data.draw(st.integers(0, len(lines) - 1))
            lines[i], lines[k] = lines[k], lines[i]
        if not lines:
            break
    parses_or_policy_error("".join(lines))


SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.floats(allow_nan=False),
                    st.text(max_size=8),
                    st.sampled_from(["high", "1", "RFC", "weapon", "crime.theft", "any",
                                     "threat", "at_least", "cue", "none"]))
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(st.sampled_from(["cue", "all", "any", "not", "code",
                                                             "label", "name", "dimension",
                                                             "at_least", "x"]), inner, max_size=3)),
    max_leaves=6,
)


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, prefix + (i,))


ALL_PATHS = [p for p in _paths(DEFAULT_DATA) if p]


@MUTANT_SETTINGS
@given(st.data())
def test_loader_on_structural_mutations_of_default(data):
    doc = copy.deepcopy(DEFAULT_DATA)
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(ALL_PATHS))
        parent = doc
        try:
            for key in path[:-1]:
                parent = parent[key]
            last = path[-1]
            op = data.draw(st.sampled_from(["set", "delete"]))
            if op == "delete":
                del parent[last]
            else:
                parent[last] = data.draw(VALUES)
        except (KeyError, IndexError, TypeError):
            continue
    text = yaml.safe_dump(doc, sort_keys=False)
    parses_or_policy_error(text)


def test_default_policy_round_trips_through_safe_dump():
    assert isinstance(parse_policy(yaml.safe_dump(DEFAULT_DATA, sort_keys=False)), GradingPolicy)


# ----------------------------------------------------------------------------- engine

LEVELS = POLICY.levels
DIMS = list(POLICY.dimensions)


@st.composite
def grading_inputs(draw, all_dims=False):
    itype = draw(st.one_of(st.none(), st.sampled_from(list(INCIDENT_TYPES))))
    if all_dims:
        levels = {d: draw(st.sampled_from(LEVELS)) for d in DIMS}
    else:
        levels = draw(st.dictionaries(st.sampled_from(DIMS), st.sampled_from(LEVELS)))
    return GradingInput(
        incident_type=itype,
        qualifiers=draw(st.frozensets(st.sampled_from(list(QUALIFIERS)), max_size=4)),
        levels=levels,
        vulnerabilities=draw(st.frozensets(st.sampled_from(list(POLICY.vulnerability_categories)),
                                           max_size=4)),
        cues=draw(st.frozensets(st.sampled_from(list(POLICY.cue_lexicon.flags)), max_size=5)),
    )


@settings(max_examples=400, deadline=None)
@given(grading_inputs())
def test_evaluate_never_raises_and_grade_is_explained(inp):
    rec = POLICY.evaluate(inp)
    assert rec.grade in POLICY.grades
    assert rec.grade_label == POLICY.grade(rec.grade).label
    graded = [f for f in rec.fired if f.grade is not None]
    assert rec.defaulted == (not graded)
    if graded:
        best = min(graded, key=lambda f: list(POLICY.grades).index(f.grade)).grade
        assert rec.grade == best
        assert rec.deciding_rules == tuple(f.id for f in graded if f.grade == best)
    else:
        assert rec.grade == POLICY.default_grade and rec.deciding_rules == ()
    order = [r.id for r in POLICY.rules]
    assert [f.id for f in rec.fired] == sorted((f.id for f in rec.fired), key=order.index)
    assert all(f.reasons for f in rec.fired)
    assert len(set(rec.required_actions)) == len(rec.required_actions)
    assert set(rec.required_actions) == {a for f in rec.fired for a in f.actions}
    rec.to_dict()


@settings(max_examples=100, deadline=None)
@given(st.one_of(st.none(), st.text(max_size=10)), st.frozensets(st.text(max_size=5)),
       st.dictionaries(st.text(max_size=6), st.text(max_size=6)),
       st.frozensets(st.text(max_size=5)), st.frozensets(st.text(max_size=5)))
def test_evaluate_tolerates_unknown_strings(itype, q, levels, v, c):
    rec = POLICY.evaluate(GradingInput(itype, q, levels, v, c))
    assert rec.grade in POLICY.grades


def _rank(grade):
    return list(POLICY.grades).index(grade)


@settings(max_examples=300, deadline=None)
@given(grading_inputs(all_dims=True), st.data())
def test_more_risk_never_gives_a_less_urgent_grade(inp, data):
    """With every dimension assessed, raising a level or adding a cue, qualifier or
    vulnerability never makes the default policy's recommendation less urgent."""
    before = POLICY.evaluate(inp)
    kind = data.draw(st.sampled_from(["level", "cue", "vulnerability", "qualifier"]))
    levels = dict(inp.levels)
    if kind == "level":
        dim = data.draw(st.sampled_from(DIMS))
        idx = LEVELS.index(levels[dim])
        assume(idx < len(LEVELS) - 1)
        levels[dim] = LEVELS[data.draw(st.integers(idx + 1, len(LEVELS) - 1))]
        after_inp = GradingInput(inp.incident_type, inp.qualifiers, levels, inp.vulnerabilities,
                                 inp.cues)
    elif kind == "cue":
        after_inp = GradingInput(inp.incident_type, inp.qualifiers, levels, inp.vulnerabilities,
                                 inp.cues | {data.draw(st.sampled_from(POLICY.cue_lexicon.flags))})
    elif kind == "vulnerability":
        extra = data.draw(st.sampled_from(list(POLICY.vulnerability_categories)))
        after_inp = GradingInput(inp.incident_type, inp.qualifiers, levels,
                                 inp.vulnerabilities | {extra}, inp.cues)
    else:
        extra = data.draw(st.sampled_from(list(QUALIFIERS)))
        after_inp = GradingInput(inp.incident_type, inp.qualifiers | {extra}, levels,
                                 inp.vulnerabilities, inp.cues)
    after = POLICY.evaluate(after_inp)
    assert _rank(after.grade) <= _rank(before.grade), (before.deciding_rules, after.deciding_rules)
