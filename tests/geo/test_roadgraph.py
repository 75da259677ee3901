"""The road graph: snapping, drive times and storage, against hand sums and brute force."""

from __future__ import annotations

import io
import math
import pickle
import sys
from concurrent.futures import ThreadPoolExecutor
from itertools import pairwise

import networkx as nx
import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from scipy.sparse.csgraph import dijkstra

from demandhub.geo import roadgraph
from demandhub.geo.roaddata import RoadData, Way
from demandhub.geo.roadgraph import DEFAULT_SPEEDS_KPH, OFF_ROAD_KPH, RoadGraph, Snap

R = 6_371_008.8
M = 180 / (math.pi * R)  # degrees per metre along the equator and along a meridian
SPEEDS = {"fast": 72.0, "lane": 36.0, "slow": 18.0}  # 20, 10 and 5 m/s: sums by hand
OFF = OFF_ROAD_KPH / 3.6  # off-road metres per second
TOL = {"rel": 1e-6, "abs": 1e-4}  # haversine vs flat sums, microsecond padding of zero-length edges


def at(north_m: float, east_m: float) -> tuple[float, float]:
    """A point near (0, 0): on the equator and meridians haversine lengths are exactly R x angle."""
    return north_m * M, east_m * M


def square() -> RoadGraph:
    """A 1 km square, corners A(0,0) B(0,1000) C(1000,1000) D(1000,0) as (north, east) metres.

    A-B, B-C, D-A fast both ways (50 s each); C->D fast one way only (50 s); the diagonal A-C
    slow (1414.2 m, 282.8 s); a footway D-A that must be ignored; a separate road E-F far away.
    Node indices follow OSM ids: A=0, B=1, C=2, D=3, E=4, F=5. Segments follow way order.
    """
    nodes = {1: at(0, 0), 2: at(0, 1000), 3: at(1000, 1000), 4: at(1000, 0), 5: at(5000, 5000), 6: at(5000, 6000)}
    ways = [Way((1, 2), "fast", name="South Road"), Way((2, 3), "fast"), Way((3, 4), "fast", oneway=1),
            Way((4, 1), "fast"), Way((1, 3), "slow", name="Diagonal Lane"), Way((5, 6), "fast"),
            Way((4, 1), "footway")]
    return RoadGraph.build(RoadData(nodes, ways), SPEEDS)


def drive(graph: RoadGraph, source: Snap, target: Snap, **kwargs) -> tuple[float, float]:
    result = graph.travel_to(target, [source], **kwargs)
    return float(result.seconds[0]), float(result.metres[0])


A, B, C, D, E = 0, 1, 2, 3, 4


# ---- hand-computed drives ------------------------------------------------------------------


def test_fastest_route_is_not_the_shortest():
    g = square()
    # A->C: diagonal 1414 m at 5 m/s = 282.8 s; round by B 2000 m at 20 m/s = 100 s
    assert drive(g, g.at_node(A), g.at_node(C)) == pytest.approx((100.0, 2000.0), **TOL)


def test_one_way_is_respected():
    g = square()
    assert drive(g, g.at_node(C), g.at_node(D)) == pytest.approx((50.0, 1000.0), **TOL)
    # D->C may not use C->D: D-A-B-C 3000 m = 150 s beats D-A + diagonal = 50 + 282.8 s
    assert drive(g, g.at_node(D), g.at_node(C)) == pytest.approx((150.0, 3000.0), **TOL)


def test_unreachable_is_inf():
    g = square()
    result = g.travel_to(g.at_node(A), [g.at_node(E), g.at_node(B)])
    assert math.isinf(result.seconds[0]) and math.isinf(result.metres[0])
    assert result.seconds[1] == pytest.approx(50.0, **TOL)
    assert math.isinf(drive(g, g.at_node(A), g.at_node(E))[0])


def test_partial_segments_and_off_road_legs():
    g = square()
    target = g.snap(*at(-30, 250))  # 30 m south of A-B, 250 m from A
    assert (target.edge, target.fraction, target.off_road_m) == pytest.approx((0, 0.25, 30.0))
    source = g.snap(*at(1020, 800))  # 20 m north of C->D, 200 m from C
    assert (source.edge, source.fraction, source.off_road_m) == pytest.approx((2, 0.2, 20.0))
    # One-way: west 800 m to D (40 s), D-A (50 s), A to the target 250 m (12.5 s) = 102.5 s,
    # plus 50 m off road at 15 km/h = 12 s. Going east by C would be 10 + 50 + 37.5 = 97.5 s.
    assert drive(g, source, target) == pytest.approx((102.5 + 50 / OFF, 800 + 1000 + 250 + 50), **TOL)


