from __future__ import annotations

import pytest

from demandhub.dispatch.rules import RulesError, load_rules


def test_the_shipped_rules_load_and_name_why_each_skill_is_needed():
    rules = load_rules()
    assert rules.needed_skills("transport.rtc_injury", ["firearms"]) == [
        ("firearms", "Firearms involved: an armed response"), ("first_aid", "Injury collision: first aid on arrival")]
    assert rules.target_s("1", "rural") == 1200 and rules.target_s("3", "urban") is None
    rules.check_grades(["1", "2", "3", "4", "RFC", "REF"])


@pytest.mark.parametrize("text, problem", [
    ("version: [", "not valid YAML"),
    ("- a list", "mapping"),
    ("version: 1\nneeds:\n  - when: {incident_type: crime.nope}\n    skills: [x]\n    why: y\n", "crime.nope"),
    ("version: 1\nneeds:\n  - when: {}\n    skills: [x]\n    why: y\n", "incident_type, a qualifier"),
    ("version: 1\nattendance_targets_minutes: {1: {urban: -5, rural: 20}}\n", "greater than 0"),
    ("version: 1\nsurprise: true\n", "surprise"),
])
def test_bad_rules_are_refused_naming_the_file_and_the_problem(tmp_path, text, problem):
    path = tmp_path / "rules.yaml"
    path.write_text(text)
    with pytest.raises(RulesError, match=problem) as caught:
        load_rules(path)
    assert str(path) in str(caught.value)


def test_rules_naming_grades_the_policy_lacks_are_refused(tmp_path):
    path = tmp_path / "rules.yaml"
    path.write_text("version: 1\nattendance_targets_minutes: {'9': {urban: 5, rural: 5}}\n")
    with pytest.raises(RulesError, match="grades the grading policy does not have: 9"):
        load_rules(path).check_grades(["1", "2"])
