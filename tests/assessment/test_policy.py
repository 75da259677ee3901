"""Grading policy: every default rule, the engine, validate_assessment and the loader."""

import json
import textwrap

import pytest

from demandhub.assessment.loader import (
    PolicyError,
    default_policy_path,
    load_default_policy,
    load_policy,
    parse_policy,
)
from demandhub.assessment.policy import (
    DimensionEntry,
    GradingInput,
    GradingPolicy,
    Problem,
)

LOW = dict(threat="low", harm="low", risk="low", investigation="low", vulnerability="low",
           engagement="low")


def I(itype=None, q=(), v=(), c=(), **levels):  # noqa: E743 - short on purpose
    return GradingInput(incident_type=itype, qualifiers=frozenset(q), levels=levels,
                        vulnerabilities=frozenset(v), cues=frozenset(c))


def low(**over):
    return {**LOW, **over}


@pytest.fixture(scope="module")
def policy() -> GradingPolicy:
    return load_default_policy()


# rule id -> (inputs that fire it, close inputs that do not)
CASES = {
    "danger-to-life": (
        [I(c=["threat_to_life"]), I(threat="high")],
        [I(threat="medium"), I(c=["weapon"])]),
    "weapon-and-offender-present": (
        [I(c=["weapon", "offender_present"]), I(q=["knife"], c=["offender_present"])],
        [I(c=["weapon"]), I(q=["alcohol"], c=["offender_present"])]),
    "serious-injury": (
        [I(c=["injury"], harm="high"), I("crime.violence_with_injury", harm="high")],
        [I(c=["injury"], harm="medium"), I(harm="high")]),
    "serious-crime-in-progress": (
        [I("crime.burglary_dwelling", c=["crime_in_progress"]),
         I("crime.theft", c=["crime_in_progress"], harm="high")],
        [I("crime.theft", c=["crime_in_progress"], harm="medium"), I("crime.burglary_dwelling")]),
    "offender-present-with-violence": (
        [I("crime.robbery", c=["offender_present"]), I(c=["offender_present", "injury"])],
        [I("crime.theft", c=["offender_present"]), I("crime.robbery")]),
    "suicide-immediate-risk": (
        [I(c=["suicide_self_harm"], risk="high")],
        [I(c=["suicide_self_harm"], risk="medium"), I(risk="high")]),
    "serious-road-collision": (
        [I("transport.rtc_injury", harm="high"), I(c=["vehicle_collision"], harm="high")],
        [I("transport.rtc_injury", harm="medium"), I("transport.rtc_damage_only", harm="high")]),
    "concern-for-safety": (
        [I(threat="medium", risk="medium"), I("public_safety.concern_for_safety", risk="medium")],
        [I(threat="medium", risk="low"), I("public_safety.concern_for_safety", risk="low")]),
    "offender-detained": (
        [I("crime.shoplifting", c=["offender_present"])],
        [I("asb.nuisance", c=["offender_present"]), I("crime.shoplifting")]),
    "evidence-at-risk": (
        [I(investigation="high")],
        [I(investigation="medium")]),
    "vulnerable-person": (
        [I(vulnerability="high"), I(vulnerability="medium", risk="medium"),
         I(v=["repeat_victim"], risk="medium")],
        [I(vulnerability="medium", risk="low"), I(v=["repeat_victim"], risk="low")]),
    "missing-person-high-risk": (
        [I("public_safety.missing_person", risk="high"), I(q=["missing_person"], risk="high"),
         I(v=["missing_person"], risk="high")],
        [I("public_safety.missing_person", risk="medium"), I("public_safety.absent_person", risk="high")]),
    "road-collision-injury": (
        [I("transport.rtc_injury"), I(c=["vehicle_collision", "injury"])],
        [I("transport.rtc_damage_only", c=["vehicle_collision"])]),
    "fire-reported": (
        [I("public_safety.fire"), I(c=["fire"])],
        [I("crime.arson")]),
    "attendance-needed": (
        [I(harm="medium"), I(investigation="medium"), I(engagement="high")],
        [I(harm="low", investigation="low", engagement="medium")]),
    "residential-burglary-attendance": (
        [I("crime.burglary_dwelling")],
        [I("crime.burglary_non_dwelling")]),
    "resolve-without-deployment": (
        [I("crime.theft", **LOW), I("asb.nuisance", **low(threat="none", engagement="medium"))],
        [I("crime.theft", **low(investigation="medium")),
         I("crime.theft", v=["repeat_victim"], **LOW),
         I("admin.lost_found_property", **LOW),
         I("crime.theft", **low(vulnerability="medium")),
         I("crime.theft")]),
    "resolved-at-first-contact": (
        [I("admin.lost_found_property", **LOW), I("admin.information_only", **low(harm="none"))],
        [I("admin.lost_found_property", v=["elderly_dementia"], **LOW),
         I("admin.lost_found_property", **low(threat="medium")),
         I("admin.hoax", **LOW)]),
    "right-care-right-person": (
        [I("public_safety.mental_health", **LOW),
         I("public_safety.concern_for_safety", q=["mental_health"],
           **low(threat="none", vulnerability="medium"))],
        [I("public_safety.mental_health", **low(risk="medium")),
         I("public_safety.mental_health", c=["weapon"], **LOW),
         I("public_safety.mental_health", **low(harm="medium")),
         I("crime.violence_without_injury", q=["mental_health"], **LOW),
         I("public_safety.sudden_death", **LOW),
         # Found by the "more risk is never less urgent" property: a missing person with a
         # mental-health vulnerability is still the police's to find.
         I("public_safety.missing_person", v=["mental_health"], **LOW)]),
    "safeguarding-children": (
        [I(v=["child_at_risk"]), I(c=["child_present"]), I(q=["child_involved"]),
         I("crime.child_abuse")],
        [I(v=["elderly_dementia"]), I(q=["youth"])]),
    "domestic-abuse-safeguarding": (
        [I("crime.domestic_abuse"), I(q=["domestic"]), I(v=["domestic_abuse"]),
         I(c=["domestic_abuse"])],
        [I("crime.violence_with_injury")]),
    "mental-health-advice": (
        [I(c=["mental_health"]), I(c=["suicide_self_harm"]), I(q=["mental_health"]),
         I(v=["mental_health"]), I("public_safety.mental_health")],
        [I(c=["intoxication"]), I("public_safety.concern_for_safety")]),
    "sexual-offence-or-child-abuse": (
        [I("crime.sexual_offence"), I("crime.child_abuse"), I(c=["sexual_offence"])],
        [I("crime.violence_with_injury")]),
    "weapons-officer-safety": (
        [I(c=["weapon"]), I(q=["firearms"]), I(q=["knife"])],
        [I(q=["alcohol"]), I("crime.weapons_possession")]),
    "elderly-or-dementia": (
        [I(v=["elderly_dementia"]), I(c=["elderly_dementia"])],
        [I(v=["learning_disability"])]),
    "missing-person-assessment": (
        [I("public_safety.missing_person"), I(q=["missing_person"]), I(v=["missing_person"]),
         I(c=["missing_person"])],
        [I("public_safety.absent_person")]),
    "hate-incident": (
        [I("crime.hate_crime"), I(q=["hate"]), I(v=["hate_crime"])],
        [I("crime.public_order")]),
}

