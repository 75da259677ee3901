"""Ordnance Survey National Grid references: letters, digits, squares, and the datum change."""

from __future__ import annotations

import math

import pyproj
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Transformer

from demandhub.geo import osgrid
from demandhub.geo.fix import Fix, LocationError
from demandhub.geo.osgrid import (
    DATUM_TRANSFORM,
    GRID_MAX_E,
    GRID_MAX_N,
    grid_to_wgs84,
    parse_grid_reference,
    to_grid_reference,
    wgs84_to_grid,
)
from demandhub.geo.points import haversine_m

# Projection only (OSGB36 geographic -> grid), the worked example in the OS's "A guide to
# coordinate systems in Great Britain" (Caister water tower): 52 39' 27.2531" N, 1 43' 4.5177" E
# on OSGB36 is E 651409.903, N 313177.270, i.e. TG 51409 13177.
CAISTER_OSGB36 = (52 + 39 / 60 + 27.2531 / 3600, 1 + 43 / 60 + 4.5177 / 3600)
CAISTER_EN = (651409.903, 313177.270)
# The same tower on ETRS89 (~ WGS84, <1 m) from the OS guide's OSTN15 example (52 39' 28.8282" N,
# 1 42' 57.8663" E). The Helmert transformation lands ~3.6 m away: that is its known error.
CAISTER_ETRS89 = (52 + 39 / 60 + 28.8282 / 3600, 1 + 42 / 60 + 57.8663 / 3600)
TRAFALGAR_SQUARE = (51.5080, -0.1281)  # the well-known coordinate (Nelson's Column area)


@pytest.fixture(autouse=True)
def _no_network():
    """pyproj's own from_crs (used below as a reference) must not fetch grids either."""
    was = pyproj.network.is_network_enabled()
    pyproj.network.set_network_enabled(active=False)
    yield
    pyproj.network.set_network_enabled(active=was)


def test_transformation_never_needs_the_network():
    pipeline = osgrid._PIPELINE
    assert "http" not in pipeline and "proj=pipeline" in pipeline
    if osgrid._ostn15_file() is None:  # no local OSTN15: the Helmert, with no grid at all
        assert "+grids=" not in pipeline and "+proj=helmert +x=446.448" in pipeline
        assert DATUM_TRANSFORM.startswith("OSGB36 to WGS 84 (6)")
    else:
        assert f"+grids={osgrid._ostn15_file()}" in pipeline and DATUM_TRANSFORM.startswith("OSTN15")


def test_projection_matches_the_os_worked_example():
    # independent of our code: confirms the EPSG:27700 definition pyproj carries
    e, n = Transformer.from_crs("EPSG:4277", "EPSG:27700", always_xy=True).transform(
        CAISTER_OSGB36[1], CAISTER_OSGB36[0]
    )
    assert (e, n) == pytest.approx(CAISTER_EN, abs=0.001)
    # the National Grid's true origin 49 N 2 W is at E 400 000, N -100 000 (false origin offset)
    e, n = Transformer.from_crs("EPSG:4277", "EPSG:27700", always_xy=True).transform(-2.0, 49.0)
    assert (e, n) == pytest.approx((400_000, -100_000), abs=0.001)


def test_caister_water_tower():
    fix = parse_grid_reference("TG 51409 13177")
    assert fix.details["easting"] == 651409.5 and fix.details["northing"] == 313177.5
    assert haversine_m(fix.latitude, fix.longitude, *CAISTER_ETRS89) < 5.0
    lat, lon = grid_to_wgs84(*CAISTER_EN)
    assert to_grid_reference(lat, lon) == "TG 51409 13177"
    assert to_grid_reference(lat, lon, 6) == "TG 514 131"


