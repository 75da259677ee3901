"""PIDF-LO: every published sample in tests/standards/pidf-lo/, hostile XML, fuzzing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from demandhub.geo.fix import LocationError
from demandhub.geo.pidf import PidfLocation, parse_pidf_lo
from tests.standards import STANDARDS  # noqa: E402

PIDF_DIR = STANDARDS / "pidf-lo"


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def geo(lat, lon, unc, shape, method=None, ts=None, **extra):
    return {
        "kind": "geo",
        "lat": lat,
        "lon": lon,
        "unc": unc,
        "shape": shape,
        "method": method,
        "ts": ts,
        **extra,
    }


def civic(fields, address, method=None, ts=None, **extra):
    return {
        "kind": "civic",
        "civic": fields,
        "address": address,
        "method": method,
        "ts": ts,
        **extra,
    }


# Read off each file by hand. Polygon/Prism/ArcBand centres and radii worked out on paper
# (trapezoid centroids; 111.195 km per degree of latitude, x cos(lat) for longitude).
EXPECTED = {
    "Ng911Lib/DeviceAndPerson.xml": [
        civic({"country": "US", "A1": "CA", "A3": "Simi Valley", "RD": "Stonebrook", "STS": "Street",
               "HNO": "311", "PC": "93065"},
              "311 Stonebrook Street, Simi Valley, CA, 93065, US", "802.11", utc(2015, 7, 9, 20, 57, 29),
              element="device"),
        geo(34.247493, -118.791885, 50, "Circle", "802.11", None, element="person"),
    ],
    "Ng911Lib/DeviceCircleDynamic1.xml": [
        geo(42.5463, -73.2512, 100, "Circle", "gps", utc(2009, 6, 22, 20, 57, 29), dynamic={"speed": "12"}),
    ],
    "Ng911Lib/DeviceCircleLocation.xml": [geo(41.760537, -88.261914, 50, "Circle", "802.11")],
    "Ng911Lib/DeviceCircleWithConfidence.xml": [
        geo(41.760537, -88.261914, 50, "Circle", "802.11", confidence=95),
    ],
    "Ng911Lib/DeviceCivicLocation.xml": [
        civic({"country": "US", "A1": "IL", "A2": "KANE", "A3": "AURORA", "PRD": "E", "RD": "NEW YORK",
               "STS": "ST", "HNO": "2106", "PCN": "AURORA"},
              "2106 E NEW YORK ST, AURORA, KANE, IL, US", "802.11", utc(2015, 7, 9, 20, 57, 29)),
    ],
    # dynamic data only: no position, no address, but reported so the handler sees it came
    "Ng911Lib/DeviceDynamicOnly1.xml": [
        {"kind": "none", "method": "gps", "ts": utc(2009, 6, 22, 20, 57, 29),
         "dynamic": {"orientation": "-3 12", "speed": "24", "heading": "278"}},
    ],
    "Ng911Lib/DevicePointLocation.xml": [geo(41.772035, -88.473291, None, "Point", "802.11")],
    "Ng911Lib/PersonDeviceCivicCircleLocation.xml": [
        civic({"country": "US", "A1": "CA", "A3": "Simi Valley", "RD": "Kay", "STS": "Ave", "HNO": "1657",
               "PC": "93063"},
              "1657 Kay Ave, Simi Valley, CA, 93063, US", "802.11", utc(2015, 7, 9, 20, 57, 29)),
        geo(34.268544, -118.666519, 50, "Circle", "802.11", None, element="person"),
    ],
    # centre -43.5723 153.2176; band 3594-4148 m, 20..40 deg: middle at 3871 m bearing 30 deg
    # -> 3352.4 m north, 1935.5 m east; farthest band corner (4148 m, 20 deg) 751 m away
    "Ng911Lib/RFC5491TupleArcBandLocation.xml": [
        geo(-43.5723 + 3352.4 / 111195, 153.2176 + 1935.5 / (111195 * 0.72423), 751, "ArcBand", "TA-NMR",
            utc(2007, 6, 22, 20, 57, 29)),
    ],
    "Ng911Lib/RFC5491TupleCircleLocation.xml": [geo(42.5463, -73.2512, 850.24, "Circle", "OTDOA")],
    "Ng911Lib/RFC5491TupleCivicLocation.xml": [
        civic({"country": "US", "A1": "New York", "A3": "New York", "A6": "Broadway", "HNO": "123",
               "LOC": "Suite 75", "PC": "10027-0401"},
              "Suite 75, 123 Broadway, New York, 10027-0401, US", None, utc(2003, 6, 22, 20, 57, 29)),
    ],
    "Ng911Lib/RFC5491TupleEllipseLocation.xml": [
        geo(42.5463, -73.2512, 1275, "Ellipse", "Device-Assisted_A-GPS", utc(2007, 6, 22, 20, 57, 29)),
    ],
    "Ng911Lib/RFC5491TupleEllipsoidLocation.xml": [
        geo(42.5463, -73.2512, 7.7156, "Ellipsoid", "Hybrid_A-GPS", utc(2007, 6, 22, 20, 57, 29), altitude=26.3),
    ],
    # old GML 3.0 form: 37:46:30N 122:25:10W -> 37.775, -(122 + 25/60 + 10/3600)
    "Ng911Lib/RFC5491TuplePointLocation.xml": [
        geo(37.775, -122.4194444, None, "Point", None, utc(2003, 6, 22, 20, 57, 29)),
    ],
    # hexagon: trapezoids 43.111-43.311 (0.1->0.3 wide) and 43.311-43.411 (0.3->0.1) ->
    # centroid lat 43.26933, lon -73.272; farthest vertex E/F at 18.07 km
    "Ng911Lib/RFC5491TuplePolygonCompactLocation.xml": [
        geo(43.26933, -73.272, 18065, "Polygon", "Wiremap", utc(2007, 6, 22, 20, 57, 29)),
    ],
    "Ng911Lib/RFC5491TuplePolygonLocation.xml": [
        geo(43.26933, -73.272, 18065, "Polygon", "Wiremap", utc(2007, 6, 22, 20, 57, 29)),
    ],
    # square 0.1 x 0.1 deg: centre of the base, half diagonal (5560 m N, 4092 m E) = 6903 m
    "Ng911Lib/RFC5491TuplePrismLocation.xml": [
        geo(42.606844, -73.298157, 6903, "Prism", "Wiremap", utc(2007, 6, 22, 20, 57, 29), altitude=36.6),
    ],
    "Ng911Lib/RFC5491TupleSphereLocation.xml": [
        geo(42.5463, -73.2512, 850.24, "Sphere", "Device-Based_A-GPS", altitude=26.3),
    ],
    "Ng911Lib/RFC6848CivicExtendedExample1.xml": [
        civic({"country": "UK", "A1": "Devon", "A3": "Monkokehampton", "RD": "Deckport", "STS": "Cross",
               "bridge": "21451338"},
              "Deckport Cross, Monkokehampton, Devon, UK", None, utc(2003, 6, 22, 20, 57, 29)),
    ],
    "Ng911Lib/RFC6848Figure7Example.xml": [
        civic({"country": "US", "A1": "CA", "A2": "Sacramento", "RD": "I5", "MP": "248", "PN": "22-109-689"},
              "I5, milepost 248, post 22-109-689, Sacramento, CA, US", None, utc(2003, 6, 22, 20, 57, 29)),
    ],
    "Ng911Lib/RFC6848Figure8Example.xml": [
        civic({"country": "US", "A1": "CA", "A2": "Sacramento", "RD": "Colorado", "HNO": "223",
               "STP": "Boulevard", "HNP": "A"},
              "A 223 Boulevard Colorado, Sacramento, CA, US", None, utc(2003, 6, 22, 20, 57, 29)),
    ],
    "Ng911Lib/RFC6848Section3.4Example.xml": [
        civic({"country": "US", "A1": "CA", "lamp": "2471", "pylon": "AQ-374-4(c)", "airport": "LAX",
               "terminal": "Tom Bradley", "concourse": "G", "gate": "36B"},
              "CA, US", None, utc(2003, 6, 22, 20, 57, 29)),
    ],
    "Ng911Lib/XMLFile1.xml": "xml",  # only an XML declaration: no document
    "Ng911Lib/XMLFile2.xml": "xml",
    "EIDO_sample_locationByValue.xml": [
        civic({"country": "US", "A1": "DE", "A3": "Wilmington", "PRD": "W", "RD": "Cellular", "STS": "Street",
               "HNO": "42"},
              "42 W Cellular Street, Wilmington, DE, US", "Manual", None,
              provided_by={"DataProviderString": "Diamond State Exemplar",
                           "ProviderID": "urn:nena:companyid:diamond",
                           "ContactURI": "tel:+1-302-555-0000"}),
    ],
}  # fmt: skip


def test_every_sample_file_has_a_case():
    found = {p.relative_to(PIDF_DIR).as_posix() for p in PIDF_DIR.rglob("*.xml")}
    assert found == set(EXPECTED)


def _check(loc: PidfLocation, want: dict):
    assert loc.method == want["method"]
    assert loc.timestamp == want["ts"]
    assert loc.dynamic == want.get("dynamic", {})
    if "element" in want:
        assert loc.element == want["element"]
    if want["kind"] == "geo":
        fix = loc.fix
        assert fix is not None and loc.civic is None
        assert fix.source == "pidf_lo"
        assert loc.shape == want["shape"] == fix.label
        assert fix.latitude == pytest.approx(want["lat"], abs=2e-4)
        assert fix.longitude == pytest.approx(want["lon"], abs=2e-4)
        if want["unc"] is None:
            assert fix.uncertainty_m is None
        else:
            assert fix.uncertainty_m == pytest.approx(want["unc"], rel=0.01)
        assert fix.observed_at == want["ts"]
        assert loc.confidence == want.get("confidence") == fix.details["confidence"]
        if "altitude" in want:
            assert fix.details["altitude_m"] == pytest.approx(want["altitude"])
    elif want["kind"] == "civic":
        assert loc.fix is None
        assert loc.civic == want["civic"]
        assert loc.address == want["address"]
        for key, value in want.get("provided_by", {}).items():
            assert loc.provided_by[key] == value
    else:
        assert loc.fix is None and loc.civic is None


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_sample_file(name):
    raw = (PIDF_DIR / name).read_bytes()
    want = EXPECTED[name]
    if isinstance(want, str):
        for doc in (raw, raw.decode("utf-8-sig")):
            with pytest.raises(LocationError) as caught:
                parse_pidf_lo(doc)
            assert caught.value.field == want
        return
    got = parse_pidf_lo(raw)
    assert len(got) == len(want)
    for loc, expected in zip(got, want):
        _check(loc, expected)
    assert (
        parse_pidf_lo(raw.decode("utf-8")) == got
    )  # text in, same answer (BOM included)


# --- hostile and malformed documents

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE presence [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<presence xmlns="urn:ietf:params:xml:ns:pidf"><tuple id="a"><note>&xxe;</note></tuple></presence>"""

LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<presence xmlns="urn:ietf:params:xml:ns:pidf">&lol4;</presence>"""

DTD_ONLY = b'<!DOCTYPE presence SYSTEM "http://evil.example/x.dtd"><presence xmlns="urn:ietf:params:xml:ns:pidf"/>'


@pytest.mark.parametrize(
    "doc", [XXE, LAUGHS, DTD_ONLY], ids=["xxe", "billion-laughs", "external-dtd"]
)
def test_hostile_xml_is_refused(doc):
    with pytest.raises(LocationError) as caught:
        parse_pidf_lo(doc)
    assert caught.value.field == "xml"


HEAD = (
    '<presence xmlns="urn:ietf:params:xml:ns:pidf" xmlns:gp="urn:ietf:params:xml:ns:pidf:geopriv10" '
    'xmlns:gml="http://www.opengis.net/gml" xmlns:gs="http://www.opengis.net/pidflo/1.0" '
    'xmlns:gml30="urn:opengis:specification:gml:schema-xsd:feature:v3.0">'
    '<tuple id="t"><status><gp:geopriv><gp:location-info>'
)
TAIL = "</gp:location-info></gp:geopriv></status>{ts}</tuple></presence>"


def doc(shape: str, ts: str = "") -> str:
    return HEAD + shape + TAIL.format(ts=ts)


@pytest.mark.parametrize(
    ("shape", "ts", "field"),
    [
        ('<gml:Point srsName="urn:ogc:def:crs:EPSG::27700"><gml:pos>1 2</gml:pos></gml:Point>', "", "srsName"),
        ("<gml:Point><gml:pos>1 2</gml:pos></gml:Point>", "", "srsName"),
        ('<gml:Point srsName="urn:ogc:def:crs:EPSG::4326"><gml:pos>91 2</gml:pos></gml:Point>', "", "pos"),
        ('<gml:Point srsName="urn:ogc:def:crs:EPSG::4326"><gml:pos>1 2 3</gml:pos></gml:Point>', "", "pos"),
        ('<gml:Point srsName="urn:ogc:def:crs:EPSG::4326"><gml:pos>1 nan</gml:pos></gml:Point>', "", "pos"),
        (('<gs:Circle srsName="urn:ogc:def:crs:EPSG::4326"><gml:pos>1 2</gml:pos>'
         '<gs:radius uom="urn:ogc:def:uom:EPSG::9002">5</gs:radius></gs:Circle>'), "", "uom"),
        ('<gs:Circle srsName="urn:ogc:def:crs:EPSG::4326"><gml:pos>1 2</gml:pos></gs:Circle>', "", "radius"),
        (('<gml30:location><gml30:Point srsName="epsg:4326"><gml30:coordinates>37.775,-122.42'
         "</gml30:coordinates></gml30:Point></gml30:location>"), "", "coordinates"),
        ('<gml:Point srsName="urn:ogc:def:crs:EPSG::4326"><gml:pos>1 2</gml:pos></gml:Point>',
         "<timestamp>yesterday</timestamp>", "timestamp"),
        (('<gml:Polygon srsName="urn:ogc:def:crs:EPSG::4326"><gml:exterior><gml:LinearRing>'
         "<gml:posList>1 1 2 2 1 1</gml:posList></gml:LinearRing></gml:exterior></gml:Polygon>"), "", "Polygon"),
    ],
)  # fmt: skip
def test_bad_shapes(shape, ts, field):
    with pytest.raises(LocationError) as caught:
        parse_pidf_lo(doc(shape, ts))
    assert caught.value.field == field


def test_not_a_presence_document():
    with pytest.raises(LocationError) as caught:
        parse_pidf_lo("<html/>")
    assert caught.value.field == "presence"


def test_timestamp_with_offset_becomes_utc():
    point = '<gml:Point srsName="urn:ogc:def:crs:EPSG::4326"><gml:pos>51.5 -0.1</gml:pos></gml:Point>'
    (loc,) = parse_pidf_lo(
        doc(point, "<timestamp>2021-12-10T16:00:00-04:00</timestamp>")
    )
    assert loc.fix.observed_at == utc(2021, 12, 10, 20, 0, 0)
    assert (loc.fix.latitude, loc.fix.longitude) == (51.5, -0.1)  # lat lon order


def test_polygon_across_the_antimeridian():
    poly = ('<gml:Polygon srsName="urn:ogc:def:crs:EPSG::4326"><gml:exterior><gml:LinearRing><gml:posList>'
            "-17 179.9 -17 -179.9 -17.1 -179.9 -17.1 179.9 -17 179.9"
            "</gml:posList></gml:LinearRing></gml:exterior></gml:Polygon>")  # fmt: skip
    (loc,) = parse_pidf_lo(doc(poly))
    assert loc.fix.latitude == pytest.approx(-17.05)
    assert abs(loc.fix.longitude) == pytest.approx(180, abs=1e-6)
    assert loc.fix.uncertainty_m < 15_000


# --- fuzzing: a result or a LocationError, never anything else

FUZZ = settings(deadline=None, max_examples=150)


def _safely(data):
    try:
        result = parse_pidf_lo(data)
    except LocationError as exc:
        assert exc.field
        return
    assert all(isinstance(loc, PidfLocation) for loc in result)


@FUZZ
@given(st.binary(max_size=400))
def test_fuzz_arbitrary_bytes(data):
    _safely(data)


@FUZZ
@given(st.text(max_size=300))
def test_fuzz_arbitrary_text(data):
    _safely(data)


_SAMPLES = sorted(PIDF_DIR.rglob("*.xml")) if PIDF_DIR.is_dir() else []


@FUZZ
@given(st.data())
def test_fuzz_mutated_samples(data):
    raw = data.draw(st.sampled_from(_SAMPLES)).read_bytes()
    pos = data.draw(st.integers(0, len(raw)))
    cut = data.draw(st.integers(0, 8))
    insert = data.draw(
        st.binary(max_size=8)
        | st.sampled_from([b"<", b">", b"-", b"99999", b"e308", b" ", b"&amp;"])
    )
    _safely(raw[:pos] + insert + raw[pos + cut :])


_NUMBER = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(-1000, 1000).map(str),
    st.sampled_from(["", "-", "1e400", "0x10", "١٢"]),
)


@FUZZ
@given(st.sampled_from(["Point", "Circle", "Sphere", "Ellipse", "ArcBand", "Polygon", "Prism", "Bogus"]),
       st.lists(_NUMBER, max_size=8), st.sampled_from(["urn:ogc:def:crs:EPSG::4326", "urn:ogc:def:crs:EPSG::4979"]))  # fmt: skip
def test_fuzz_shapes_with_odd_numbers(shape, numbers, srs):
    n = (numbers + ["1"] * 8)[:8]
    ns = "gml" if shape in ("Point", "Polygon") else "gs"
    inner = (
        f"<gml:pos>{n[0]} {n[1]}</gml:pos><gs:radius>{n[2]}</gs:radius>"
        f"<gs:semiMajorAxis>{n[3]}</gs:semiMajorAxis><gs:semiMinorAxis>{n[4]}</gs:semiMinorAxis>"
        f"<gs:orientation>{n[5]}</gs:orientation><gs:innerRadius>{n[2]}</gs:innerRadius>"
        f"<gs:outerRadius>{n[3]}</gs:outerRadius><gs:startAngle>{n[6]}</gs:startAngle>"
        f"<gs:openingAngle>{n[7]}</gs:openingAngle><gs:height>{n[4]}</gs:height>"
        f"<gml:exterior><gml:LinearRing><gml:posList>{' '.join(n)}</gml:posList></gml:LinearRing></gml:exterior>"
        f"<gs:base><gml:Polygon><gml:exterior><gml:LinearRing><gml:posList>{' '.join(n)} {n[0]} {n[1]} {n[2]}"
        "</gml:posList></gml:LinearRing></gml:exterior></gml:Polygon></gs:base>"
    )
    _safely(doc(f'<{ns}:{shape} srsName="{srs}">{inner}</{ns}:{shape}>'))