EXPECTED_GRADES = {
    "danger-to-life": "1", "weapon-and-offender-present": "1", "serious-injury": "1",
    "serious-crime-in-progress": "1", "offender-present-with-violence": "1",
    "suicide-immediate-risk": "1", "serious-road-collision": "1",
    "concern-for-safety": "2", "offender-detained": "2", "evidence-at-risk": "2",
    "vulnerable-person": "2", "missing-person-high-risk": "2", "road-collision-injury": "2",
    "fire-reported": "2", "attendance-needed": "3", "residential-burglary-attendance": "3",
    "resolve-without-deployment": "4", "resolved-at-first-contact": "RFC",
    "right-care-right-person": "REF",
}

EXPECTED_ACTIONS = {
    "safeguarding-children": {"Safeguarding referral: children's services"},
    "domestic-abuse-safeguarding": {"DASH risk assessment",
                                    "Safeguarding referral: domestic abuse services"},
    "mental-health-advice": {"Specialist advice: mental health"},
    "sexual-offence-or-child-abuse": {
        "Specialist advice: Protecting Vulnerable People duty contact",
        "Preserve evidence: advise caller"},
    "weapons-officer-safety": {"Firearms/weapons: consider armed response and officer safety"},
    "elderly-or-dementia": {"Safeguarding referral: adult social care"},
    "missing-person-assessment": {"Missing person risk assessment"},
    "fire-reported": {"Inform Fire and Rescue Service"},
    "evidence-at-risk": {"Preserve scene and evidence: advise caller"},
}