def test_trafalgar_square_example():
    fix = parse_grid_reference("TQ 30080 80190")
    assert fix.source == "os_grid"
    assert fix.label == "TQ 30080 80190"
    assert fix.uncertainty_m == pytest.approx(math.sqrt(2) / 2)
    # within 5 m of pyproj's own choice of transformation (no network: Helmert, or OSTN15 if local)
    lon, lat = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True).transform(530080.5, 180190.5)
    assert haversine_m(fix.latitude, fix.longitude, lat, lon) < 5.0
    # and back again to the same square
    assert to_grid_reference(fix.latitude, fix.longitude) == "TQ 30080 80190"
    # NB: this reference is ~266 m SSE of the square's well-known coordinate (51.5080, -0.1281),
    # by the Embankment end of Charing Cross, not the ~50 m the brief supposed. Check "near".
    assert haversine_m(fix.latitude, fix.longitude, *TRAFALGAR_SQUARE) < 300
    # Trafalgar Square itself (6-figure TQ 299 804) is within ~60 m of that coordinate.
    square = parse_grid_reference("TQ 299 804")
    assert haversine_m(square.latitude, square.longitude, *TRAFALGAR_SQUARE) < 75
    assert square.uncertainty_m == pytest.approx(50 * math.sqrt(2))


@pytest.mark.parametrize(
    ("text", "easting", "northing", "square", "label"),
    [
        ("TQ 30080 80190", 530080.5, 180190.5, 1, "TQ 30080 80190"),
        ("TQ3008080190", 530080.5, 180190.5, 1, "TQ 30080 80190"),
        ("  tq 3008 8019 ", 530085.0, 180195.0, 10, "TQ 3008 8019"),
        ("TQ 300 801", 530050.0, 180150.0, 100, "TQ 300 801"),
        ("TQ300801", 530050.0, 180150.0, 100, "TQ 300 801"),
        ("TQ 30 80", 530500.0, 180500.0, 1_000, "TQ 30 80"),
        ("TQ38", 535_000.0, 185_000.0, 10_000, "TQ 3 8"),
        ("TQ", 550_000.0, 150_000.0, 100_000, "TQ"),
        ("SV 00 00", 500.0, 500.0, 1_000, "SV 00 00"),  # the false origin's square
        ("HP 40000 12000", 440_000.5, 1_212_000.5, 1, "HP 40000 12000"),  # Shetland
        ("NS 59 65", 259_500.0, 665_500.0, 1_000, "NS 59 65"),  # Glasgow
        ("TA 09 28", 509_500.0, 428_500.0, 1_000, "TA 09 28"),  # Hull
        ("SP 75 60", 475_500.0, 260_500.0, 1_000, "SP 75 60"),  # Northampton, the demo county
    ],
)
def test_forms_and_squares(text, easting, northing, square, label):
    fix = parse_grid_reference(text)
    assert (fix.details["easting"], fix.details["northing"], fix.details["square_m"]) == (easting, northing, square)
    assert fix.label == label
    assert fix.uncertainty_m == pytest.approx(square * math.sqrt(2) / 2)
    assert fix.details["datum_transform"] == DATUM_TRANSFORM
    lat, lon = grid_to_wgs84(easting, northing)
    assert (fix.latitude, fix.longitude) == (lat, lon)


def test_northampton_is_where_the_demo_county_is():
    fix = parse_grid_reference("SP 75 60")
    assert haversine_m(fix.latitude, fix.longitude, 52.24, -0.89) < 3_000


@pytest.mark.parametrize(
    ("text", "easting", "northing", "uncertainty"),
    [
        ("530080, 180190", 530080.0, 180190.0, math.sqrt(2) / 2),
        ("530080 180190", 530080.0, 180190.0, math.sqrt(2) / 2),
        ("530080,180190", 530080.0, 180190.0, math.sqrt(2) / 2),
        ("530080.25, 180190.5", 530080.25, 180190.5, 0.01 * math.sqrt(2) / 2),
        ("0, 0", 0.0, 0.0, math.sqrt(2) / 2),
        ("699999, 1299999", 699999.0, 1299999.0, math.sqrt(2) / 2),
    ],
)
def test_numeric_eastings_northings(text, easting, northing, uncertainty):
    fix = parse_grid_reference(text)
    assert (fix.details["easting"], fix.details["northing"]) == (easting, northing)
    assert fix.uncertainty_m == pytest.approx(uncertainty)
    assert (fix.latitude, fix.longitude) == grid_to_wgs84(easting, northing)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "TQ 3008 801",  # unequal halves
        "TQ 30080 8019",
        "TQ300801 9",
        "TQ 30080801901",  # odd
        "TQ 123",  # odd
        "TQ 300801 300801",  # 12 digits
        "TQ300800801900",
        "TI 300 801",  # no I
        "IQ 300 801",
        "JA 100 100",  # beyond 700 km east
        "TC 100 100",  # TC is east of 700 km
        "ZZ 100 100",  # south/west of the false origin
        "AA 100 100",
        "HF 100 100",  # north of 1300 km? HF is 1300-1400 km north
        "TQ 30 80 19",
        "T 300 801",
        "TQQ 300 801",
        "TQ -300 801",
        "700000, 100000",
        "100000, 1300000",
        "-5, 100",
        "530080; 180190",
        "TQ ３００ ８０１",  # full-width digits
        "TQ 30080 80190" * 5,
        "Trafalgar Square",
    ],
)
def test_invalid(text):
    with pytest.raises(LocationError) as err:
        parse_grid_reference(text)
    assert err.value.field == "grid_reference"