def test_same_segment():
    g = square()
    # both on two-way A-B: 500 m apart = 25 s
    assert drive(g, g.snap(*at(0, 750)), g.snap(*at(0, 250))) == pytest.approx((25.0, 500.0), **TOL)
    assert drive(g, g.snap(*at(0, 250)), g.snap(*at(0, 750))) == pytest.approx((25.0, 500.0), **TOL)
    # on one-way C->D, target ahead: 400 m = 20 s
    assert drive(g, g.snap(*at(1000, 700)), g.snap(*at(1000, 300))) == pytest.approx((20.0, 400.0), **TOL)
    # target behind: on to D 100 m (5 s), D-A-B-C (150 s), C to target 300 m (15 s) = 170 s
    assert drive(g, g.snap(*at(1000, 100)), g.snap(*at(1000, 700))) == pytest.approx((170.0, 3400.0), **TOL)
    # the very same point
    p = g.snap(*at(1000, 500))
    assert drive(g, p, p) == pytest.approx((0.0, 0.0), **TOL)


def test_snap_finds_the_segment_not_the_nearest_node():
    g = square()
    s = g.snap(*at(500, 1040))  # 40 m east of the middle of B-C; every node is over 500 m away
    assert (s.edge, s.fraction, s.off_road_m) == pytest.approx((1, 0.5, 40.0))
    assert (s.lat, s.lon) == pytest.approx(at(500, 1000), abs=1e-12)
    far = g.snap(*at(-3000, 500))  # 3 km south: far beyond the first samples looked at
    assert (far.edge, far.fraction, far.off_road_m) == pytest.approx((0, 0.5, 3000.0))
    assert g.snap_many([at(-30, 250)[0], at(500, 1040)[0]], [at(-30, 250)[1], at(500, 1040)[1]]) == [
        g.snap(*at(-30, 250)), s]


def test_snap_is_exact_behind_a_crowd_of_samples():
    # Twenty copies of a road 100 m south fill the first samples looked at (all about 102 m
    # away); the true nearest road starts 99 m north and runs away north, its samples 119 m
    # and 159 m away. Only the exact follow-up finds it.
    nodes = {1: at(-100, -1000), 2: at(-100, 1000), 3: at(99, 0), 4: at(179, 0)}
    ways = [Way((1, 2), "fast") for _ in range(20)] + [Way((3, 4), "lane")]
    g = RoadGraph.build(RoadData(nodes, ways), SPEEDS)
    s = g.snap(*at(0, 0))
    assert (s.edge, s.fraction, s.off_road_m) == pytest.approx((20, 0.0, 99.0))


def test_parallel_segments_take_the_fastest_not_the_sum():
    nodes = {1: at(0, 0), 2: at(0, 1000)}
    for order in (["slow", "fast"], ["fast", "slow"]):
        g = RoadGraph.build(RoadData(nodes, [Way((1, 2), cls) for cls in order]), SPEEDS)
        # fast 50 s; slow 200 s; a summed duplicate would give 250 s
        assert drive(g, g.at_node(0), g.at_node(1)) == pytest.approx((50.0, 1000.0), **TOL)
        assert drive(g, g.at_node(1), g.at_node(0)) == pytest.approx((50.0, 1000.0), **TOL)
        assert (g.segment_count, g.edge_count) == (2, 2)


def test_zero_length_segment_still_joins_roads():
    nodes = {1: at(0, 0), 2: at(0, 1000), 3: at(0, 1000), 4: at(0, 2000)}  # 2 and 3 at the same spot
    ways = [Way((1, 2), "fast"), Way((3, 4), "fast")]
    g = RoadGraph.build(RoadData(nodes, ways + [Way((2, 3), "fast")]), SPEEDS)
    assert drive(g, g.at_node(0), g.at_node(3)) == pytest.approx((100.0, 2000.0), **TOL)
    apart = RoadGraph.build(RoadData(nodes, ways), SPEEDS)
    assert math.isinf(drive(apart, apart.at_node(0), apart.at_node(3))[0])