def fired_ids(policy, inp):
    return [f.id for f in policy.evaluate(inp).fired]


def test_every_default_rule_has_cases(policy):
    ids = [r.id for r in policy.rules]
    missing = [i for i in ids if i not in CASES]
    assert not missing, f"rules with no test cases: {missing}"
    assert not set(CASES) - set(ids), "cases for rules that no longer exist"
    for rid, (pos, neg) in CASES.items():
        assert pos and neg, rid


def test_rule_grades_are_as_documented(policy):
    graded = {r.id: r.grade for r in policy.rules if r.grade is not None}
    assert graded == EXPECTED_GRADES


@pytest.mark.parametrize("rule_id", list(CASES))
def test_rule_fires_on_positive_cases(policy, rule_id):
    for inp in CASES[rule_id][0]:
        rec = policy.evaluate(inp)
        fired = {f.id: f for f in rec.fired}
        assert rule_id in fired, inp
        assert fired[rule_id].reasons, "a fired rule must say why"
        rule = policy.rule(rule_id)
        if rule.grade is not None:
            assert not policy.is_more_urgent(rule.grade, rec.grade)
        for action in EXPECTED_ACTIONS.get(rule_id, ()):
            assert action in rec.required_actions


@pytest.mark.parametrize("rule_id", list(CASES))
def test_rule_does_not_fire_on_close_cases(policy, rule_id):
    for inp in CASES[rule_id][1]:
        assert rule_id not in fired_ids(policy, inp), inp


def test_action_only_rules_have_expected_actions(policy):
    for rid, actions in EXPECTED_ACTIONS.items():
        assert set(policy.rule(rid).actions) == actions


def test_reasons_name_matched_leaves(policy):
    rec = policy.evaluate(I(c=["weapon", "offender_present"], threat="high"))
    by_id = {f.id: f for f in rec.fired}
    assert "threat is high (at least high)" in by_id["danger-to-life"].reasons
    assert by_id["weapon-and-offender-present"].reasons == (
        "cue 'weapon' present", "cue 'offender_present' present")
    rec = policy.evaluate(I("public_safety.mental_health", **LOW))
    reasons = {f.id: f for f in rec.fired}["right-care-right-person"].reasons
    assert "incident type is 'public_safety.mental_health' (Mental health)" in reasons
    assert "none of cues 'threat_to_life', 'weapon', 'crime_in_progress' present" in reasons


def test_precedence_most_urgent_wins(policy):
    rec = policy.evaluate(I("crime.burglary_dwelling", c=["weapon", "offender_present",
                                                          "child_present"], investigation="high"))
    assert rec.grade == "1" and rec.grade_label == "Emergency"
    assert rec.deciding_rules == ("weapon-and-offender-present",)
    ids = [f.id for f in rec.fired]
    assert ids == sorted(ids, key=[r.id for r in policy.rules].index)  # file order
    assert {"offender-detained", "evidence-at-risk", "residential-burglary-attendance",
            "weapons-officer-safety", "safeguarding-children"} <= set(ids)
    assert not rec.defaulted


def test_deciding_rules_lists_all_rules_with_winning_grade(policy):
    rec = policy.evaluate(I(c=["threat_to_life", "suicide_self_harm"], risk="high"))
    assert rec.grade == "1"
    assert rec.deciding_rules == ("danger-to-life", "suicide-immediate-risk")