@pytest.mark.parametrize("value", [None, 42, b"TQ 300 801"])
def test_not_text(value):
    with pytest.raises(LocationError):
        parse_grid_reference(value)


@pytest.mark.parametrize(
    ("lat", "lon"),
    [(48.0, -2.0), (40.0, 0.0), (62.0, -1.0), (52.0, 5.0), (0.0, 0.0), (float("nan"), 0.0), (91.0, 0.0), ("x", 0.0)],
)
def test_to_grid_reference_outside(lat, lon):
    with pytest.raises(LocationError) as err:
        to_grid_reference(lat, lon)
    assert err.value.field == "grid_reference"


@pytest.mark.parametrize("digits", [1, 3, 11, 12, -2, 2.0, True])
def test_to_grid_reference_bad_digits(digits):
    with pytest.raises(LocationError):
        to_grid_reference(52.25, -0.9, digits)


@pytest.mark.parametrize(
    ("digits", "expected"),
    [(0, "SP"), (2, "SP 7 6"), (4, "SP 75 60"), (6, "SP 755 604"), (8, "SP 7550 6040"), (10, "SP 75500 60400")],
)
def test_to_grid_reference_truncates(digits, expected):
    lat, lon = grid_to_wgs84(475_500.3, 260_400.7)
    assert to_grid_reference(lat, lon, digits) == expected


grid_points = st.tuples(
    st.floats(min_value=0, max_value=GRID_MAX_E - 1e-3), st.floats(min_value=0, max_value=GRID_MAX_N - 1e-3)
)


@settings(max_examples=300, deadline=None)
@given(grid_points, st.sampled_from([0, 2, 4, 6, 8, 10]))
def test_round_trip_lands_in_the_square(point, digits):
    lat, lon = grid_to_wgs84(*point)
    e, n = wgs84_to_grid(lat, lon)
    # clear of square edges by more than the transform's round-trip noise (~1 mm at the far corners)
    size = 10 ** (5 - digits // 2)
    if min(e % size, size - e % size, n % size, size - n % size) < 0.01:
        return
    ref = to_grid_reference(lat, lon, digits)
    fix = parse_grid_reference(ref)
    assert fix.details["square_m"] == size
    assert abs(fix.details["easting"] - e) <= size / 2 and abs(fix.details["northing"] - n) <= size / 2
    assert haversine_m(fix.latitude, fix.longitude, lat, lon) <= fix.uncertainty_m * 1.01 + 0.01


@settings(max_examples=300, deadline=None)
@given(grid_points)
def test_grid_round_trip_is_exact_to_a_centimetre(point):
    e, n = wgs84_to_grid(*grid_to_wgs84(*point))
    assert (e, n) == pytest.approx(point, abs=0.01)


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=40))
def test_arbitrary_text_gives_fix_or_location_error(text):
    try:
        fix = parse_grid_reference(text)
    except LocationError as err:
        assert err.field == "grid_reference"
        return
    assert isinstance(fix, Fix)
    assert math.isfinite(fix.latitude) and math.isfinite(fix.longitude)


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZtq0123456789 ,.-", max_size=20))
def test_grid_like_text_gives_fix_or_location_error(text):
    try:
        fix = parse_grid_reference(text)
    except LocationError as err:
        assert err.field == "grid_reference"
        return
    assert 49 < fix.latitude < 62 and -10 < fix.longitude < 4
