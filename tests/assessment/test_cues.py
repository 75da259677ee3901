"""Risk-cue finder: unit tests and Hypothesis properties."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from demandhub.assessment.cues import (
    CueDefinition,
    CueLexicon,
    CueMatch,
    cue_flags,
    find_cues,
)
from demandhub.assessment.loader import load_default_policy

LEX = CueLexicon([
    CueDefinition("weapon", "Weapon mentioned", ("knife", "knives", "gun")),
    CueDefinition("suicide_self_harm", "Suicide", ("kill myself", "end my life")),
    CueDefinition("threat_to_life", "Threat to life", ("threatening to kill", "kill")),
])


def flags(text, lex=LEX):
    return [m.flag for m in find_cues(text, lex)]


def test_whole_word_case_insensitive():
    (m,) = find_cues("He had a KNIFE, and another Knife; knifes? penknife", LEX)
    assert m == CueMatch("weapon", "Weapon mentioned", ("KNIFE", "Knife"), ((9, 14), (28, 33)))
    assert flags("gunner gunshot begun") == []
    assert flags("gun.") == ["weapon"]


def test_multi_word_any_whitespace():
    text = "said he would kill\n\t  myself tonight"
    ms = find_cues(text, LEX)
    assert [m.flag for m in ms] == ["suicide_self_harm", "threat_to_life"]
    assert ms[0].matches == ("kill\n\t  myself",)
    s, e = ms[0].spans[0]
    assert text[s:e] == "kill\n\t  myself"
    assert flags("killmyself") == []


def test_results_in_lexicon_order_and_dedup():
    text = "gun Gun gun knives threatening to kill"
    ms = find_cues(text, LEX)
    assert [m.flag for m in ms] == ["weapon", "threat_to_life"]
    assert ms[0].matches == ("gun", "Gun", "knives")
    assert len(ms[0].spans) == 4
    # the longest phrase wins at one position
    assert ms[1].matches == ("threatening to kill",)


def test_overlapping_flags_each_reported():
    lex = CueLexicon([CueDefinition("a", "A", ("stabbed",)), CueDefinition("b", "B", ("stabbed",))])
    assert flags("he was stabbed", lex) == ["a", "b"]


def test_no_match_and_empty():
    assert find_cues("", LEX) == []
    assert find_cues("a quiet night", LEX) == []


def test_mapping_lexicon_and_cue_flags():
    lex = {"fire": {"label": "Fire", "patterns": ["on fire", "smoke"]}}
    assert cue_flags("the shed is ON  FIRE", lex) == frozenset({"fire"})


def test_lexicon_checks():
    with pytest.raises(ValueError):
        CueLexicon([CueDefinition("a", "A", ())])
    with pytest.raises(ValueError):
        CueLexicon([CueDefinition("a", "A", ("  ",))])
    with pytest.raises(ValueError):
        CueLexicon([CueDefinition("a", "A", ("x",)), CueDefinition("a", "A", ("y",))])
    assert LEX.flags == ("weapon", "suicide_self_harm", "threat_to_life")
    assert "weapon" in LEX and len(LEX) == 3 and LEX.label("weapon") == "Weapon mentioned"
    assert find_cues("a+b (c) [d]", CueLexicon([CueDefinition("r", "R", ("(c)", "a+b"))]))[0].matches == ("a+b", "(c)")


@pytest.mark.parametrize("text, expected", [
    ("He's got a machete and he's outside now", {"weapon", "offender_present"}),
    ("She says she wants to end my life... I mean end her life", {"suicide_self_harm"}),
    ("my partner hit me and the kids are crying", {"domestic_abuse", "child_present"}),
    ("there's someone breaking in right now", {"crime_in_progress"}),
    ("my mum has dementia and has gone missing", {"elderly_dementia", "missing_person"}),
    ("car crash, driver bleeding and unconscious", {"vehicle_collision", "injury", "threat_to_life"}),
    ("he is threatening to kill her", {"threat_to_life"}),
    ("the shed is on fire", {"fire"}),
    ("he's really drunk and hearing voices", {"intoxication", "mental_health"}),
    ("I was raped last night", {"sexual_offence"}),
    ("lost my wallet in town", set()),
])
def test_default_lexicon(text, expected):
    assert cue_flags(text, load_default_policy().cue_lexicon) == frozenset(expected)


# ------------------------------------------------------------------------ properties

DEFAULT_LEX = load_default_policy().cue_lexicon
ALL_PATTERNS = [(d.flag, p) for d in DEFAULT_LEX for p in d.patterns]


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_never_crashes_and_spans_slice_to_matches(text):
    for lex in (DEFAULT_LEX, LEX):
        result = find_cues(text, lex)
        assert [m.flag for m in result] == [f for f in lex.flags if f in {m.flag for m in result}]
        for m in result:
            assert m.spans and m.matches
            assert len(set(m.matches)) == len(m.matches)
            sliced = [text[s:e] for s, e in m.spans]
            assert set(sliced) == set(m.matches)
            assert list(dict.fromkeys(sliced)) == list(m.matches)  # order of appearance
            assert [s for s, _ in m.spans] == sorted(s for s, _ in m.spans)


@settings(max_examples=300, deadline=None)
@given(st.text(), st.sampled_from(ALL_PATTERNS), st.text(), st.sampled_from([" ", "\n", "  ", "\t"]),
       st.booleans())
def test_inserted_pattern_is_found(before, flag_pattern, after, sep, upper):
    flag, pattern = flag_pattern
    word = pattern.upper() if upper and pattern.upper().lower() == pattern.lower() else pattern
    word = sep.join(word.split())
    text = before + " " + word + " " + after
    found = {m.flag: m for m in find_cues(text, DEFAULT_LEX)}
    assert flag in found
    start = len(before) + 1
    assert any(s <= start < e or s == start for s, e in found[flag].spans)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(min_size=1).filter(lambda s: s.strip()), min_size=1, max_size=5),
       st.text())
def test_arbitrary_lexicon_patterns_never_crash(patterns, text):
    lex = CueLexicon([CueDefinition("x", "X", tuple(patterns))])
    for m in lex.find(text + " " + patterns[0] + " "):
        for s, e in m.spans:
            assert (text + " " + patterns[0] + " ")[s:e] in m.matches