def test_grade_4_beaten_by_grade_3(policy):
    rec = policy.evaluate(I("crime.burglary_dwelling", **LOW))
    assert rec.grade == "3" and rec.deciding_rules == ("residential-burglary-attendance",)
    assert "resolve-without-deployment" in [f.id for f in rec.fired]


def test_right_care_right_person_wins_for_positive_cases(policy):
    for inp in CASES["right-care-right-person"][0]:
        assert policy.evaluate(inp).grade == "REF"
    assert policy.evaluate(CASES["resolved-at-first-contact"][0][0]).grade == "RFC"
    assert policy.evaluate(CASES["resolve-without-deployment"][0][0]).grade == "4"


def test_right_care_right_person_not_overridden_by_moderate_vulnerability(policy):
    rec = policy.evaluate(I("public_safety.mental_health", v=["mental_health"],
                            **low(vulnerability="medium")))
    assert rec.grade == "REF"
    assert "Specialist advice: mental health" in rec.required_actions


def test_defaulted_when_no_grading_rule(policy):
    rec = policy.evaluate(I())
    assert rec.grade == policy.default_grade == "3" and rec.defaulted
    assert rec.deciding_rules == () and rec.fired == () and rec.required_actions == ()
    rec = policy.evaluate(I(c=["child_present"]))  # an action rule alone still defaults
    assert rec.defaulted and rec.grade == "3"
    assert rec.required_actions == ("Safeguarding referral: children's services",)
    assert not policy.evaluate(I(harm="medium")).defaulted


def test_required_actions_union_without_duplicates(policy):
    # both child rules name children's services; both PVP triggers name the same actions
    rec = policy.evaluate(I("crime.child_abuse", c=["child_present", "sexual_offence"],
                            v=["child_at_risk"]))
    acts = rec.required_actions
    assert len(acts) == len(set(acts))
    assert acts == ("Safeguarding referral: children's services",
                    "Specialist advice: Protecting Vulnerable People duty contact",
                    "Preserve evidence: advise caller")


def test_required_actions_dedup_across_rules():
    pol = parse_policy(MINI + "  - id: a\n    when: {cue: weapon}\n    actions: [X, Y]\n"
                       "  - id: b\n    when: {cue: weapon}\n    actions: [Y, Z, X]\n")
    rec = pol.evaluate(GradingInput(cues=frozenset({"weapon"})))
    assert rec.required_actions == ("X", "Y", "Z")
    assert rec.grade == "1" and rec.deciding_rules == ("r1",)


def test_unknown_codes_in_input_are_ignored(policy):
    rec = policy.evaluate(GradingInput(incident_type="no.such", qualifiers=frozenset({"zz"}),
                                       levels={"threat": "extreme", "nope": "high"},
                                       vulnerabilities=frozenset({"zz"}), cues=frozenset({"zz"})))
    assert rec.defaulted and rec.fired == ()


def test_grading_input_is_immutable_and_hashable():
    inp = GradingInput("crime.theft", ["alcohol"], {"threat": "low"}, ["repeat_victim"], {"weapon"})
    assert inp.qualifiers == frozenset({"alcohol"}) and isinstance(inp.cues, frozenset)
    with pytest.raises(TypeError):
        inp.levels["threat"] = "high"  # type: ignore[index]
    with pytest.raises(Exception):
        inp.incident_type = "x"  # type: ignore[misc]
    assert hash(inp) == hash(GradingInput("crime.theft", {"alcohol"}, {"threat": "low"},
                                          {"repeat_victim"}, {"weapon"}))


def test_to_dict_is_json_safe(policy):
    rec = policy.evaluate(I("crime.domestic_abuse", c=["weapon", "offender_present"]))
    d = json.loads(json.dumps(rec.to_dict()))
    assert d["grade"] == "1" and d["policy_name"] == "default"
    assert d["policy_version"] == "2026.11.2"
    assert d["fired"][0]["id"] == "weapon-and-offender-present"
    assert "DASH risk assessment" in d["required_actions"]


