"""Time to recommend units for an incident on a county-sized road graph, against baselines.

Not a test. One recommendation is what the dispatch screen needs when an incident is raised:
snap the incident to its road, snap every unit's position, and drive times for all units to
the incident, searched backwards from it until the `want` nearest are known
(RoadGraph.travel_to(want=10)).

Baselines on the same graph and the same incidents, from the incident's nearest node:

  (a) networkx single-source Dijkstra on the reversed DiGraph, whole graph, weight=seconds;
  (b) scipy.sparse.csgraph.dijkstra single source on the reversed CSR, whole graph (no limit).

Both then pick the units' nodes out of the result. They get positions already on nodes, so
they skip the snapping our figure includes. The script also checks that all three agree on
the fastest unit when units and incident are placed on nodes.

The network is Demoshire (demandhub.geo.county) grown until it has --nodes nodes, or, when
that module is missing or its interface differs, a simple generated county of grid towns and
country roads (--generator grid).

    .venv/bin/python benchmarks/recommend.py --nodes 200000 --units 300 --incidents 200 --seed 1
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import math
import os
import platform
import shlex
import sys
import time
from collections import Counter
from collections.abc import Callable

import networkx as nx
import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from demandhub.geo.roaddata import RoadData, Way
from demandhub.geo.roadgraph import RoadGraph, Snap

M_PER_DEG = 111_195.0  # metres per degree of latitude on the mean sphere
WANT = 10


# ---- networks ------------------------------------------------------------------------------


def county_data(seed: int, nodes: int) -> RoadData:
    """Demoshire with enough towns for the node count: about 2,200 nodes a town at scale 3."""
    from demandhub.geo.county import generate_county_data

    towns = max(12, math.ceil(nodes / 2000))
    for _ in range(6):
        data = generate_county_data(seed, towns=towns, town_scale=3.0)
        if len(data.nodes) >= nodes:
            return data
        towns = math.ceil(towns * 1.1 * nodes / len(data.nodes))
    raise RuntimeError(f"Demoshire stayed below {nodes} nodes")


def grid_data(seed: int, nodes: int) -> RoadData:
    """Grid towns (90 m blocks, a primary cross, some one-way rows) joined by country roads
    with a node every 150 m, each town linked to its nearest earlier town (so all connect)
    and to its nearest other town (so there are loops)."""
    rng = np.random.default_rng(seed)
    coords: list[tuple[float, float]] = []  # (north, east) metres
    ways: list[Way] = []

    def node(north: float, east: float) -> int:
        coords.append((north, east))
        return len(coords) - 1

    towns: list[tuple[float, float, np.ndarray]] = []
    side = math.sqrt(nodes / 3000) * 9000.0
    while len(coords) < nodes:  # the country roads come on top
        k = int(rng.integers(20, 70))
        cn, ce = rng.uniform(0, side, 2)
        grid = np.empty((k, k), dtype=np.int64)
        for i in range(k):
            for j in range(k):
                grid[i, j] = node(cn + (i - k / 2) * 90 + rng.normal(0, 9), ce + (j - k / 2) * 90 + rng.normal(0, 9))
        for i in range(k):
            main = i == k // 2
            cls = "primary" if main else "residential"
            oneway = 0 if main or i % 7 else (1 if i % 14 else -1)
            ways.append(Way(tuple(grid[i]), cls, oneway, 48.0 if main else None))
            ways.append(Way(tuple(grid[:, i]), cls, 0, 48.0 if main else None))
        towns.append((cn, ce, grid))
    centres = np.array([(t[0], t[1]) for t in towns])

    def link(a: int, b: int, cls: str) -> None:
        ga, gb = towns[a][2].ravel(), towns[b][2].ravel()
        pos = np.array(coords)
        u = ga[np.argmin(np.hypot(*(pos[ga] - centres[b]).T))]
        v = gb[np.argmin(np.hypot(*(pos[gb] - centres[a]).T))]
        steps = max(2, int(np.hypot(*(pos[v] - pos[u])) / 150))
        wiggle = np.cumsum(rng.normal(0, 25, steps - 1))
        wiggle -= np.linspace(0, wiggle[-1], steps - 1)  # back on line at the far end
        normal = (pos[v] - pos[u])[::-1] * (1, -1) / np.hypot(*(pos[v] - pos[u]))
        inner = [node(*(pos[u] + (pos[v] - pos[u]) * s / steps + normal * w)) for s, w in zip(range(1, steps), wiggle)]
        ways.append(Way((int(u), *inner, int(v)), cls))

    for t in range(1, len(towns)):
        d = np.hypot(*(centres - centres[t]).T)
        link(t, int(np.argmin(d[:t])), "trunk" if t % 3 == 0 else "secondary")
        d[t] = np.inf
        link(t, int(np.argmin(d)), "unclassified")
    lat0, lon0 = 52.0, -1.5
    kx = M_PER_DEG * math.cos(math.radians(lat0))
    return RoadData({i: (lat0 + n / M_PER_DEG, lon0 + e / kx) for i, (n, e) in enumerate(coords)}, ways)


def road_data(generator: str, seed: int, nodes: int) -> tuple[RoadData, str]:
    if generator in ("auto", "county"):
        try:
            return county_data(seed, nodes), "demandhub.geo.county (Demoshire)"
        except (ImportError, TypeError) as error:
            if generator == "county":
                raise
            print(f"county generator unavailable ({error}); using the grid generator", file=sys.stderr)
    return grid_data(seed, nodes), "benchmarks/recommend.py grid towns"


# ---- positions ---------------------------------------------------------------------------


def road_points(graph: RoadGraph, rng: np.random.Generator, count: int, scatter_m: float) -> np.ndarray:
    """(lat, lon) rows uniformly along the roads (by length), moved up to scatter_m off them."""
    arrays = stored(graph)
    length = arrays["seg_len_m"]
    pick = rng.choice(len(length), size=count, p=length / length.sum())
    a, b, lat, lon = arrays["seg_a"][pick], arrays["seg_b"][pick], arrays["lat"], arrays["lon"]
    f = rng.random(count)
    bearing, dist = rng.uniform(0, 2 * math.pi, count), rng.uniform(0, scatter_m, count)
    plat = lat[a] + f * (lat[b] - lat[a]) + dist * np.cos(bearing) / M_PER_DEG
    plon = lon[a] + f * (lon[b] - lon[a]) + dist * np.sin(bearing) / (M_PER_DEG * np.cos(np.radians(plat)))
    return np.column_stack([plat, plon])


def nearest_node(graph: RoadGraph, snap: Snap) -> int:
    """The end of the snapped segment nearer the snapped point: what a node-based router uses."""
    arrays = stored(graph)
    return int((arrays["seg_a"] if snap.fraction < 0.5 else arrays["seg_b"])[snap.edge])


_STORED: dict[int, dict[str, np.ndarray]] = {}


def stored(graph: RoadGraph) -> dict[str, np.ndarray]:
    """The graph's arrays as to_bytes stores them: its public description."""
    if id(graph) not in _STORED:
        with np.load(io.BytesIO(graph.to_bytes()), allow_pickle=False) as arrays:
            _STORED[id(graph)] = {name: arrays[name] for name in arrays.files}
    return _STORED[id(graph)]


