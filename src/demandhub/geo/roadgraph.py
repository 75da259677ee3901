"""The road network as a directed graph: place points on roads and time drives to an incident.

Pure numpy and scipy; no database, no web. Built once from RoadData (osm.py or county.py),
stored as bytes (to_bytes / from_bytes, an npz without pickles), kept in memory and shared
between threads. Memory: roughly 400 bytes a node for a county (about 85 MB resident for
220,000 nodes, a third of it the snapping KD-tree), plus 12 bytes an edge for each search
running at the same moment. Stored, the same county is 14 MB.

Vocabulary:

- node: an OSM node of a kept way, numbered 0..node_count-1 in OSM id order.
- segment: one consecutive node pair of a kept way, in the way's drawing order (a -> b). A
  Snap names a segment, and its fraction runs from a (0) to b (1). Parallel segments (two ways
  over the same node pair) stay separate segments, so each keeps its own way, class and name.
- edge: one allowed driving direction between two nodes in the routing graph. Parallel
  segments collapse to one edge with the fastest time, so edge_count counts distinct
  (from, to) pairs.

Geometry: lengths along roads are haversine metres. Snapping measures straight lines in an
equirectangular projection centred on the middle of the graph's bounding box: east-west
distances are scaled by cos(lat)/cos(centre lat), a relative error of about tan(lat) x the
latitude difference in radians, for example 0.45% at 52 degrees north 0.2 degrees (22 km) from
the centre, 1% at 0.45 degrees (50 km). For choosing the nearest road and for off-road legs of
tens of metres that is far below the accuracy of the positions themselves; for a whole country
build one graph per region.
"""

from __future__ import annotations

import io
import math
import threading
import zipfile
from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import chain, pairwise

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from demandhub.geo.points import EARTH_RADIUS_M
from demandhub.geo.roaddata import RoadData

# Average response speeds by class, junctions and bends included: what a blue-light car
# sustains over a few kilometres, not its top speed. The spread matters more than the values:
# it is what makes a trunk road worth a detour.
DEFAULT_SPEEDS_KPH: dict[str, float] = {
    "motorway": 100.0,
    "motorway_link": 60.0,
    "trunk": 85.0,
    "trunk_link": 50.0,
    "primary": 70.0,
    "primary_link": 45.0,
    "secondary": 60.0,
    "secondary_link": 40.0,
    "tertiary": 50.0,
    "tertiary_link": 35.0,
    "unclassified": 45.0,
    "residential": 30.0,
    "living_street": 10.0,
    "service": 15.0,
    "road": 30.0,  # highway=road is "unknown class": assume a town street
}
OFF_ROAD_KPH = 15.0  # walking pace plus getting in and out: car parks, fields, estates' back ways

# Emergency drivers may exceed the limit, but a limit well below the class speed (a 30 limit
# through a village on a primary road, 20 outside a school) says the road is slower than its
# class; 1.3x is about as far over the limit as response driving is trained to go.
MAXSPEED_FACTOR = 1.3
# scipy's csgraph drops zero weights in many sparse operations and they would make a road
# disappear; a microsecond per zero-length edge keeps every edge present and changes no answer.
MIN_EDGE_SECONDS = 1e-6
FIRST_HORIZON_S = 600.0  # 10 minutes: most incidents have their nearest units inside this
SAMPLE_SPACING_M = 40.0  # snapping samples along segments: every road point is within 20 m of one
SNAP_NEIGHBOURS = 12  # samples looked at first per point: enough to settle all but odd cases
_FORMAT = 1  # bump when the arrays in to_bytes change


@dataclass(frozen=True)
class Snap:
    """A point placed on its nearest road.

    edge is a segment index (see the module docstring), fraction runs from the segment's first
    node in its way's drawing order. Snaps belong to the graph that made them.
    """

    edge: int
    fraction: float
    off_road_m: float
    lat: float
    lon: float