def test_accessors(policy):
    assert policy.levels == ("none", "low", "medium", "high")
    assert list(policy.dimensions) == ["threat", "harm", "risk", "investigation",
                                       "vulnerability", "engagement", "prevention"]
    assert policy.dimensions["prevention"].label == "Prevention (+)"
    assert not policy.dimensions["prevention"].required
    assert list(policy.grades) == ["1", "2", "3", "4", "RFC", "REF"]
    assert policy.grade("4").label == "Resolution without deployment"
    with pytest.raises(KeyError):
        policy.grade("9")
    assert len(policy.vulnerability_categories) == 12
    assert "language_barrier" in policy.vulnerability_categories
    assert list(policy.ndm_fields) == ["information", "threat_and_risk", "powers_and_policy",
                                       "options", "decision", "rationale"]
    assert all(f.required for f in policy.ndm_fields.values())
    for flag in ["weapon", "threat_to_life", "injury", "child_present", "suicide_self_harm",
                 "domestic_abuse", "mental_health", "offender_present", "crime_in_progress",
                 "missing_person", "sexual_offence", "elderly_dementia", "vehicle_collision",
                 "fire", "intoxication"]:
        assert flag in policy.cue_lexicon
    assert policy.is_more_urgent("1", "2") and not policy.is_more_urgent("2", "2")
    assert policy.is_more_urgent("4", "REF") and not policy.is_more_urgent("RFC", "3")


def test_default_policy_path_and_cache():
    assert default_policy_path().name == "default_policy.yaml" and default_policy_path().is_file()
    assert load_default_policy() is load_default_policy()
    assert load_policy(default_policy_path()).version == "2026.11.2"


def test_cue_finder_feeds_engine(policy):
    text = "He's got a knife and he's still here, my kids are upstairs"
    flags = frozenset(m.flag for m in policy.find_cues(text))
    assert {"weapon", "offender_present", "child_present"} <= flags
    assert policy.evaluate(GradingInput(cues=flags)).grade == "1"


# ------------------------------------------------------------------ validate_assessment

def full_dims(**over):
    d = {name: DimensionEntry("low", f"{name} reasoning") for name in
         ["threat", "harm", "risk", "investigation", "vulnerability", "engagement"]}
    d.update(over)
    return d


NDM_OK = {f: "text" for f in ["information", "threat_and_risk", "powers_and_policy", "options",
                              "decision", "rationale"]}


def validate(policy, **kw):
    args = dict(incident_type="crime.theft", qualifiers=(), dimensions=full_dims(),
                vulnerabilities=(), cues=(), ndm=NDM_OK)
    args.update(kw)
    return policy.validate_assessment(**args)


def test_complete_assessment_has_no_problems(policy):
    assert validate(policy) == []
    assert validate(policy, dimensions={k: (v.level, v.rationale) for k, v in full_dims().items()}) == []
    assert validate(policy, dimensions={k: {"level": v.level, "rationale": v.rationale}
                                        for k, v in full_dims().items()}) == []


def test_missing_and_unknown_incident_type(policy):
    assert validate(policy, incident_type=None) == [
        Problem("incident_type", "An incident type is required")]
    assert validate(policy, incident_type="  ") == [
        Problem("incident_type", "An incident type is required")]
    assert validate(policy, incident_type="crime.nope") == [
        Problem("incident_type", "Unknown incident type 'crime.nope'")]


def test_unknown_codes_are_reported_with_index(policy):
    probs = validate(policy, qualifiers=["domestic", "bogus"],
                     vulnerabilities=["child_at_risk", "elderly_dementia", "martian"],
                     cues=["nope", "weapon"])
    assert probs == [
        Problem("qualifiers[1]", "Unknown qualifier 'bogus'"),
        Problem("vulnerabilities[2]", "Unknown vulnerability category 'martian'"),
        Problem("cue_flags[0]", "Unknown cue flag 'nope'"),
    ]


