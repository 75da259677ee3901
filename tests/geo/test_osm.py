"""Reading OSM extracts: the same small map written as XML by hand and by pyosmium's writer."""

from __future__ import annotations

import math
from pathlib import Path
from xml.sax.saxutils import quoteattr

import osmium
import pytest
from hypothesis import given
from hypothesis import strategies as st

from demandhub.geo.osm import (
    MPH_KPH,
    ImportSummary,
    RoadImportError,
    parse_maxspeed,
    parse_oneway,
    read_osm,
)
from demandhub.geo.roaddata import RoadData, Way

# id -> (lat, lon); node 4 is only on the footway, node 999 is referenced but never defined.
NODES = {n: (52.25 + n * 0.001, -0.90 + n * 0.0005) for n in range(1, 21)}

# (way id, node ids, tags)
WAYS: list[tuple[int, list[int], dict[str, str]]] = [
    (101, [1, 2, 3], {"highway": "primary", "name": "High Street", "ref": "A508", "maxspeed": "30 mph"}),
    (102, [3, 4], {"highway": "footway", "name": "Footpath"}),
    (103, [3, 5], {"highway": "residential", "name": "One Way Yes", "oneway": "yes"}),
    (104, [5, 6], {"highway": "residential", "name": "One Way Minus", "oneway": "-1"}),
    (105, [6, 7, 8, 6], {"highway": "tertiary", "name": "Roundabout", "junction": "roundabout"}),
    (106, [8, 9], {"highway": "motorway", "ref": "M1", "maxspeed": "GB:motorway"}),
    (107, [9, 10], {"highway": "motorway", "name": "Two Way Motorway", "oneway": "no"}),
    (108, [10, 11], {"highway": "trunk", "ref": "A43", "maxspeed": "GB:nsl_dual"}),
    (109, [11, 999], {"highway": "residential", "name": "Clipped Road"}),
    (110, [11, 12, 13, 11], {"highway": "service", "name": "Car Park", "area": "yes"}),
    (111, [12, 13], {"highway": "residential", "name": "Filtered", "motor_vehicle": "no"}),
    (112, [13, 14], {"highway": "service", "name": "Private Drive", "access": "private"}),
    (113, [14, 15], {"highway": "unclassified", "name": "Tidal Flow", "oneway": "reversible"}),
    (114, [15, 16], {"highway": "cycleway", "name": "Cycle Path"}),
    (115, [16, 17], {"building": "yes"}),
    (116, [15, 17], {"highway": "living_street", "name": "Mews", "oneway": "reverse"}),
    (117, [17, 18], {"highway": "residential", "name": "Bus Gate", "vehicle": "no", "motor_vehicle": "yes"}),
    (118, [18, 18, 19], {"highway": "service", "name": "Doubled Node"}),
    (119, [19, 20], {"highway": "secondary", "name": "Circular", "junction": "circular", "maxspeed": "50;30"}),
]

KEPT = {
    "High Street", "One Way Yes", "One Way Minus", "Roundabout", "M1", "Two Way Motorway",
    "A43", "Private Drive", "Tidal Flow", "Mews", "Bus Gate", "Doubled Node", "Circular",
}  # fmt: skip