def test_maxspeed_caps_the_class_speed():
    nodes = {1: at(0, 0), 2: at(0, 1000)}
    slow = RoadGraph.build(RoadData(nodes, [Way((1, 2), "fast", maxspeed_kph=20.0)]), SPEEDS)
    # 1.3 x 20 = 26 km/h: 1000 m / (26 / 3.6) = 138.46 s
    assert drive(slow, slow.at_node(0), slow.at_node(1))[0] == pytest.approx(1000 / (26 / 3.6), **TOL)
    fast = RoadGraph.build(RoadData(nodes, [Way((1, 2), "fast", maxspeed_kph=100.0)]), SPEEDS)
    assert drive(fast, fast.at_node(0), fast.at_node(1))[0] == pytest.approx(50.0, **TOL)


def test_oneway_against_drawing_order():
    nodes = {1: at(0, 0), 2: at(0, 1000)}
    g = RoadGraph.build(RoadData(nodes, [Way((1, 2), "fast", oneway=-1)]), SPEEDS)
    assert math.isinf(drive(g, g.at_node(0), g.at_node(1))[0])
    assert drive(g, g.at_node(1), g.at_node(0))[0] == pytest.approx(50.0, **TOL)
    assert g.edge_count == 1


def chain() -> tuple[RoadGraph, list[Snap]]:
    """A 50 km fast road along the equator, a node every km: target at km 0, sources at km 1
    (50 s) and km 50 (2500 s)."""
    nodes = {i: at(0, 1000 * i) for i in range(51)}
    g = RoadGraph.build(RoadData(nodes, [Way(tuple(range(51)), "fast")]), SPEEDS)
    return g, [g.at_node(0), g.at_node(1), g.at_node(50)]


def test_want_grows_the_horizon_only_as_needed(monkeypatch):
    g, (target, near, far) = chain()
    one = g.travel_to(target, [near, far], want=1)
    assert one.seconds[0] == pytest.approx(50.0, **TOL) and math.isinf(one.seconds[1])
    assert math.isinf(one.metres[1]) and one.horizon_s == 600.0
    both = g.travel_to(target, [near, far], want=2)  # 600, 1200, 2400, 4800 s
    assert both.seconds == pytest.approx([50.0, 2500.0], **TOL) and both.horizon_s == 4800.0
    assert both.metres == pytest.approx([1000.0, 50000.0], **TOL)
    capped = g.travel_to(target, [near, far], want=2, horizon_s=1000.0)
    assert math.isinf(capped.seconds[1]) and capped.horizon_s == 1000.0
    # more wanted than there are: stops when the whole graph is searched, and says so
    searches = []
    monkeypatch.setattr(roadgraph, "dijkstra", lambda *a, **k: searches.append(k["limit"]) or dijkstra(*a, **k))
    greedy = g.travel_to(target, [near, far], want=3)
    assert greedy.seconds == pytest.approx([50.0, 2500.0], **TOL) and math.isinf(greedy.horizon_s)
    assert searches == [600.0, 1200.0, 2400.0, 4800.0]  # the last one saw the whole road


def test_horizon_without_want():
    g, (target, near, far) = chain()
    short = g.travel_to(target, [near, far], horizon_s=100.0)
    assert short.seconds[0] == pytest.approx(50.0, **TOL) and math.isinf(short.seconds[1])
    assert short.horizon_s == 100.0
    full = g.travel_to(target, [near, far])
    assert full.seconds == pytest.approx([50.0, 2500.0], **TOL) and math.isinf(full.horizon_s)
    # off-road time counts against the horizon: 50 s on the road + 20 s on foot (83.3 m) = 70 s
    walker = g.snap(*at(20 * OFF, 1000))
    assert math.isinf(g.travel_to(target, [walker], horizon_s=60.0).seconds[0])
    assert g.travel_to(target, [walker], horizon_s=80.0).seconds[0] == pytest.approx(70.0, **TOL)


def test_no_sources_and_bad_arguments():
    g, (target, near, _) = chain()
    empty = g.travel_to(target, [])
    assert len(empty.seconds) == len(empty.metres) == 0
    with pytest.raises(ValueError):
        g.travel_to(target, [near], want=-1)
    with pytest.raises(ValueError):
        g.travel_to(target, [Snap(10_000, 0.5, 0.0, 0.0, 0.0)])


# ---- building, maps and storage -----------------------------------------------------------


def test_build_keeps_drivable_roads_only():
    with pytest.raises(ValueError, match="no drivable roads"):
        RoadGraph.build(RoadData({1: at(0, 0), 2: at(0, 100)}, [Way((1, 2), "footway")]))
    g = square()
    assert (g.node_count, g.segment_count) == (6, 6)
    assert g.edge_count == 11  # 6 segments both ways, less C->D's reverse
    assert g.bounds() == pytest.approx((0.0, 0.0, 5000 * M, 6000 * M))
    assert list(g.node_ids) == [1, 2, 3, 4, 5, 6]