def test_required_dimension_level_and_rationale(policy):
    probs = validate(policy, dimensions=full_dims(threat=DimensionEntry("high", "  "),
                                                  harm=DimensionEntry(None, "why"),
                                                  risk=(None, None)))
    assert probs == [
        Problem("dimensions.threat.rationale", "THRIVE+ 'Threat': a rationale is required"),
        Problem("dimensions.harm.level", "THRIVE+ 'Harm': a level is required"),
        Problem("dimensions.risk.level", "THRIVE+ 'Risk': a level is required"),
        Problem("dimensions.risk.rationale", "THRIVE+ 'Risk': a rationale is required"),
    ]


def test_missing_dimension_entirely(policy):
    dims = full_dims()
    del dims["engagement"]
    assert validate(policy, dimensions=dims) == [
        Problem("dimensions.engagement.level", "THRIVE+ 'Engagement': a level is required"),
        Problem("dimensions.engagement.rationale", "THRIVE+ 'Engagement': a rationale is required"),
    ]


def test_optional_dimension_needs_rationale_only_when_used(policy):
    assert validate(policy, dimensions=full_dims(prevention=DimensionEntry(None, None))) == []
    assert validate(policy, dimensions=full_dims(prevention=DimensionEntry("low", ""))) == [
        Problem("dimensions.prevention.rationale",
                "THRIVE+ 'Prevention (+)': a rationale is required")]


def test_unknown_dimension_and_level(policy):
    probs = validate(policy, dimensions=full_dims(threat=DimensionEntry("extreme", "x"),
                                                  luck=DimensionEntry("low", "x"),
                                                  harm="high"))
    assert Problem("dimensions.luck", "Unknown THRIVE+ dimension 'luck'") in probs
    assert Problem("dimensions.threat.level", "THRIVE+ 'Threat': unknown level 'extreme' "
                   "(expected one of none, low, medium, high)") in probs
    assert Problem("dimensions.harm", "THRIVE+ 'Harm': expected a level and a rationale") in probs
    assert len(probs) == 3


def test_ndm_fields(policy):
    ndm = dict(NDM_OK, options="   ", surprise="x")
    del ndm["rationale"]
    assert validate(policy, ndm=ndm) == [
        Problem("ndm.surprise", "Unknown decision-record field 'surprise'"),
        Problem("ndm.options", "Decision record 'Options and contingencies': an entry is required"),
        Problem("ndm.rationale", "Decision record 'Rationale': an entry is required"),
    ]


def test_empty_assessment_reports_everything(policy):
    probs = policy.validate_assessment(incident_type=None, dimensions={}, ndm={})
    fields = [p.field for p in probs]
    assert fields[0] == "incident_type"
    assert fields.count("ndm.options") == 1
    assert len(probs) == 1 + 6 * 2 + 6


# ------------------------------------------------------------------------------- loader

MINI = textwrap.dedent("""\
    name: t
    version: "1"
    levels: [none, low, high]
    dimensions:
      - {name: threat, label: Threat}
    vulnerability_categories:
      - {code: child_at_risk, label: Child}
    grades:
      - {code: "1", label: Emergency}
      - {code: "3", label: Scheduled}
    default_grade: "3"
    cues:
      weapon: {label: Weapon, patterns: [knife]}
    rules:
      - id: r1
        when: {cue: weapon}
        grade: "1"
    """)
# MINI line numbers: 1 name, 3 levels, 5 threat, 7 child, 9 grade 1, 11 default_grade,
# 13 weapon, 15 "- id: r1", 16 when, 17 grade


def test_mini_policy_loads():
    pol = parse_policy(MINI)
    assert pol.name == "t" and pol.version == "1" and pol.dimensions["threat"].required
    assert pol.ndm_fields == {} and pol.rules[0].line == 15
    assert pol.evaluate(GradingInput(cues=frozenset({"weapon"}))).grade == "1"


def sub(old, new, text=MINI):
    assert old in text, old
    return text.replace(old, new, 1)


def err(text, source="<policy>"):
    with pytest.raises(PolicyError) as info:
        parse_policy(text, source)
    return info.value


