"""Mapping files are read strictly: each mistake refuses the file and names the problem."""

from __future__ import annotations

import csv

import pytest

from demandhub.imports.mapping import MappingError, load_mapping
from tests.imports.support import HERE, SAN_DIEGO, US_SAMPLE

SHIPPED = HERE.parents[1] / "src/demandhub/imports/mappings"


def header_of(path) -> set[str]:
    with open(path, newline="", encoding="utf-8-sig") as handle:
        return set(next(csv.reader(handle)))


def test_the_shipped_mappings_load_and_read_only_columns_their_files_have():
    sandiego, us = load_mapping("sandiego"), load_mapping("us-open-data")
    assert sandiego.columns() <= header_of(SAN_DIEGO)
    assert us.columns() <= header_of(US_SAMPLE)
    assert sandiego.grade.table() == {"0": "1", "1": "1", "2": "2", "3": "3", "4": "4"}
    assert us.grade.table() == {"a": "1", "b": "2", "c": "3"}  # case-insensitive: folded


def test_every_call_type_in_the_san_diego_code_list_that_the_file_uses_has_a_row():
    """The file's own call types (less the two it uses that its code list lacks, and the empty
    one) are all in the table: the default is for the unknown, not for what we could not be
    bothered to map."""
    table = load_mapping("sandiego").incident_type.table()
    with open(SAN_DIEGO, newline="", encoding="utf-8-sig") as handle:
        used = {row["call_type"] for row in csv.DictReader(handle)}
    assert sorted(used - set(table)) == ["", "1016P"]


def broken(tmp_path, old: str, new: str, base: str = "sandiego.yaml"):
    text = (SHIPPED / base).read_text()
    assert old in text, old
    path = tmp_path / "broken.yaml"
    path.write_text(text.replace(old, new, 1))
    return path


@pytest.mark.parametrize("old, new, problem", [
    ("grade:\n", "grdae:\n", r"grdae: Extra inputs are not permitted"),
    ("public_safety.animals:", "public_safety.pets:", r"incident_type: 'public_safety.pets' is not .*incident types"),
    ("duplicate: [\"DUP\", \"V\"]", "duplicate: [\"DUP\", \"V\", \"K\"]",
     r"closing_code: Value error, source value 'K' is listed under both "
     r"'officer_attended_no_further_action' and 'duplicate'"),
    ("zone: America/Los_Angeles", "zone: America/San_Diego", r"times.zone: .*unknown time zone 'America/San_Diego'"),
    ('formats: ["%Y-%m-%d %H:%M:%S"]', 'formats: ["%Y-%m-%d %H:%M:%Q"]', r"times.formats: .*'Q' is a bad directive"),
    ('formats: ["%Y-%m-%d %H:%M:%S"]', 'formats: ["YYYY-MM-DD"]', r"has no % directive"),
    ("  created: date_time\n", "", r"times.created: Field required"),
    ("area:\n  constant: urban", "area:\n  constant: suburban", r"area: 'suburban' is not urban or rural"),
    ("area:\n  constant: urban", "area:\n  constant: urban\n  column: beat",
     r"area: .*give exactly one of column \(with groups\) or constant"),
    ("default: \"999\"", "default: \"112\"", r"channel: '112' is not channels"),
    ("source: sandiego", "source: San Diego PD", r"source: .*'San Diego PD' is not a source key"),
    ("encoding: utf-8-sig", "encoding: klingon", r"unknown text encoding 'klingon'"),
    ("encoding: utf-8-sig", "encoding: utf-16", r"encoding 'utf-16' is not supported"),
    ("keep:\n", "keep:\n  beat: beat\n", r"keep: beat not one of priority, call_type, disposition, area"),
    ("name: sandiego", "name: [sandiego", r"not valid YAML"),
])
def test_a_mistake_is_refused_naming_the_problem_and_the_file(tmp_path, old, new, problem):
    path = broken(tmp_path, old, new)
    with pytest.raises(MappingError, match=problem) as caught:
        load_mapping(path)
    assert str(path) in str(caught.value)


def test_a_table_column_without_groups_or_default(tmp_path):
    path = broken(tmp_path, "channel:\n  column: call_type\n  default: \"999\"\n  groups:",
                  "channel:\n  column: call_type\n  nothing:")
    with pytest.raises(MappingError, match="channel"):
        load_mapping(path)


def test_names_that_are_neither_shipped_nor_yaml_files(tmp_path):
    with pytest.raises(MappingError, match="not a shipped mapping \\(sandiego, us-open-data\\) nor a .yaml file"):
        load_mapping("san-diego")
    with pytest.raises(MappingError, match="cannot read the column mapping"):
        load_mapping(tmp_path / "missing.yaml")
    (tmp_path / "list.yaml").write_text("- a\n- b\n")
    with pytest.raises(MappingError, match="expected a mapping of settings"):
        load_mapping(tmp_path / "list.yaml")


def test_grades_are_checked_against_the_policy():
    mapping = load_mapping("sandiego")
    mapping.check_grades(["1", "2", "3", "4", "RFC", "REF"])
    with pytest.raises(MappingError, match="grade '4' not in the grading policy \\(grades 1, 2, 3\\)"):
        mapping.check_grades(["1", "2", "3"])