# ---- measuring ---------------------------------------------------------------------------


def timed(fn: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    result = fn()
    return (time.perf_counter() - start) * 1000, result


def percentiles(ms: list[float]) -> tuple[float, float]:
    return float(np.percentile(ms, 50)), float(np.percentile(ms, 99))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--nodes", type=int, default=200_000, help="at least this many road nodes")
    parser.add_argument("--units", type=int, default=300)
    parser.add_argument("--incidents", type=int, default=200)
    parser.add_argument("--networkx-incidents", type=int, default=20, help="networkx is slow: fewer runs")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--generator", choices=("auto", "county", "grid"), default="auto")
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)

    gen_ms, (data, source) = timed(lambda: road_data(args.generator, args.seed, args.nodes))
    build_ms, graph = timed(lambda: RoadGraph.build(data))
    blob_ms, blob = timed(graph.to_bytes)
    load_ms, _ = timed(lambda: RoadGraph.from_bytes(blob))
    network = (f"network: {source}; {graph.node_count:,} nodes, {graph.segment_count:,} segments, "
          f"{graph.edge_count:,} directed edges; generated in {gen_ms / 1000:.1f} s, built in {build_ms / 1000:.1f} s, "
          f"{len(blob) / 1e6:.1f} MB stored (to_bytes {blob_ms:.0f} ms, from_bytes {load_ms:.0f} ms)")
    print(network, file=sys.stderr, flush=True)

    units = road_points(graph, rng, args.units, scatter_m=10.0)  # AVL positions: a few metres off
    incidents = road_points(graph, rng, args.incidents, scatter_m=40.0)  # addresses: set back from the road

    # ours: the whole recommendation, after a few warm-up runs
    for lat, lon in incidents[:5]:
        graph.travel_to(graph.snap(lat, lon), graph.snap_many(units[:, 0], units[:, 1]), want=WANT)
    ours, snap_ms, travel_ms, horizons, tops = [], [], [], Counter(), []
    for lat, lon in incidents:
        t0 = time.perf_counter()
        target = graph.snap(lat, lon)
        snaps = graph.snap_many(units[:, 0], units[:, 1])
        t1 = time.perf_counter()
        result = graph.travel_to(target, snaps, want=WANT)
        t2 = time.perf_counter()
        ours.append((t2 - t0) * 1000)
        snap_ms.append((t1 - t0) * 1000)
        travel_ms.append((t2 - t1) * 1000)
        horizons[result.horizon_s] += 1
        tops.append((target, snaps))
    print("ours done", file=sys.stderr, flush=True)

    # node-based baselines on the reversed graph
    tail, head, seconds, _ = graph.directed_edges()
    n = graph.node_count
    reverse = csr_matrix((seconds, (head, tail)), shape=(n, n))  # (from, to) pairs are unique already
    inc_nodes = [nearest_node(graph, target) for target, _ in tops]
    unit_nodes = np.array([nearest_node(graph, s) for s in tops[0][1]])
    scipy_ms, scipy_top, scipy_best = [], [], []
    for node in inc_nodes:
        ms, dist = timed(lambda node=node: dijkstra(reverse, indices=node))
        ms2, top = timed(lambda dist=dist: int(np.argmin(dist[unit_nodes])))
        scipy_ms.append(ms + ms2)
        scipy_top.append(top)
        scipy_best.append(dist[unit_nodes])
    print("scipy done", file=sys.stderr, flush=True)
    nx_build_ms, rev_nx = timed(lambda: nx_reverse(tail, head, seconds))
    nx_ms, nx_top = [], []
    for node in inc_nodes[: args.networkx_incidents]:
        ms, lengths = timed(lambda node=node, g=rev_nx: nx.single_source_dijkstra_path_length(g, node, weight="seconds"))
        ms2, top = timed(lambda lengths=lengths: int(np.argmin([lengths.get(int(u), math.inf) for u in unit_nodes])))
        nx_ms.append(ms + ms2)
        nx_top.append(top)
    del rev_nx
    print("networkx done", file=sys.stderr, flush=True)

    # agreement, with units and incidents on nodes so all three answer the same question
    unit_snaps = [graph.at_node(int(u)) for u in unit_nodes]
    agree_scipy = agree_nx = 0
    worst = 0.0
    for i, node in enumerate(inc_nodes):
        result = graph.travel_to(graph.at_node(int(node)), unit_snaps, want=WANT)
        ours_top = int(np.argmin(result.seconds))
        truth = scipy_best[i]
        agree_scipy += same_top(ours_top, scipy_top[i], truth)
        if i < len(nx_top):
            agree_nx += same_top(ours_top, nx_top[i], truth)
        found = np.isfinite(result.seconds)
        worst = max(worst, float(np.max(np.abs(result.seconds[found] - truth[found]), initial=0.0)))

    report(args, network, ours, snap_ms, travel_ms, scipy_ms, nx_ms, nx_build_ms, horizons,
           (agree_scipy, len(inc_nodes)), (agree_nx, len(nx_top)), worst)