@pytest.mark.parametrize("text, line, column, fragment", [
    (sub("{cue: weapon}", "{cue: gun}"), 16, 17, "unknown cue flag 'gun'"),
    (sub('grade: "1"\n', 'grade: "2"\n'), 17, 12, "unknown grade '2'"),
    (sub('default_grade: "3"', 'default_grade: "4"'), 11, 16, "unknown grade '4'"),
    (sub("{name: threat, label: Threat}", "{name: threat}"), 5, 5, "missing key 'label'"),
    (sub("{name: threat, label: Threat}", "{name: threat, label: Threat, required: 'yes'}"),
     5, 45, "required must be true or false"),
    (sub("levels: [none, low, high]", "levels: none"), 3, 9, "levels must be a list"),
    (sub("levels: [none, low, high]", "levels: [none, low, low]"), 3, 21, "duplicate level 'low'"),
    (sub("name: t\n", "name: t\nname: u\n"), 2, 1, "duplicate key 'name'"),
    (sub("name: t\n", "nmae: t\n"), 1, 1, "unknown key 'nmae'"),
    (sub("name: t\n", ""), 1, 1, "missing key 'name'"),
    (sub("{cue: weapon}", "{cue: weapon, category: crime}"), 16, 25,
     "exactly one of"),
    (sub("{cue: weapon}", "{dimension: threat}"), 16, 11, "needs exactly one of at_least"),
    (sub("{cue: weapon}", "{dimension: threat, at_least: low, is: high}"), 16, 46,
     "needs exactly one of at_least"),
    (sub("{cue: weapon}", "{dimension: threat, at_least: medium}"), 16, 41,
     "unknown level 'medium'"),
    (sub("{cue: weapon}", "{dimension: harm, at_least: low}"), 16, 23,
     "unknown THRIVE+ dimension 'harm'"),
    (sub("{cue: weapon}", "{incident_type: [crime.theft, crime.thief]}"), 16, 41,
     "unknown incident type 'crime.thief'"),
    (sub("{cue: weapon}", "{category: crimes}"), 16, 22, "unknown incident category 'crimes'"),
    (sub("{cue: weapon}", "{qualifier: drunk}"), 16, 23, "unknown qualifier 'drunk'"),
    (sub("{cue: weapon}", "{vulnerability: elderly}"), 16, 27,
     "unknown vulnerability category 'elderly'"),
    (sub("{cue: weapon}", "{vulnerability: [any, child_at_risk]}"), 16, 28, "'any' cannot"),
    (sub("{cue: weapon}", "{all: []}"), 16, 17, "must not be empty"),
    (sub("{cue: weapon}", "{not: [{cue: weapon}]}"), 16, 17, "must be a mapping"),
    (sub("{cue: weapon}", "{cue: weapon, at_most: low}"), 16, 25, "only goes with 'dimension'"),
    (sub("{cue: weapon}", "{}"), 16, 11, "a condition needs one of"),
    (sub("{cue: weapon}", "{wen: x}"), 16, 12, "unknown key 'wen'"),
    (sub('    grade: "1"\n', ""), 15, 5, "needs a grade, actions, or both"),
    (sub("id: r1", "id: 'bad id'"), 15, 9, "not a valid code"),
    (sub("patterns: [knife]", "patterns: []"), 13, 37, "must not be empty"),
    (sub("patterns: [knife]", "patterns: ['  ']"), 13, 38, "must not be blank"),
    (sub("weapon: {label", "Weapon: {label"), 13, 3, "cue flag 'Weapon' is not a valid code"),
    (sub("name: t\n", "name: [t\n"), 2, 8, "YAML syntax error"),
    (sub("name: t\n", "name: t\n\tx: 1\n"), 2, 1, "YAML syntax error"),
    (sub("version: \"1\"", "version: [1]"), 2, 10, "version must be text, not a list"),
    (sub("{code: \"1\", label: Emergency}", "{code: '1 2', label: Emergency}"), 9, 12,
     "not a valid code"),
    (sub("{code: child_at_risk", "{code: any"), 7, 12, "'any' is reserved"),
    ("", 1, 1, "the policy is empty"),
    ("- a\n- b\n", 1, 1, "policy must be a mapping"),
    ("a: 1\n---\nb: 2\n", 2, 1, "YAML syntax error"),
    (sub("name: t", "name: !!python/object:os.system x"), 1, 7, "must be text"),
])
def test_loader_errors(text, line, column, fragment):
    e = err(text, "force.yaml")
    assert fragment in e.problem, str(e)
    assert (e.line, e.column) == (line, column), str(e)
    assert str(e) == f"force.yaml:{line}:{column}: {e.problem}"


