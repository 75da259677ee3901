"""Demoshire, the generated county: deterministic, connected, plausibly shaped, and readable
by the same importer as a real extract."""

from __future__ import annotations

import itertools
import re
import time

import networkx as nx
import pytest
from shapely import prepared
from shapely.geometry import LinearRing, LineString, Point, shape

from demandhub.geo.county import (
    COUNTY_NAME,
    generate_county_areas,
    generate_county_data,
    town_centres,
    write_osm_xml,
)
from demandhub.geo.osm import DRIVABLE, MPH_KPH, read_osm
from demandhub.geo.roaddata import RoadData, Way


@pytest.fixture(scope="module")
def county() -> RoadData:
    return generate_county_data()


@pytest.fixture(scope="module")
def areas() -> dict:
    return generate_county_areas()


def undirected(data: RoadData) -> nx.Graph:
    graph = nx.Graph()
    for way in data.ways:
        nx.add_path(graph, way.nodes)
    return graph


def directed(data: RoadData) -> nx.DiGraph:
    graph = nx.DiGraph()
    for way in data.ways:
        if way.oneway >= 0:
            nx.add_path(graph, way.nodes)
        if way.oneway <= 0:
            nx.add_path(graph, way.nodes[::-1])
    return graph


def test_same_seed_same_county():
    assert generate_county_data(3) == generate_county_data(3)
    assert generate_county_areas(3) == generate_county_areas(3)
    assert town_centres(3) == town_centres(3)


def test_different_seed_different_county(county):
    other = generate_county_data(8)
    assert other.nodes != county.nodes
    assert town_centres(8) != town_centres(7)


def test_default_demo_is_small(county):
    started = time.perf_counter()
    generate_county_data()
    assert time.perf_counter() - started < 2  # measured ~0.1 s
    assert 5_000 <= len(county.nodes) <= 20_000  # 6,118 nodes and 1,003 ways for seed 7


def test_benchmark_setting_reaches_200k_nodes():
    # Measured: 279,074 nodes, 41,790 ways, 1.2-2.4 s to generate (under 3 s, so it runs here).
    assert len(generate_county_data(towns=120, town_scale=3).nodes) >= 200_000


def test_ways_are_well_formed(county):
    used = set()
    for way in county.ways:
        assert len(way.nodes) >= 2
        assert all(a != b for a, b in zip(way.nodes, way.nodes[1:]))
        assert way.highway in DRIVABLE
        assert way.oneway in (0, 1)
        assert way.name
        assert way.maxspeed_kph is None or 30 <= way.maxspeed_kph <= 115
        used.update(way.nodes)
    assert used == set(county.nodes)  # no stray nodes, no dangling references
    for lat, lon in county.nodes.values():
        assert 51.8 < lat < 52.7 and -1.6 < lon < -0.2


def test_road_hierarchy(county):
    by_class: dict[str, list[Way]] = {}
    for way in county.ways:
        by_class.setdefault(way.highway, []).append(way)
    assert set(by_class) == {"trunk", "primary", "tertiary", "unclassified", "residential"}
    assert len(by_class["trunk"]) == 1
    a_roads = [w for w in by_class["primary"] if w.maxspeed_kph == pytest.approx(60 * MPH_KPH)]
    assert a_roads and all(re.fullmatch(r"A\d{2,4}", w.name) for w in a_roads)
    in_town = [w for w in by_class["primary"] if w.maxspeed_kph == pytest.approx(30 * MPH_KPH)]
    assert in_town  # A-roads run into the towns at 30 mph, under the street's own name
    assert any(w.name == "High Street" for w in by_class["tertiary"])
    assert all(w.maxspeed_kph == pytest.approx(30 * MPH_KPH) for w in by_class["residential"])
    assert sum(w.oneway for w in by_class["residential"]) >= 4
    assert any(w.name.endswith(("Lane", "Road", "Close", "Avenue")) for w in by_class["residential"])


def test_connected(county):
    assert nx.is_connected(undirected(county))


def test_strongly_connected_despite_one_way_streets(county):
    # Every station can reach every incident: a one-way street never strands a crossing.
    assert nx.is_strongly_connected(directed(county))