def nx_reverse(tail: np.ndarray, head: np.ndarray, seconds: np.ndarray) -> nx.DiGraph:
    g = nx.DiGraph()
    g.add_weighted_edges_from(zip(head.tolist(), tail.tolist(), seconds.tolist()), weight="seconds")
    return g


def same_top(ours: int, theirs: int, truth: np.ndarray) -> bool:
    """Same unit, or an exact tie (two units on one node)."""
    return ours == theirs or abs(truth[ours] - truth[theirs]) < 1e-6


def report(args, network, ours, snap_ms, travel_ms, scipy_ms, nx_ms, nx_build_ms, horizons, agree_scipy,
           agree_nx, worst) -> None:
    command = "python " + " ".join(shlex.quote(a) for a in sys.argv)
    machine = f"{platform.platform()}, {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs"
    print()
    print(f"date: {dt.datetime.now().astimezone().isoformat(timespec='seconds')}  ")
    print(f"machine: {machine}, Python {platform.python_version()}, numpy {np.__version__}, "
          f"scipy {__import__('scipy').__version__}, networkx {nx.__version__}  ")
    print(f"command: `{command}`  ")
    print(f"{network}  ")
    print(f"{args.units} units (up to 10 m off the road), {args.incidents} incidents (up to 40 m off), want={WANT}")
    print()
    print("| method | runs | p50 ms | p99 ms |")
    print("|---|---:|---:|---:|")
    rows = [
        ("ours: snap incident + snap units + travel_to(want=10)", ours),
        ("&nbsp;&nbsp;of which snapping (1 + units points)", snap_ms),
        ("&nbsp;&nbsp;of which travel_to", travel_ms),
        ("(b) scipy dijkstra, full single source, reversed CSR", scipy_ms),
        ("(a) networkx single_source_dijkstra, full, reversed DiGraph", nx_ms),
    ]
    for name, ms in rows:
        p50, p99 = percentiles(ms)
        print(f"| {name} | {len(ms)} | {p50:.2f} | {p99:.2f} |")
    print()
    spread = ", ".join(f"{'whole graph' if math.isinf(h) else f'{h:.0f} s'}: {c}" for h, c in sorted(horizons.items()))
    print(f"final search horizon of ours (incidents): {spread}  ")
    print(f"networkx reversed DiGraph built in {nx_build_ms / 1000:.1f} s (not in the figures)  ")
    print(f"fastest unit agrees, node-placed: ours = scipy {agree_scipy[0]}/{agree_scipy[1]}, "
          f"ours = networkx {agree_nx[0]}/{agree_nx[1]}; largest |ours - scipy| over units ours found: {worst:.2e} s")


if __name__ == "__main__":
    main()