def test_duplicate_rule_id_points_at_second_id():
    text = MINI + "  - id: r1\n    when: {cue: weapon}\n    grade: '3'\n"
    e = err(text)
    assert (e.line, e.column) == (18, 9) and "duplicate rule id 'r1'" in e.problem


def test_unknown_cue_in_rule_seven_reports_its_line():
    rules = "".join(f"  - id: r{i}\n    when: {{cue: weapon}}\n    actions: [a]\n"
                    for i in range(2, 8))
    rules = rules.replace("r7\n    when: {cue: weapon}", "r7\n    when:\n      any:\n"
                          "        - cue: weapon\n        - cue: knife")
    text = MINI + rules
    e = err(text)
    expected = text.splitlines().index("        - cue: knife") + 1
    assert (e.line, e.column, e.problem) == (expected, 16, "rule 'r7': unknown cue flag 'knife'")


def test_self_referencing_condition_is_rejected():
    text = sub("when: {cue: weapon}", "when: &c {not: *c}")
    e = err(text)
    assert "cannot contain itself" in e.problem and e.line == 16


def test_alias_bomb_is_rejected():
    parts = ["&a0 {cue: weapon}"]
    for i in range(1, 9):
        parts.append(f"&a{i} {{any: [*a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}]}}")
    small = "{any: [" + ", ".join(parts[:3]) + "]}"
    assert parse_policy(sub("when: {cue: weapon}", "when: " + small))  # some aliasing is fine
    e = err(sub("when: {cue: weapon}", "when: {any: [" + ", ".join(parts) + "]}"))
    assert "condition too large" in e.problem and e.line == 16


def test_deeply_nested_condition_is_rejected():
    deep = "{cue: weapon}"
    for _ in range(40):
        deep = "{not: " + deep + "}"
    e = err(sub("when: {cue: weapon}", "when: " + deep))
    assert "nested too deeply" in e.problem and e.line == 16


def test_deep_yaml_nesting_is_a_policy_error():
    e = err("a: " + "[" * 5000 + "]" * 5000)
    assert e.line == 1


def test_invalid_utf8_file(tmp_path):
    p = tmp_path / "p.yaml"
    p.write_bytes(MINI.encode() + b"\xff\n")
    with pytest.raises(PolicyError) as info:
        load_policy(p)
    assert info.value.line == 18 and str(info.value).startswith(str(p))


def test_load_policy_reports_path(tmp_path):
    p = tmp_path / "force.yaml"
    p.write_text(sub("{cue: weapon}", "{cue: gun}"), encoding="utf-8")
    with pytest.raises(PolicyError, match=r"force\.yaml:16:17: rule 'r1': unknown cue flag 'gun'"):
        load_policy(p)


def test_integer_grade_codes_and_version_are_accepted():
    text = sub('version: "1"', "version: 2026.1").replace('"1"', "1").replace('"3"', "3")
    pol = parse_policy(text)
    assert pol.version == "2026.1" and list(pol.grades) == ["1", "3"]
    assert pol.evaluate(GradingInput(cues=frozenset({"weapon"}))).grade == "1"


def test_force_can_add_its_own_dimension():
    text = sub("  - {name: threat, label: Threat}\n",
               "  - {name: threat, label: Threat}\n  - {name: scene, label: 'Scene (+)', "
               "required: false}\n")
    text = text.replace("when: {cue: weapon}", "when: {dimension: scene, is: high}")
    pol = parse_policy(text)
    assert pol.evaluate(GradingInput(levels={"scene": "high"})).fired[0].reasons == (
        "scene is high",)
    assert pol.evaluate(GradingInput(levels={"scene": "low"})).defaulted