def test_missing_node_breaks_the_way():
    nodes = {1: at(0, 0), 2: at(0, 100), 4: at(0, 300), 5: at(0, 400)}  # node 3 is not in the extract
    g = RoadGraph.build(RoadData(nodes, [Way((1, 2, 3, 4, 5), "residential", name="Long Lane")]))
    assert g.segment_count == 2
    assert g.lines(["residential"]) == [
        {"highway": "residential", "name": "Long Lane", "coords": [list(at(0, 0)), list(at(0, 100))]},
        {"highway": "residential", "name": "Long Lane", "coords": [list(at(0, 300)), list(at(0, 400))]}]
    assert math.isinf(drive(g, g.at_node(0), g.at_node(3))[0])


def test_lines_by_class():
    g = square()
    lines = g.lines(["slow"])
    assert lines == [{"highway": "slow", "name": "Diagonal Lane", "coords": [list(at(0, 0)), list(at(1000, 1000))]}]
    assert len(g.lines(["fast"])) == 5 and g.lines(["footway"]) == []


def test_bytes_round_trip_is_identical():
    g = square()
    blob = g.to_bytes()
    with np.load(io.BytesIO(blob), allow_pickle=False) as stored:
        assert all(stored[name].dtype != object for name in stored.files)
    h = RoadGraph.from_bytes(blob)
    assert h.to_bytes() == blob
    points = [at(-30, 250), at(1020, 800), at(500, 1040), at(3000, 3000)]
    assert h.snap_many(*zip(*points)) == g.snap_many(*zip(*points))
    snaps = g.snap_many(*zip(*points))
    for target in snaps:
        ours, theirs = g.travel_to(target, snaps, want=2), h.travel_to(target, snaps, want=2)
        assert np.array_equal(ours.seconds, theirs.seconds) and np.array_equal(ours.metres, theirs.metres)
        assert ours.horizon_s == theirs.horizon_s
    assert (h.node_count, h.edge_count, h.bounds()) == (g.node_count, g.edge_count, g.bounds())
    assert h.lines(SPEEDS) == g.lines(SPEEDS)


def test_from_bytes_refuses_pickles_and_junk():
    buffer = io.BytesIO()
    np.savez(buffer, format=np.array([1]), lat=np.array([object()], dtype=object))
    for blob in (buffer.getvalue(), pickle.dumps({"lat": [0.0]}), b"", square().to_bytes()[:200]):
        with pytest.raises(ValueError):
            RoadGraph.from_bytes(blob)


def test_searches_in_threads_do_not_mix():
    g = square()
    points = [at(-30, 250), at(1020, 800), at(500, 1040), at(0, 750), at(1000, 100)]
    snaps = g.snap_many(*zip(*points))
    expected = [g.travel_to(t, snaps).seconds.tolist() for t in snaps]
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible
    try:
        with ThreadPoolExecutor(4) as pool:
            got = list(pool.map(lambda i: g.travel_to(snaps[i % 5], snaps).seconds.tolist(), range(200)))
    finally:
        sys.setswitchinterval(old)
    assert got == [expected[i % 5] for i in range(200)]


def test_default_speeds_cover_the_usual_classes():
    assert DEFAULT_SPEEDS_KPH["motorway"] > DEFAULT_SPEEDS_KPH["primary"] > DEFAULT_SPEEDS_KPH["residential"]
    assert "footway" not in DEFAULT_SPEEDS_KPH and "path" not in DEFAULT_SPEEDS_KPH


# ---- properties against networkx and brute force ------------------------------------------

LAT0, LON0 = 52.5, -1.9  # somewhere in England: east-west degrees are shorter than north-south
CLASSES = ["fast", "lane", "slow", "footway"]


@st.composite
def road_data(draw, max_nodes: int = 7, spacing_m: float = 400.0) -> RoadData:
    """Nodes on a coarse grid with jitter (zero jitter gives nodes at the same spot: zero-length
    segments), ways of 2-4 nodes (repeats allowed) of random class, direction and limit."""
    n = draw(st.integers(2, max_nodes))
    kx = math.cos(math.radians(LAT0))
    nodes = {}
    for i in range(n):
        gx, gy = draw(st.integers(0, 3)), draw(st.integers(0, 3))
        jx, jy = draw(st.sampled_from([0.0, 0.0, 37.0])), draw(st.floats(-50, 50))
        nodes[100 + i] = (LAT0 + (gy * spacing_m + jy) * M, LON0 + (gx * spacing_m + jx) * M / kx)
    node_ids = st.sampled_from(sorted(nodes))
    ways = draw(st.lists(st.builds(Way, st.lists(node_ids, min_size=2, max_size=4).map(tuple),
                                   st.sampled_from(CLASSES), st.sampled_from([-1, 0, 0, 1]),
                                   st.sampled_from([None, None, 20.0, 200.0])), min_size=1, max_size=8))
    return RoadData(nodes, ways)


