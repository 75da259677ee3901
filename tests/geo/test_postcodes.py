"""UK postcodes: the format rules, loading a force's table strictly, and lookup."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from demandhub.geo.fix import Fix, LocationError
from demandhub.geo.points import haversine_m
from demandhub.geo.postcodes import (
    DEMO_TABLE,
    POSTCODE_UNCERTAINTY_M,
    PostcodeProblem,
    PostcodeTable,
    normalise_postcode,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("sw1a2aa", "SW1A 2AA"),  # AA9A
        ("SW1A 2AA", "SW1A 2AA"),
        ("  sw1a   2aa ", "SW1A 2AA"),
        ("SW1A\t2AA", "SW1A 2AA"),
        ("EC1A 1BB", "EC1A 1BB"),  # AA9A
        ("WC2N 5DU", "WC2N 5DU"),
        ("EC1V 9HX", "EC1V 9HX"),  # V allowed 4th
        ("W1A 0AX", "W1A 0AX"),  # A9A
        ("w1t1jy", "W1T 1JY"),
        ("E1W 1YY", "E1W 1YY"),
        ("N1C 4AG", "N1C 4AG"),
        ("M1 1AE", "M1 1AE"),  # A9
        ("B33 8TH", "B33 8TH"),  # A99
        ("CR2 6XH", "CR2 6XH"),  # AA9
        ("DN55 1PT", "DN55 1PT"),  # AA99
        ("NN1 1AA", "NN1 1AA"),
        ("NN99 1AB", "NN99 1AB"),
        ("gir0aa", "GIR 0AA"),  # the Girobank exception
        ("GIR 0AA", "GIR 0AA"),
        ("YO1 7HH", "YO1 7HH"),  # Y first
        ("ZE1 0AA", "ZE1 0AA"),  # Z first
        ("BT1 1AA", "BT1 1AA"),
        ("S W 1 A 2 A A", "SW1A 2AA"),  # spaces anywhere are only spacing
    ],
)
def test_valid(text, expected):
    assert normalise_postcode(text) == expected
    assert normalise_postcode(expected) == expected  # idempotent


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "SW1A",  # outward only
        "2AA",
        "SW1A 2A",
        "SW1A 2AAA",
        "SW1A2AAA",
        "QA1 1AA",  # Q never first
        "VA1 1AA",  # V never first
        "XA1 1AA",  # X never first
        "AI1 1AA",  # I never second
        "AJ1 1AA",  # J never second
        "AZ1 1AA",  # Z never second
        "W1I 1AA",  # I not 3rd in A9A
        "W1L 1AA",  # L not 3rd in A9A
        "W1Z 1AA",  # Z not 3rd in A9A
        "SW1C 1AA",  # C not 4th in AA9A
        "SW1L 1AA",  # L not 4th in AA9A
        "SW1A 2CA",  # inward C
        "SW1A 2AI",  # inward I
        "SW1A 2KA",  # inward K
        "SW1A 2AM",  # inward M
        "SW1A 2OA",  # inward O
        "SW1A 2AV",  # inward V
        "SW1A AAA",  # inward must start with a digit
        "SW1A 22A",
        "1W1A 2AA",  # digit first
        "SWW1 2AA",  # three letters
        "SW123 2AA",  # three digits
        "SW1AA 2AA",
        "SW1A-2AA",
        "SW1A_2AA",
        "GIR 0AB",
        "GIR0A",
        "BFPO 1234",  # non-geographic
        "ASCN 1ZZ",
        "ＳＷ１Ａ ２ＡＡ",  # full-width
        "SW1A 2AA" * 20,
        "Trafalgar Square",
    ],
)
def test_invalid(text):
    with pytest.raises(LocationError) as err:
        normalise_postcode(text)
    assert err.value.field == "postcode"


@pytest.mark.parametrize("value", [None, 123, b"SW1A 2AA"])
def test_not_text(value):
    with pytest.raises(LocationError):
        normalise_postcode(value)


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=30))
def test_arbitrary_text_is_normalised_or_rejected(text):
    try:
        result = normalise_postcode(text)
    except LocationError as err:
        assert err.field == "postcode"
        return
    assert normalise_postcode(result) == result
    outward, inward = result.split(" ")
    assert 2 <= len(outward) <= 4 and len(inward) == 3


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZsw0123456789 ", min_size=5, max_size=9))
def test_postcode_like_text_is_normalised_or_rejected(text):
    try:
        result = normalise_postcode(text)
    except LocationError:
        return
    assert result.replace(" ", "") == "".join(text.split()).upper()


# ---- the table ---------------------------------------------------------------------------------


def _write(tmp_path, text: str):
    path = tmp_path / "postcodes.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_load_counts_and_reports_bad_rows(tmp_path):
    path = _write(
        tmp_path,
        "# a comment\n"
        "postcode,latitude,longitude,extra\n"  # line 2
        "nn99 1ab,52.27,-0.92,x\n"  # 3 good (normalised)
        "NN99 1AD,52.28,-0.93\n"  # 4 good
        "NN99 1AC,52.28,-0.93\n"  # 5 bad inward letter C
        "NN99 2BA,north,-0.93\n"  # 6 not a number
        "NN99 3DE,99.999999,0.000000\n"  # 7 ONSPD's "no position" marker
        "NN99 4EF,-0.9,52.2\n"  # 8 swapped columns: outside the UK
        "NN99 5FG,nan,-0.9\n"  # 9 not finite
        "NN99 6GH,52.2\n"  # 10 missing longitude
        "NN99 1AB,52.5,-0.5\n"  # 11 repeat of line 3
        "\n"
        "# another comment\n"
        "NN99 7HJ,52.20,-0.74\n",  # 14 good
    )
    table, problems = PostcodeTable.from_csv(path)
    assert len(table) == 3
    assert table.postcodes() == ["NN99 1AB", "NN99 1AD", "NN99 7HJ"]
    assert [p.line for p in problems] == [5, 6, 7, 8, 9, 10, 11]
    assert all(isinstance(p, PostcodeProblem) for p in problems)
    reasons = {p.line: p.reason for p in problems}
    assert reasons[5] == "not a valid postcode"
    assert "not numbers" in reasons[6]
    assert "out of range" in reasons[7]
    assert "outside the UK" in reasons[8]
    assert "not finite" in reasons[9]
    assert reasons[10] == "missing columns"
    assert reasons[11] == "repeats NN99 1AB from line 3"
    assert str(problems[0]).startswith("line 5: not a valid postcode")
    # the first of a repeated postcode is kept
    assert table.lookup("NN991AB").latitude == 52.27


def test_onspd_column_names_and_bom(tmp_path):
    path = tmp_path / "onspd.csv"
    path.write_text("pcd,pcds,doterm,lat,long\nNN991AB,NN99 1AB,,52.27,-0.92\n", encoding="utf-8-sig")
    table, problems = PostcodeTable.from_csv(path)
    assert problems == [] and "NN99 1AB" in table


@pytest.mark.parametrize("text", ["", "# only a comment\n", "postcode,lat\nNN99 1AB,52.2\n", "a,b,c\n1,2,3\n"])
def test_unusable_file_raises(tmp_path, text):
    with pytest.raises(ValueError):
        PostcodeTable.from_csv(_write(tmp_path, text))


def test_lookup():
    table = PostcodeTable({"NN99 1AB": (52.27301, -0.92352)}, name="test")
    fix = table.lookup(" nn991ab ")
    assert isinstance(fix, Fix)
    assert (fix.latitude, fix.longitude) == (52.27301, -0.92352)
    assert fix.source == "postcode"
    assert fix.uncertainty_m == POSTCODE_UNCERTAINTY_M == 100.0
    assert fix.label == "NN99 1AB"
    assert fix.details == {"table": "test", "as_given": "nn991ab"}


def test_lookup_unknown_and_invalid():
    table = PostcodeTable({"NN99 1AB": (52.27, -0.92)})
    with pytest.raises(LocationError, match="postcode not in the local table") as err:
        table.lookup("SW1A 2AA")
    assert err.value.field == "postcode"
    with pytest.raises(LocationError, match="not a UK postcode") as err:
        table.lookup("NN99 1AC")
    assert err.value.field == "postcode"
    assert "SW1A 2AA" not in table and "garbage" not in table and None not in table


def test_constructor_is_as_strict_as_the_file():
    with pytest.raises(LocationError):
        PostcodeTable({"NN99 1AC": (52.27, -0.92)})
    with pytest.raises(LocationError):
        PostcodeTable({"NN99 1AB": (-0.92, 52.27)})


def test_demo_table_is_clean_and_in_the_demo_county():
    assert DEMO_TABLE.is_file()
    header = DEMO_TABLE.read_text(encoding="utf-8").lower()
    assert "invented" in header
    table, problems = PostcodeTable.from_csv(DEMO_TABLE)
    assert problems == []
    assert len(table) >= 12
    for postcode in table.postcodes():
        assert postcode.startswith("NN")
        fix = table.lookup(postcode)
        assert haversine_m(fix.latitude, fix.longitude, 52.25, -0.90) < 30_000
    assert len(PostcodeTable.demo()) == len(table)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=12))
def test_lookup_gives_fix_or_location_error(text):
    table = PostcodeTable.demo()
    try:
        fix = table.lookup(text)
    except LocationError as err:
        assert err.field == "postcode"
        return
    assert fix.source == "postcode"
