"""The checklist file is read strictly; answers are checked against it."""

from __future__ import annotations

import pytest

from demandhub.quality.checklist import ChecklistError, load_checklist


def test_the_shipped_checklist_has_the_five_items():
    c = load_checklist()
    assert c.codes == ["thrive_applied", "grade_right", "vulnerability_identified", "safeguarding_done",
                       "caller_treated_well"]
    assert c.comment_required


def write(tmp_path, text):
    path = tmp_path / "checklist.yaml"
    path.write_text(text)
    return path


def test_a_force_checklist_is_loaded(tmp_path):
    c = load_checklist(write(tmp_path, "name: force\nversion: 3\ncomment_required: false\n"
                                       "items:\n  - {code: polite, label: Polite}\n"))
    assert (c.name, c.version, c.codes, c.comment_required) == ("force", "3", ["polite"], False)


@pytest.mark.parametrize("text,expected", [
    ("name: x\nversion: '1'\nitems: []\n", "items"),
    ("name: x\nversion: '1'\nitems:\n  - {code: a, label: A}\n  - {code: a, label: B}\n", "appears twice"),
    ("name: x\nversion: '1'\nitems:\n  - {code: Bad Code, label: A}\n", "items.0.code"),
    ("name: x\nversion: '1'\nitems:\n  - {code: a, label: A, colour: red}\n", "colour"),
    ("- just a list\n", "expected a mapping"),
    ("name: [unclosed\n", "not valid YAML"),
])
def test_mistakes_name_the_file_and_the_problem(tmp_path, text, expected):
    path = write(tmp_path, text)
    with pytest.raises(ChecklistError) as err:
        load_checklist(path)
    assert str(path) in str(err.value) and expected in str(err.value)


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(ChecklistError, match="nope.yaml: cannot read"):
        load_checklist(tmp_path / "nope.yaml")


def test_answers_are_checked_item_by_item():
    c = load_checklist()
    full = {code: "yes" for code in c.codes}
    assert c.problems_with(full, "Fine.") == []
    fields = {p["field"] for p in c.problems_with({**full, "grade_right": "maybe", "extra": "yes"}, "")}
    assert fields == {"answers.grade_right", "answers.extra", "comment"}
    missing = dict(full)
    del missing["safeguarding_done"]
    assert [p["field"] for p in c.problems_with(missing, "ok")] == ["answers.safeguarding_done"]