@dataclass(frozen=True)
class TravelResult:
    """Per source, in the order given: seconds and metres to the target, inf when unreachable
    or slower than horizon_s. Metres are along the fastest route, both off-road legs included.

    horizon_s: the last search's limit, or the caller's horizon_s when the search had already
    seen every reachable node; inf when neither cut anything off (so every inf is unreachable);
    0 when there were no sources."""

    seconds: np.ndarray
    metres: np.ndarray
    horizon_s: float


def haversine_m(lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray) -> np.ndarray:
    p1, p2 = np.radians(lat1), np.radians(lat2)
    a = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(np.radians(lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def _partial(fraction: np.ndarray, seconds: np.ndarray) -> np.ndarray:
    """fraction x seconds, where 0 x inf is 0: standing on a node needs no drive, whatever the
    direction of the segment the point was snapped to."""
    out = np.full(np.shape(fraction), np.inf)
    ok = np.isfinite(seconds)
    out[ok] = fraction[ok] * seconds[ok]
    out[fraction == 0] = 0.0
    return out


class RoadGraph:
    """Immutable after construction; safe to share between threads."""

    def __init__(self, *, node_ids: np.ndarray, lat: np.ndarray, lon: np.ndarray, seg_a: np.ndarray,
                 seg_b: np.ndarray, seg_way: np.ndarray, seg_len_m: np.ndarray, seg_fwd_s: np.ndarray,
                 seg_bwd_s: np.ndarray, way_highway: np.ndarray, way_name: np.ndarray) -> None:
        """Use build() or from_bytes(); this takes the stored arrays and derives the rest."""
        self._node_ids = np.asarray(node_ids, dtype=np.int64)
        self._lat = np.asarray(lat, dtype=np.float64)
        self._lon = np.asarray(lon, dtype=np.float64)
        self._seg_a = np.asarray(seg_a, dtype=np.int32)
        self._seg_b = np.asarray(seg_b, dtype=np.int32)
        self._seg_way = np.asarray(seg_way, dtype=np.int32)
        self._seg_len = np.asarray(seg_len_m, dtype=np.float64)
        self._seg_fwd = np.asarray(seg_fwd_s, dtype=np.float64)
        self._seg_bwd = np.asarray(seg_bwd_s, dtype=np.float64)
        self._way_highway = np.asarray(way_highway, dtype=np.str_)
        self._way_name = np.asarray(way_name, dtype=np.str_)
        self._check_arrays()
        self._init_projection()
        self._init_routing()
        self._init_snapping()
        self._pool: list[csr_matrix] = []
        self._pool_lock = threading.Lock()

    # ---- building ----------------------------------------------------------------------------

    @classmethod
    def build(cls, data: RoadData, speeds: Mapping[str, float] = DEFAULT_SPEEDS_KPH) -> RoadGraph:
        """Drivable ways only (classes in speeds); every node pair of a way is a segment.

        A way node missing from data.nodes breaks the way there (the pieces either side stay);
        a node repeated consecutively is skipped. Implied one-ways (motorways, roundabouts) are
        the reader's business: only Way.oneway is honoured here.
        """
        for cls_name, kph in speeds.items():
            if not (math.isfinite(kph) and kph > 0):
                raise ValueError(f"speed for {cls_name!r} must be a positive number, not {kph!r}")
        pairs_a: list[int] = []
        pairs_b: list[int] = []
        seg_way: list[int] = []
        way_kph: list[float] = []
        way_oneway: list[int] = []
        highways: list[str] = []
        names: list[str] = []
        nodes = data.nodes
        for way in data.ways:
            kph = speeds.get(way.highway)
            if kph is None:
                continue
            if way.oneway not in (-1, 0, 1):
                raise ValueError(f"oneway must be -1, 0 or 1, not {way.oneway!r}")
            pairs = [(u, v) for u, v in pairwise(way.nodes) if u != v and u in nodes and v in nodes]
            if not pairs:
                continue
            if way.maxspeed_kph is not None and way.maxspeed_kph > 0:
                kph = min(kph, MAXSPEED_FACTOR * way.maxspeed_kph)
            index = len(highways)
            highways.append(way.highway)
            names.append(way.name or "")
            way_kph.append(kph)
            way_oneway.append(way.oneway)
            pairs_a.extend(u for u, _ in pairs)
            pairs_b.extend(v for _, v in pairs)
            seg_way.extend([index] * len(pairs))
        if not highways:
            raise ValueError("no drivable roads: no way of a class in the speed table has two known nodes")
        ids, inverse = np.unique(np.array(pairs_a + pairs_b, dtype=np.int64), return_inverse=True)
        coords = np.array([nodes[int(i)] for i in ids], dtype=np.float64)
        seg_a, seg_b = inverse[: len(pairs_a)], inverse[len(pairs_a):]
        ways = np.array(seg_way, dtype=np.int32)
        length = haversine_m(coords[seg_a, 0], coords[seg_a, 1], coords[seg_b, 0], coords[seg_b, 1])
        seconds = length / (np.array(way_kph)[ways] / 3.6)
        oneway = np.array(way_oneway)[ways]
        return cls(node_ids=ids, lat=coords[:, 0], lon=coords[:, 1], seg_a=seg_a, seg_b=seg_b, seg_way=ways,
                   seg_len_m=length, seg_fwd_s=np.where(oneway >= 0, seconds, np.inf),
                   seg_bwd_s=np.where(oneway <= 0, seconds, np.inf),
                   way_highway=np.array(highways, dtype=np.str_), way_name=np.array(names, dtype=np.str_))

    def _check_arrays(self) -> None:
        n, m = len(self._lat), len(self._seg_a)
        if m == 0:
            raise ValueError("no drivable roads: the graph has no segments")
        if not (len(self._lon) == len(self._node_ids) == n):
            raise ValueError("node arrays differ in length")
        if any(len(a) != m for a in (self._seg_b, self._seg_way, self._seg_len, self._seg_fwd, self._seg_bwd)):
            raise ValueError("segment arrays differ in length")
        if min(self._seg_a.min(), self._seg_b.min()) < 0 or max(self._seg_a.max(), self._seg_b.max()) >= n:
            raise ValueError("segment node out of range")
        if len(self._way_highway) != len(self._way_name):
            raise ValueError("way arrays differ in length")
        if self._seg_way.min() < 0 or self._seg_way.max() >= len(self._way_highway):
            raise ValueError("segment way out of range")
        if np.any(np.diff(self._seg_way) < 0):
            raise ValueError("segments must be grouped by way, in way order")
        if np.any(self._seg_a == self._seg_b):
            raise ValueError("a segment starts and ends at the same node")
        if not (np.isfinite(self._lat).all() and np.isfinite(self._lon).all() and np.isfinite(self._seg_len).all()):
            raise ValueError("coordinates and lengths must be finite")
        fwd, bwd = self._seg_fwd, self._seg_bwd
        if np.any(np.isnan(fwd) | np.isnan(bwd) | (fwd < 0) | (bwd < 0) | (np.isinf(fwd) & np.isinf(bwd))):
            raise ValueError("segment times must be at least 0, with at least one direction open")

    def _init_projection(self) -> None:
        min_lat, min_lon, max_lat, max_lon = self.bounds()
        self._centre = ((min_lat + max_lat) / 2, (min_lon + max_lon) / 2)
        self._ky = EARTH_RADIUS_M * math.pi / 180  # metres per degree of latitude
        self._kx = self._ky * math.cos(math.radians(self._centre[0]))
        self._x, self._y = self._project(self._lat, self._lon)

    def _project(self, lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return (np.asarray(lon) - self._centre[1]) * self._kx, (np.asarray(lat) - self._centre[0]) * self._ky

    def _init_routing(self) -> None:
        """The reverse graph as CSR, one row per node plus a last row for the target point.

        Searches run backwards from the target, so row j lists the nodes i with an edge i -> j.
        The last row (index node_count) is the target's own: two slots, filled per search in a
        private copy of the arrays (see _borrowed_matrix), pointing at the ends of the target's
        segment.
        """
        n = self.node_count
        fwd, bwd = np.isfinite(self._seg_fwd), np.isfinite(self._seg_bwd)
        tail = np.concatenate([self._seg_a[fwd], self._seg_b[bwd]])
        head = np.concatenate([self._seg_b[fwd], self._seg_a[bwd]])
        seconds = np.maximum(np.concatenate([self._seg_fwd[fwd], self._seg_bwd[bwd]]), MIN_EDGE_SECONDS)
        # Parallel segments: keep the fastest. Building the CSR from COO would SUM them instead.
        order = np.lexsort((seconds, tail, head))
        keys = head[order].astype(np.int64) * (n + 1) + tail[order]
        first = np.ones(len(keys), dtype=bool)
        first[1:] = keys[1:] != keys[:-1]
        keep = order[first]
        self._edge_head = head[keep].astype(np.int32)  # sorted: the reverse CSR's row of each entry
        self._max_edge_s = float(seconds[keep].max(initial=MIN_EDGE_SECONDS))
        indptr = np.zeros(n + 2, dtype=np.int32)
        indptr[1:n + 1] = np.cumsum(np.bincount(self._edge_head, minlength=n))
        indptr[n + 1] = indptr[n] + 2
        self._rev_indptr = indptr
        self._rev_indices = np.concatenate([tail[keep].astype(np.int32), np.zeros(2, dtype=np.int32)])
        self._rev_data = np.concatenate([seconds[keep], np.ones(2)])
        self._edge_tail, self._edge_s = self._rev_indices[:-2], self._rev_data[:-2]  # views

    def _init_snapping(self) -> None:
        """KD-tree over the midpoints of SAMPLE_SPACING_M pieces of every segment: any point of
        a segment is within half a spacing of one of its samples, and no junction is repeated
        once per segment meeting there."""
        ax, ay = self._x[self._seg_a], self._y[self._seg_a]
        dx, dy = self._x[self._seg_b] - ax, self._y[self._seg_b] - ay
        pieces = np.ceil(np.hypot(dx, dy) / SAMPLE_SPACING_M).astype(np.int64).clip(min=1)
        seg = np.repeat(np.arange(len(pieces)), pieces)
        starts = np.cumsum(pieces) - pieces
        t = (np.arange(len(seg)) - starts[seg] + 0.5) / pieces[seg]
        self._sample_seg = seg.astype(np.int32)
        self._tree = cKDTree(np.column_stack([ax[seg] + t * dx[seg], ay[seg] + t * dy[seg]]))

    # ---- facts -------------------------------------------------------------------------------

    @property
    def node_count(self) -> int:
        return len(self._lat)

    @property
    def edge_count(self) -> int:
        """Directed edges: distinct (from, to) node pairs you may drive."""
        return len(self._edge_s)

    @property
    def segment_count(self) -> int:
        return len(self._seg_a)

    @property
    def node_ids(self) -> np.ndarray:
        """OSM id of each node index (sorted ascending, so np.searchsorted finds an index)."""
        return self._node_ids.copy()

    def bounds(self) -> tuple[float, float, float, float]:
        return float(self._lat.min()), float(self._lon.min()), float(self._lat.max()), float(self._lon.max())

    def directed_edges(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(from, to, seconds, metres) per edge: for baselines, checks and other tools."""
        tail, head = self._edge_tail.copy(), self._edge_head.copy()
        return tail, head, self._edge_s.copy(), haversine_m(self._lat[tail], self._lon[tail], self._lat[head],
                                                           self._lon[head])

    def at_node(self, node: int) -> Snap:
        """A snap exactly on node (an index, not an OSM id), on one of its segments."""
        hits = np.flatnonzero((self._seg_a == node) | (self._seg_b == node))
        if len(hits) == 0:
            raise ValueError(f"no node {node}")
        seg = int(hits[0])
        return Snap(seg, 0.0 if self._seg_a[seg] == node else 1.0, 0.0, float(self._lat[node]),
                    float(self._lon[node]))

    def lines(self, classes: Collection[str]) -> list[dict]:
        """One polyline per kept way of those classes, for a map; a way broken by missing nodes
        gives one line per unbroken piece."""
        wanted = np.flatnonzero(np.isin(self._way_highway, list(classes)))
        seg_of_way = np.searchsorted(self._seg_way, np.arange(len(self._way_highway) + 1))  # seg_way is sorted
        out: list[dict] = []
        for w in wanted:
            segs = np.arange(seg_of_way[w], seg_of_way[w + 1])
            breaks = np.flatnonzero(self._seg_b[segs[:-1]] != self._seg_a[segs[1:]]) + 1
            for piece in np.split(segs, breaks):
                nodes = np.append(self._seg_a[piece], self._seg_b[piece[-1]])
                out.append({"highway": str(self._way_highway[w]), "name": str(self._way_name[w]) or None,
                            "coords": np.column_stack([self._lat[nodes], self._lon[nodes]]).tolist()})
        return out

    # ---- snapping ----------------------------------------------------------------------------

    def snap(self, lat: float, lon: float) -> Snap:
        return self.snap_many([lat], [lon])[0]

    def snap_many(self, lats: Sequence[float] | np.ndarray, lons: Sequence[float] | np.ndarray) -> list[Snap]:
        """The nearest point on any segment, exactly (in the projection), for each point.

        The SNAP_NEIGHBOURS nearest samples give a best segment at distance d. The true nearest
        segment, at d* <= d, has a sample within d* + spacing/2, so when the farthest of those
        samples is beyond d + spacing/2 none was missed; otherwise ask for every sample in that
        radius.
        """
        lats, lons = np.asarray(lats, dtype=np.float64).ravel(), np.asarray(lons, dtype=np.float64).ravel()
        if lats.shape != lons.shape:
            raise ValueError("lats and lons differ in length")
        if not (np.all(np.isfinite(lats)) and np.all(np.isfinite(lons))):
            raise ValueError("coordinates must be finite")
        px, py = self._project(lats, lons)
        k = min(SNAP_NEIGHBOURS, self._tree.n)
        dist, idx = self._tree.query(np.column_stack([px, py]), k=k)
        dist, idx = dist.reshape(len(px), k), idx.reshape(len(px), k)
        segs = self._sample_seg[idx]
        d, t = self._segment_distance(px[:, None], py[:, None], segs)
        best = self._pick(d, segs)
        seg, d_best, t_best = segs[best], d[best], t[best]
        radius = d_best + SAMPLE_SPACING_M / 2 + 1e-6 * (1 + d_best)  # slack for rounding
        doubtful = np.flatnonzero(dist[:, -1] <= radius) if k < self._tree.n else np.empty(0, dtype=np.int64)
        if len(doubtful):
            seg[doubtful], d_best[doubtful], t_best[doubtful] = self._snap_by_radius(
                px[doubtful], py[doubtful], radius[doubtful])
        a, b = self._seg_a[seg], self._seg_b[seg]
        slat = self._lat[a] + t_best * (self._lat[b] - self._lat[a])
        slon = self._lon[a] + t_best * (self._lon[b] - self._lon[a])
        return [Snap(int(s), float(f), float(o), float(la), float(lo))
                for s, f, o, la, lo in zip(seg, t_best, d_best, slat, slon)]

    def _snap_by_radius(self, px: np.ndarray, py: np.ndarray, radius: np.ndarray) -> tuple[np.ndarray, ...]:
        """Nearest segment per point among those with a sample within its radius (never empty)."""
        near = self._tree.query_ball_point(np.column_stack([px, py]), radius)
        counts = np.fromiter(map(len, near), dtype=np.int64, count=len(near))
        cand = self._sample_seg[np.fromiter(chain.from_iterable(near), dtype=np.int64, count=int(counts.sum()))]
        owner = np.repeat(np.arange(len(near)), counts)
        d, t = self._segment_distance(px[owner], py[owner], cand)
        first = np.lexsort((cand, d, owner))[np.cumsum(counts) - counts]  # as _pick: nearest, then lowest
        return cand[first], d[first], t[first]

    def _segment_distance(self, px: np.ndarray, py: np.ndarray, seg: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Projected metres from points to segments, and the fraction of the nearest point."""
        a, b = self._seg_a[seg], self._seg_b[seg]
        ex, ey = px - self._x[a], py - self._y[a]
        dx, dy = self._x[b] - self._x[a], self._y[b] - self._y[a]
        len2 = dx * dx + dy * dy
        with np.errstate(invalid="ignore", divide="ignore"):
            t = np.where(len2 > 0, np.clip((ex * dx + ey * dy) / len2, 0.0, 1.0), 0.0)
        return np.hypot(ex - t * dx, ey - t * dy), t

    @staticmethod
    def _pick(d: np.ndarray, segs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per row, the nearest; among exact ties the lowest segment, so answers are stable."""
        rows = np.arange(d.shape[0])
        nearest = d.min(axis=1, keepdims=True)
        col = np.where(d == nearest, segs.astype(np.int64), np.iinfo(np.int64).max).argmin(axis=1)
        return rows, col

    # ---- travel ------------------------------------------------------------------------------

    def travel_to(self, target: Snap, sources: Sequence[Snap], *, want: int | None = None,
                  horizon_s: float | None = None) -> TravelResult:
        """Seconds and metres for each source to drive to target, in one backward search.

        With want, the search starts at FIRST_HORIZON_S and doubles until at least want sources
        are inside it, the whole reachable graph was searched, or horizon_s is reached; without
        it, one search to horizon_s (or everything). Sources beyond the final horizon are inf.
        The horizon counts the whole trip, off-road legs included.
        """
        if want is not None and want < 0:
            raise ValueError("want must be at least 0")
        if horizon_s is not None and not horizon_s >= 0:
            raise ValueError("horizon_s must be at least 0")
        src, tgt = self._snap_arrays(sources), self._snap_arrays([target])
        if len(src[0]) == 0:
            return TravelResult(np.empty(0), np.empty(0), 0.0)
        cap = math.inf if horizon_s is None else float(horizon_s)
        limit = cap if want is None else min(FIRST_HORIZON_S, cap)
        with self._borrowed_matrix() as matrix:
            ends = self._aim(matrix, int(tgt[0][0]), float(tgt[1][0]))
            while True:
                total, choice, dist, pred, complete = self._search(matrix, ends, src, tgt, limit)
                if math.isinf(limit) or want is None or limit >= cap:
                    break
                if np.count_nonzero(total <= limit) >= want:
                    break
                if complete():
                    limit = cap
                    break
                limit = min(2 * limit, cap)
        total[total > limit] = np.inf
        metres = self._metres(dist, pred, src, tgt, choice, np.isfinite(total))
        return TravelResult(total, metres, limit)

    def _search(self, matrix: csr_matrix, ends: np.ndarray, src: tuple, tgt: tuple, limit: float):
        """One backward search to limit (whole-trip seconds): totals per source, how each left
        its segment, the search tree, and a check of whether it saw every reachable node."""
        tgt_off_s = float(tgt[2][0]) / (OFF_ROAD_KPH / 3.6)
        road_limit = max(limit - tgt_off_s, 0.0)
        dist, pred = dijkstra(matrix, indices=self.node_count, return_predecessors=True, limit=road_limit)
        road_s, choice = self._road_seconds(dist, src, tgt)
        total = src[2] / (OFF_ROAD_KPH / 3.6) + road_s + tgt_off_s
        return total, choice, dist, pred, lambda: self._search_complete(dist, ends, road_limit)

    def _snap_arrays(self, snaps: Sequence[Snap]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        seg = np.fromiter((s.edge for s in snaps), dtype=np.int64, count=len(snaps))
        frac = np.fromiter((s.fraction for s in snaps), dtype=np.float64, count=len(snaps))
        off = np.fromiter((s.off_road_m for s in snaps), dtype=np.float64, count=len(snaps))
        if len(seg) and (seg.min() < 0 or seg.max() >= self.segment_count):
            raise ValueError("snap from another graph: segment out of range")
        if not (np.all((frac >= 0) & (frac <= 1)) and np.all(off >= 0)):
            raise ValueError("snap fraction must be in 0..1 and off_road_m at least 0")
        return seg, frac, off

    @contextmanager
    def _borrowed_matrix(self) -> Iterator[csr_matrix]:
        """A private copy of the reverse graph, whose target row a search may overwrite.

        Copies are kept for reuse, so there are only as many as searches ever ran at once
        (a per-thread copy would cost 12 bytes an edge in each of a web server's 40 threads).
        """
        with self._pool_lock:
            matrix = self._pool.pop() if self._pool else None
        if matrix is None:
            n = self.node_count + 1
            matrix = csr_matrix((self._rev_data.copy(), self._rev_indices.copy(), self._rev_indptr), shape=(n, n))
        try:
            yield matrix
        finally:
            with self._pool_lock:
                self._pool.append(matrix)

    def _aim(self, matrix: csr_matrix, seg: int, frac: float) -> np.ndarray:
        """Point the target row at the ends of the target's segment: arrive at a and drive
        forward to the point, or arrive at b and drive back. Returns the two ends."""
        ends = np.array([self._seg_a[seg], self._seg_b[seg]], dtype=np.int32)
        cost = np.array([_partial(np.array([frac]), self._seg_fwd[[seg]])[0],
                         _partial(np.array([1 - frac]), self._seg_bwd[[seg]])[0]])
        if np.isinf(cost[0]):  # a one-way segment: both slots go to the end you can arrive from
            ends[0], cost[0] = ends[1], cost[1]
        elif np.isinf(cost[1]):
            ends[1], cost[1] = ends[0], cost[0]
        matrix.indices[-2:] = ends
        matrix.data[-2:] = np.maximum(cost, MIN_EDGE_SECONDS)
        return ends

    def _road_seconds(self, dist: np.ndarray, src: tuple, tgt: tuple) -> tuple[np.ndarray, np.ndarray]:
        """Per source: the road time and which way it left (0 via b, 1 via a, 2 along the
        target's own segment)."""
        seg, frac, _ = src
        options = np.empty((3, len(seg)))
        options[0] = _partial(1 - frac, self._seg_fwd[seg]) + dist[self._seg_b[seg]]
        options[1] = _partial(frac, self._seg_bwd[seg]) + dist[self._seg_a[seg]]
        options[2] = np.inf
        same = np.flatnonzero(seg == tgt[0][0])
        if len(same):
            ahead = tgt[1][0] - frac[same]
            s = seg[same]
            options[2, same] = np.where(ahead >= 0, _partial(ahead, self._seg_fwd[s]),
                                        _partial(-ahead, self._seg_bwd[s]))
        choice = options.argmin(axis=0)
        return options[choice, np.arange(len(seg))], choice

    def _search_complete(self, dist: np.ndarray, ends: np.ndarray, limit: float) -> bool:
        """True when no edge leaves the searched set: every reachable node was found.

        An edge out of the set starts at a node within one edge of the limit (else its far
        end would have been reached), so only that ring is looked at.
        """
        if not np.isfinite(dist[ends]).all():
            return False
        ring = np.flatnonzero((dist >= limit - self._max_edge_s) & np.isfinite(dist))
        ring = ring[ring < self.node_count]
        first, count = self._rev_indptr[ring], np.diff(self._rev_indptr)[ring]
        entries = np.repeat(first - np.cumsum(count) + count, count) + np.arange(count.sum())
        return bool(np.isfinite(dist[self._edge_tail[entries]]).all())

    def _metres(self, dist: np.ndarray, pred: np.ndarray, src: tuple, tgt: tuple, choice: np.ndarray,
                found: np.ndarray) -> np.ndarray:
        """Metres along each found source's route, from the predecessor tree by pointer jumping
        (log(depth) numpy passes) over the nodes no farther than the farthest exit needed."""
        seg, frac, off = src
        length = self._seg_len[seg]
        exits = np.where(choice == 0, self._seg_b[seg], self._seg_a[seg])
        leg = np.where(choice == 0, (1 - frac) * length, frac * length)
        via = found & (choice != 2)
        to_target = np.zeros(len(seg))
        if via.any():
            to_target[via] = self._tree_metres(dist, pred, exits[via], tgt)
        road = np.where(choice == 2, np.abs(tgt[1][0] - frac) * length, leg + to_target)
        return np.where(found, off + road + tgt[2][0], np.inf)

    def _tree_metres(self, dist: np.ndarray, pred: np.ndarray, nodes: np.ndarray, tgt: tuple) -> np.ndarray:
        n = self.node_count
        # Every ancestor is nearer than its child (edge weights are positive), so this set is
        # closed under "parent of" and holds every path we need.
        inside = np.flatnonzero(dist <= dist[nodes].max())
        where = np.full(n + 1, -1, dtype=np.int64)
        where[inside] = np.arange(len(inside))
        root = where[n]
        parent = pred[inside].astype(np.int64)
        is_root = inside == n
        parent[is_root] = n
        step = np.zeros(len(inside))
        t_seg, t_frac = int(tgt[0][0]), float(tgt[1][0])
        from_target = (parent == n) & ~is_root  # the target's segment ends: the partial segment
        seg_len = self._seg_len[t_seg]
        step[from_target] = np.where(inside[from_target] == self._seg_a[t_seg], t_frac * seg_len,
                                     (1 - t_frac) * seg_len)
        # Every edge is a straight segment and parallel segments have the same ends, so an
        # edge's metres are the haversine between its nodes: cheaper than finding the edge.
        rest = np.flatnonzero(~from_target & ~is_root)
        child, up = inside[rest], parent[rest]
        step[rest] = haversine_m(self._lat[child], self._lon[child], self._lat[up], self._lon[up])
        up = where[parent]
        while np.any(up != root):
            step = step + step[up]
            up = up[up]
        return step[where[nodes]]

    # ---- storage -----------------------------------------------------------------------------

    def to_bytes(self) -> bytes:
        """An npz of plain arrays (no pickles), identical for identical graphs."""
        arrays = {"format": np.array([_FORMAT]), "node_ids": self._node_ids, "lat": self._lat, "lon": self._lon,
                  "seg_a": self._seg_a, "seg_b": self._seg_b, "seg_way": self._seg_way,
                  "seg_len_m": self._seg_len, "seg_fwd_s": self._seg_fwd, "seg_bwd_s": self._seg_bwd,
                  "way_highway": self._way_highway, "way_name": self._way_name}
        buffer = io.BytesIO()
        # np.savez_compressed stamps the current time into the zip; a fixed one keeps the bytes
        # (and the database's sha256) the same for the same graph.
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name, array in arrays.items():
                info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                with archive.open(info, "w") as member:
                    np.lib.format.write_array(member, np.ascontiguousarray(array), allow_pickle=False)
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, blob: bytes) -> RoadGraph:
        """Never unpickles: object arrays in blob fail to load."""
        try:
            with np.load(io.BytesIO(blob), allow_pickle=False) as stored:
                arrays = {name: stored[name] for name in stored.files}
        except (OSError, EOFError, ValueError, zipfile.BadZipFile) as error:
            raise ValueError(f"not a stored road graph: {error}") from error
        version = int(arrays.pop("format", np.array([-1]))[0])
        if version != _FORMAT:
            raise ValueError(f"road graph format {version}, expected {_FORMAT}")
        try:
            return cls(**arrays)
        except TypeError as error:  # arrays missing or unexpected
            raise ValueError(f"not a stored road graph: {error}") from error

    def __repr__(self) -> str:
        return f"<RoadGraph {self.node_count} nodes, {self.edge_count} edges, {self.segment_count} segments>"