def reference(data: RoadData, graph: RoadGraph) -> nx.DiGraph:
    """The same network built independently: node = index in graph.node_ids."""
    index = {int(osm): i for i, osm in enumerate(graph.node_ids)}
    g = nx.DiGraph()
    for way in data.ways:
        if way.highway not in SPEEDS:
            continue
        kph = SPEEDS[way.highway] if way.maxspeed_kph is None else min(SPEEDS[way.highway], 1.3 * way.maxspeed_kph)
        for u, v in pairwise(way.nodes):
            if u == v:
                continue
            (la1, lo1), (la2, lo2) = data.nodes[u], data.nodes[v]
            p1, p2 = math.radians(la1), math.radians(la2)
            h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lo2 - lo1) / 2) ** 2
            metres = 2 * R * math.asin(math.sqrt(h))
            pairs = [(u, v)] if way.oneway == 1 else [(v, u)] if way.oneway == -1 else [(u, v), (v, u)]
            for x, y in pairs:
                x, y = index[x], index[y]
                if not g.has_edge(x, y) or g[x][y]["seconds"] > metres / (kph / 3.6):
                    g.add_edge(x, y, seconds=metres / (kph / 3.6), metres=metres)
    return g


def fastest_routes(g: nx.DiGraph, source: int, target: int) -> tuple[float, set[float]]:
    """Optimal seconds and the metres of every route that achieves it (ties are real on grids)."""
    if source == target:
        return 0.0, {0.0}
    try:
        best = nx.dijkstra_path_length(g, source, target, weight="seconds")
    except nx.NetworkXNoPath:
        return math.inf, set()
    metres = set()
    for path in nx.all_simple_paths(g, source, target):
        edges = list(pairwise(path))
        if sum(g[u][v]["seconds"] for u, v in edges) <= best + 1e-6:
            metres.add(sum(g[u][v]["metres"] for u, v in edges))
    return best, metres


def build_or_reject(data: RoadData) -> RoadGraph:
    try:
        return RoadGraph.build(data, SPEEDS)
    except ValueError:
        assume(False)
        raise


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(road_data())
def test_node_to_node_matches_networkx(data: RoadData):
    graph = build_or_reject(data)
    ref = reference(data, graph)
    sources = [graph.at_node(i) for i in range(graph.node_count)]
    for t in range(graph.node_count):
        result = graph.travel_to(graph.at_node(t), sources)
        for s in range(graph.node_count):
            best, metres = fastest_routes(ref, s, t) if s in ref and t in ref else (math.inf, set())
            assert result.seconds[s] == pytest.approx(best, **TOL)
            if math.isfinite(best):
                assert any(result.metres[s] == pytest.approx(m, **TOL) for m in metres)
            else:
                assert math.isinf(result.metres[s])