@pytest.mark.parametrize("kwargs", [{"towns": 1}, {"towns": 2, "seed": 1}, {"town_scale": 0.2}, {"radius_km": 4}])
def test_unusual_settings_stay_connected_and_inside(kwargs):
    data = generate_county_data(**kwargs)
    assert nx.is_strongly_connected(directed(data))
    county_outline = prepared.prep(shape(generate_county_areas(**kwargs)["features"][0]["geometry"]))
    assert all(county_outline.contains(Point(lon, lat)) for lat, lon in data.nodes.values())


def test_invalid_arguments():
    with pytest.raises(ValueError):
        generate_county_data(towns=0)
    with pytest.raises(ValueError):
        generate_county_data(radius_km=0)
    with pytest.raises(ValueError):
        generate_county_areas(town_scale=-1)


def test_every_town_meets_the_a_roads_at_its_edge(county, areas):
    a_road_ends = [
        Point(county.nodes[end][1], county.nodes[end][0])
        for way in county.ways
        if way.highway == "primary" and way.maxspeed_kph == pytest.approx(60 * MPH_KPH)
        for end in (way.nodes[0], way.nodes[-1])
    ]
    for feature in areas["features"][1:]:
        town = shape(feature["geometry"])
        assert any(town.contains(end) for end in a_road_ends), feature["properties"]["name"]


def test_areas_are_geojson(areas):
    assert areas["type"] == "FeatureCollection"
    kinds = [f["properties"]["kind"] for f in areas["features"]]
    assert kinds[0] == "boundary" and set(kinds[1:]) == {"urban"}
    assert areas["features"][0]["properties"]["name"] == COUNTY_NAME
    for feature in areas["features"]:
        assert feature["type"] == "Feature" and feature["geometry"]["type"] == "Polygon"
        ring = feature["geometry"]["coordinates"][0]
        assert ring[0] == ring[-1]
        assert all(-1.6 < lon < -0.2 and 51.8 < lat < 52.7 for lon, lat in ring)  # [lon, lat]
        assert LinearRing(ring).is_ccw  # RFC 7946: exterior rings counter-clockwise
        assert shape(feature["geometry"]).is_valid


def test_one_urban_area_per_town_and_none_overlap(areas):
    towns = [name for name, _, _, size in town_centres() if size != "village"]
    urban = {f["properties"]["name"]: shape(f["geometry"]) for f in areas["features"][1:]}
    assert sorted(urban) == sorted(towns) and len(towns) == 12
    assert not any(a.intersects(b) for a, b in itertools.combinations(urban.values(), 2))


def test_all_roads_inside_the_county(county, areas):
    outline = prepared.prep(shape(areas["features"][0]["geometry"]))
    for way in county.ways:
        line = LineString([(county.nodes[n][1], county.nodes[n][0]) for n in way.nodes])
        assert outline.contains(line), way.name


def test_town_centres(county, areas):
    centres = town_centres()
    names = [name for name, *_ in centres]
    assert len(set(names)) == len(names)
    sizes = [size for *_, size in centres]
    assert sizes[0] == "county town" and sizes.count("county town") == 1
    assert {"market town", "small town", "village"} <= set(sizes)
    urban = {f["properties"]["name"]: shape(f["geometry"]) for f in areas["features"][1:]}
    on_roads = set(county.nodes.values())
    for name, lat, lon, size in centres:
        assert (lat, lon) in on_roads  # a crossing of the road network, good for a station or incident
        if size == "village":
            assert name not in urban
        else:
            assert urban[name].contains(Point(lon, lat))


def test_round_trip_through_osm_xml(county, tmp_path):
    path = tmp_path / "demoshire.osm"
    write_osm_xml(county, path)
    data, summary = read_osm(path)
    assert data == county  # coordinates are generated at OSM's own 7-decimal precision
    assert summary.ways_kept == len(county.ways) and summary.ways_skipped == 0


def test_osm_xml_writer_tags(tmp_path):
    data = RoadData(
        nodes={1: (52.0, -1.0), 2: (52.001, -1.0), 3: (52.002, -1.001)},
        ways=[
            Way((1, 2), "residential", 1, 20 * MPH_KPH, "Smith & Sons <Yard> \"Lane\""),
            Way((2, 3), "primary", 0, 50.0, "A508"),
            Way((3, 1), "service", 0, 12.5, None),
        ],
    )
    path = tmp_path / "tags.osm"
    write_osm_xml(data, path)
    text = path.read_text()
    assert 'v="20 mph"' in text and 'k="ref" v="A508"' in text and 'k="oneway" v="yes"' in text
    assert read_osm(path)[0] == data