def osm_xml(nodes: dict[int, tuple[float, float]], ways) -> str:
    lines = ["<?xml version='1.0' encoding='UTF-8'?>", '<osm version="0.6" generator="test">']
    lines += [f'  <node id="{n}" lat="{lat:.7f}" lon="{lon:.7f}"/>' for n, (lat, lon) in nodes.items()]
    for way_id, refs, tags in ways:
        lines.append(f'  <way id="{way_id}">')
        lines += [f'    <nd ref="{ref}"/>' for ref in refs]
        lines += [f"    <tag k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in tags.items()]
        lines.append("  </way>")
    lines.append("</osm>")
    return "\n".join(lines) + "\n"


def write_with_pyosmium(path: Path, nodes, ways) -> Path:
    with osmium.SimpleWriter(str(path)) as writer:
        for n, (lat, lon) in nodes.items():
            writer.add_node(osmium.osm.mutable.Node(id=n, version=1, location=(lon, lat)))
        for way_id, refs, tags in ways:
            writer.add_way(osmium.osm.mutable.Way(id=way_id, version=1, nodes=refs, tags=tags))
    return path


@pytest.fixture(params=["xml-by-hand", "osm.pbf", "osm.bz2"])
def sample(request, tmp_path) -> Path:
    if request.param == "xml-by-hand":
        path = tmp_path / "sample.osm"
        path.write_text(osm_xml(NODES, WAYS), encoding="utf-8")
        return path
    return write_with_pyosmium(tmp_path / f"sample.{request.param}", NODES, WAYS)


def by_name(data: RoadData) -> dict[str, Way]:
    return {way.name: way for way in data.ways}


def test_keeps_only_roads_a_police_car_can_drive(sample):
    data, summary = read_osm(sample)
    assert set(by_name(data)) == KEPT
    assert summary == ImportSummary(
        ways_kept=len(KEPT),
        ways_skipped_by_class=2,
        ways_skipped_by_tag=2,  # area=yes car park, motor_vehicle=no filter
        ways_missing_nodes=1,
        nodes=len(data.nodes),
        skipped_highways={"footway": 1, "cycleway": 1},
    )
    assert summary.ways_skipped == 5


def test_returns_only_nodes_of_kept_ways_with_their_coordinates(sample):
    data, _ = read_osm(sample)
    used = {ref for way in data.ways for ref in way.nodes}
    assert set(data.nodes) == used
    assert 4 not in data.nodes  # only on the footway
    assert 999 not in data.nodes
    for ref, (lat, lon) in data.nodes.items():
        assert lat == pytest.approx(NODES[ref][0], abs=1e-7)
        assert lon == pytest.approx(NODES[ref][1], abs=1e-7)


def test_way_attributes(sample):
    ways = by_name(read_osm(sample)[0])
    assert ways["High Street"] == Way((1, 2, 3), "primary", 0, 30 * MPH_KPH, "High Street")
    assert ways["One Way Yes"].oneway == 1
    assert ways["One Way Minus"].oneway == -1
    assert ways["Mews"].oneway == -1
    assert ways["Roundabout"].oneway == 1  # implied by junction=roundabout
    assert ways["Roundabout"].nodes == (6, 7, 8, 6)
    assert ways["Circular"].oneway == 1
    assert ways["Circular"].maxspeed_kph == 30
    assert ways["M1"].oneway == 1  # implied by highway=motorway
    assert ways["M1"].maxspeed_kph == pytest.approx(70 * MPH_KPH)
    assert ways["Two Way Motorway"].oneway == 0
    assert ways["A43"].highway == "trunk"
    assert ways["Tidal Flow"].oneway == 0
    assert ways["Private Drive"].highway == "service"
    assert ways["Doubled Node"].nodes == (18, 19)
    assert ways["Tidal Flow"].maxspeed_kph is None


def test_pbf_and_xml_give_the_same_network(tmp_path):
    xml = tmp_path / "a.osm"
    xml.write_text(osm_xml(NODES, WAYS), encoding="utf-8")
    pbf = write_with_pyosmium(tmp_path / "a.osm.pbf", NODES, WAYS)
    assert read_osm(xml) == read_osm(pbf)


def test_objects_in_any_order_and_negative_ids(tmp_path):
    # Editors save new objects with negative ids, and nothing forces nodes to come first.
    text = """<?xml version="1.0"?><osm version="0.6">
      <way id="-10"><nd ref="-1"/><nd ref="-2"/><tag k="highway" v="residential"/></way>
      <node id="-1" lat="52.1" lon="-0.9"/><node id="-2" lat="52.2" lon="-0.8"/>
    </osm>"""
    path = tmp_path / "josm.osm"
    path.write_text(text)
    data, summary = read_osm(path)
    assert data.nodes == {-1: (52.1, -0.9), -2: (52.2, -0.8)}
    assert data.ways == [Way((-1, -2), "residential")]
    assert summary.nodes == 2


def test_accepts_str_paths(tmp_path):
    path = tmp_path / "a.osm"
    path.write_text(osm_xml(NODES, WAYS), encoding="utf-8")
    assert read_osm(str(path))[1].ways_kept == len(KEPT)


def _plain(error: pytest.ExceptionInfo) -> str:
    message = str(error.value)
    assert "Traceback" not in message and "\n" not in message
    return message


def test_missing_file(tmp_path):
    with pytest.raises(RoadImportError) as error:
        read_osm(tmp_path / "nowhere.osm.pbf")
    assert "no such file" in _plain(error)


def test_directory_is_not_a_file(tmp_path):
    with pytest.raises(RoadImportError) as error:
        read_osm(tmp_path)
    assert "not a file" in _plain(error)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("notes.osm", b"this is not xml"),
        ("page.osm", b"<html><body>404</body></html>"),
        ("broken.osm.pbf", b"definitely not a protobuf blob"),
        ("zero.osm", b""),
        ("roads.txt", b"<osm version='0.6'/>"),
        ("roads.json", b"{}"),
    ],
)
def test_files_that_are_not_osm(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(RoadImportError) as error:
        read_osm(path)
    assert "could not be read as OpenStreetMap data" in _plain(error)
    assert name in str(error.value)
    assert isinstance(error.value, ValueError)


def test_file_without_drivable_roads(tmp_path):
    path = tmp_path / "paths.osm"
    path.write_text(osm_xml(NODES, [w for w in WAYS if w[2].get("highway") in ("footway", "cycleway")]))
    with pytest.raises(RoadImportError) as error:
        read_osm(path)
    assert "no drivable roads" in _plain(error)


def test_empty_osm_document(tmp_path):
    path = tmp_path / "empty.osm"
    path.write_text('<?xml version="1.0"?><osm version="0.6"></osm>')
    with pytest.raises(RoadImportError, match="no drivable roads"):
        read_osm(path)


def test_roads_whose_nodes_are_all_missing(tmp_path):
    path = tmp_path / "clipped.osm.pbf"
    write_with_pyosmium(path, {1: (52.0, -1.0)}, [(1, [1, 2], {"highway": "primary"})])
    with pytest.raises(RoadImportError, match="no drivable roads with all their nodes"):
        read_osm(path)


@pytest.mark.parametrize(
    ("value", "kph"),
    [
        ("50", 50),
        ("50 km/h", 50),
        ("50km/h", 50),
        ("50 kph", 50),
        ("7.5", 7.5),
        ("30 mph", 30 * MPH_KPH),
        ("30mph", 30 * MPH_KPH),
        ("30 MPH", 30 * MPH_KPH),
        (" 40 mph ", 40 * MPH_KPH),
        ("10 knots", 18.52),
        ("GB:nsl_single", 60 * MPH_KPH),
        ("GB:nsl_dual", 70 * MPH_KPH),
        ("GB:motorway", 70 * MPH_KPH),
        ("UK:nsl_single", 60 * MPH_KPH),
        ("GB:nsl_restricted", 30 * MPH_KPH),
        ("GB:zone20", 20 * MPH_KPH),
        ("GB:zone:20", 20 * MPH_KPH),
        ("GB:30 mph", 30 * MPH_KPH),
        ("GB:30", 30 * MPH_KPH),
        ("DE:zone30", 30),
        ("DE:zone:30", 30),
        ("50;30", 30),
        ("30 mph;40 mph", 30 * MPH_KPH),
        ("none;50", 50),
        ("none", None),
        ("signals", None),
        ("walk", None),
        ("variable", None),
        ("DE:urban", None),
        ("RU:rural", None),
        ("", None),
        ("0", None),
        ("-30", None),
        ("fast", None),
        ("50 furlongs", None),
        ("9999", None),
        ("9" * 400, None),
        ("nan", None),
        ("inf", None),
        ("١٠٠", None),  # Arabic-Indic digits are not OSM's
        ("12:30", None),
    ],
)
def test_parse_maxspeed(value, kph):
    if kph is None:
        assert parse_maxspeed(value) is None
    else:
        assert parse_maxspeed(value) == pytest.approx(kph)


@given(st.text())
def test_parse_maxspeed_never_raises_and_stays_plausible(value):
    kph = parse_maxspeed(value)
    assert kph is None or (math.isfinite(kph) and 0 < kph <= 300)


@given(st.lists(st.sampled_from(["30", "mph", " ", ";", ":", "GB", "zone", "5", ".", "km/h", "none"])).map("".join))
def test_parse_maxspeed_on_near_miss_values(value):
    kph = parse_maxspeed(value)
    assert kph is None or (math.isfinite(kph) and 0 < kph <= 300)


@pytest.mark.parametrize(
    ("highway", "oneway", "junction", "expected"),
    [
        ("residential", None, None, 0),
        ("residential", "yes", None, 1),
        ("residential", "true", None, 1),
        ("residential", "1", None, 1),
        ("residential", "YES", None, 1),
        ("residential", "-1", None, -1),
        ("residential", "reverse", None, -1),
        ("residential", "no", None, 0),
        ("residential", "false", None, 0),
        ("residential", "0", None, 0),
        ("residential", "reversible", None, 0),
        ("residential", "alternating", None, 0),
        ("motorway", None, None, 1),
        ("motorway", "no", None, 0),
        ("motorway", "-1", None, -1),
        ("motorway_link", None, None, 0),
        ("primary", None, "roundabout", 1),
        ("primary", None, "circular", 1),
        ("primary", "no", "roundabout", 0),
        ("primary", "maybe", "roundabout", 1),
        ("primary", "maybe", None, 0),
    ],
)
def test_parse_oneway(highway, oneway, junction, expected):
    assert parse_oneway(highway, oneway, junction) == expected