def split_reference(data: RoadData, graph: RoadGraph, target: Snap, sources: list[Snap]) -> list[float]:
    """networkx with the snapped points inserted as nodes on their segments."""
    ref = reference(data, graph)
    _, _, seg_a, seg_b, fwd, bwd = graph_arrays(graph)

    def ways_in(snap: Snap) -> list[tuple[int, float]]:
        """(node, seconds from it to the point): along the segment if allowed, free if on it."""
        a, b, f, out = int(seg_a[snap.edge]), int(seg_b[snap.edge]), snap.fraction, []
        if f == 0 or math.isfinite(fwd[snap.edge]):
            out.append((a, f * fwd[snap.edge] if f else 0.0))
        if f == 1 or math.isfinite(bwd[snap.edge]):
            out.append((b, (1 - f) * bwd[snap.edge] if f < 1 else 0.0))
        return out

    def ways_out(snap: Snap) -> list[tuple[int, float]]:
        a, b, f, out = int(seg_a[snap.edge]), int(seg_b[snap.edge]), snap.fraction, []
        if f == 1 or math.isfinite(fwd[snap.edge]):
            out.append((b, (1 - f) * fwd[snap.edge] if f < 1 else 0.0))
        if f == 0 or math.isfinite(bwd[snap.edge]):
            out.append((a, f * bwd[snap.edge] if f else 0.0))
        return out

    for node, seconds in ways_in(target):
        ref.add_edge(node, "T", seconds=seconds)
    answers = []
    for i, src in enumerate(sources):
        name = f"S{i}"
        for node, seconds in ways_out(src):
            ref.add_edge(name, node, seconds=seconds)
        if src.edge == target.edge:
            ahead = target.fraction - src.fraction
            if ahead == 0:
                ref.add_edge(name, "T", seconds=0.0)
            elif ahead > 0 and math.isfinite(fwd[src.edge]):
                ref.add_edge(name, "T", seconds=ahead * fwd[src.edge])
            elif ahead < 0 and math.isfinite(bwd[src.edge]):
                ref.add_edge(name, "T", seconds=-ahead * bwd[src.edge])
        try:
            road = nx.dijkstra_path_length(ref, name, "T", weight="seconds")
        except nx.NetworkXNoPath:
            road = math.inf
        answers.append((src.off_road_m + target.off_road_m) / OFF + road)
    return answers


def graph_arrays(graph: RoadGraph):
    """Segment arrays through the stored form: the public description of a graph."""
    with np.load(io.BytesIO(graph.to_bytes()), allow_pickle=False) as s:
        return s["lat"], s["lon"], s["seg_a"], s["seg_b"], s["seg_fwd_s"], s["seg_bwd_s"]


offsets_m = st.tuples(st.floats(-300, 1500), st.floats(-300, 1500))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(road_data(), st.lists(offsets_m, min_size=2, max_size=5))
def test_snapped_points_match_networkx_with_split_segments(data: RoadData, pts):
    graph = build_or_reject(data)
    kx = math.cos(math.radians(LAT0))
    snaps = graph.snap_many([LAT0 + n * M for n, _ in pts], [LON0 + e * M / kx for _, e in pts])
    target, sources = snaps[0], snaps[1:] + [snaps[0]]
    result = graph.travel_to(target, sources)
    expected = split_reference(data, graph, target, sources)
    assert list(result.seconds) == pytest.approx(expected, **TOL)
    # a bounded search agrees inside its horizon and says inf beyond it
    bounded = graph.travel_to(target, sources, want=1, horizon_s=120.0)
    inside = np.array(expected) <= bounded.horizon_s
    assert list(bounded.seconds[inside]) == pytest.approx(list(np.array(expected)[inside]), **TOL)
    assert np.isinf(bounded.seconds[~inside]).all()


def brute_force_distance(graph: RoadGraph, data: RoadData, lat: float, lon: float) -> float:
    """Nearest point of any drivable segment, in the documented projection (equirectangular
    around the middle of the bounds)."""
    min_lat, min_lon, max_lat, max_lon = graph.bounds()
    lat0, lon0 = (min_lat + max_lat) / 2, (min_lon + max_lon) / 2
    ky = R * math.pi / 180
    kx = ky * math.cos(math.radians(lat0))

    def xy(la: float, lo: float) -> np.ndarray:
        return np.array([(lo - lon0) * kx, (la - lat0) * ky])

    p, best = xy(lat, lon), math.inf
    for way in data.ways:
        if way.highway not in SPEEDS:
            continue
        for u, v in pairwise(way.nodes):
            if u == v:
                continue
            a, b = xy(*data.nodes[u]), xy(*data.nodes[v])
            d = b - a
            t = 0.0 if not d.any() else min(1.0, max(0.0, float((p - a) @ d / (d @ d))))
            best = min(best, float(np.hypot(*(p - a - t * d))))
    return best


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(road_data(spacing_m=1500.0), st.lists(st.tuples(st.floats(-3000, 7000), st.floats(-3000, 7000)),
                                            min_size=1, max_size=6))
def test_snap_matches_brute_force(data: RoadData, pts):
    graph = build_or_reject(data)
    kx = math.cos(math.radians(LAT0))
    lats, lons = [LAT0 + n * M for n, _ in pts], [LON0 + e * M / kx for _, e in pts]
    snaps = graph.snap_many(lats, lons)
    for lat, lon, snap in zip(lats, lons, snaps):
        assert snap.off_road_m == pytest.approx(brute_force_distance(graph, data, lat, lon), rel=1e-9, abs=1e-6)
        assert graph.snap(lat, lon) == snap
        assert 0.0 <= snap.fraction <= 1.0
