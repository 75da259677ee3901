import pytest

from demandhub import classification as c


def test_counts_in_expected_ranges():
    assert list(c.CATEGORIES) == ["crime", "asb", "public_safety", "transport", "admin"]
    assert 35 <= len(c.INCIDENT_TYPES) <= 50
    assert len(c.QUALIFIERS) >= 11
    assert 10 <= len(c.CLOSING_CODES) <= 14


@pytest.mark.parametrize("code", list(c.INCIDENT_TYPES))
def test_type_codes_are_category_dot_type(code):
    t = c.incident_type(code)
    cat, _, rest = code.partition(".")
    assert t.code == code and t.category == cat and rest
    assert cat in c.CATEGORIES
    assert t.label.strip()


def test_named_types_exist():
    for code in [
        "crime.violence_with_injury", "crime.sexual_offence", "crime.domestic_abuse",
        "crime.burglary_dwelling", "crime.theft", "crime.criminal_damage", "crime.robbery",
        "crime.child_abuse", "asb.personal", "asb.nuisance", "asb.environmental",
        "public_safety.concern_for_safety", "public_safety.missing_person",
        "public_safety.mental_health", "public_safety.suspicious_circumstances",
        "public_safety.sudden_death", "public_safety.fire", "transport.rtc_injury",
        "transport.rtc_damage_only", "transport.road_obstruction",
        "admin.lost_found_property", "admin.abandoned_call", "admin.hoax", "admin.duplicate",
    ]:
        assert code in c.INCIDENT_TYPES


def test_restricted_only_sexual_offences_and_child_abuse():
    restricted = {code for code, t in c.INCIDENT_TYPES.items() if t.restricted}
    assert restricted == {"crime.sexual_offence", "crime.child_abuse"}


def test_every_category_has_types():
    for cat in c.CATEGORIES:
        assert c.types_in_category(cat)
    assert sum(len(c.types_in_category(k)) for k in c.CATEGORIES) == len(c.INCIDENT_TYPES)


@pytest.mark.parametrize("fn", [c.incident_type, c.qualifier, c.closing_code, c.category])
@pytest.mark.parametrize("bad", ["nope", "", "crime.nothing", ["x"]])
def test_unknown_codes_raise_keyerror(fn, bad):
    with pytest.raises(KeyError):
        fn(bad)


def test_required_qualifiers_and_closing_codes():
    for q in ["domestic", "alcohol", "drugs", "mental_health", "hate", "missing_person",
              "child_involved", "firearms", "knife", "repeat_victim", "vulnerable_adult"]:
        assert c.qualifier(q).label
    for code in ["crime_recorded", "no_crime_advice_given", "resolved_by_phone",
                 "referred_to_partner", "officer_attended_resolved", "duplicate", "no_trace",
                 "hoax", "cancelled_by_caller", "transferred_other_force"]:
        assert c.closing_code(code).label


def test_keys_match_codes_and_objects_frozen():
    for mapping in (c.CATEGORIES, c.INCIDENT_TYPES, c.QUALIFIERS, c.CLOSING_CODES):
        for k, v in mapping.items():
            assert k == v.code
    with pytest.raises(Exception):
        c.incident_type("crime.theft").label = "x"
    with pytest.raises(TypeError):
        c.INCIDENT_TYPES["crime.new"] = None  # type: ignore[index]


def test_is_incident_type():
    assert c.is_incident_type("crime.theft")
    assert not c.is_incident_type("crime.nothing")
    assert not c.is_incident_type(None)
