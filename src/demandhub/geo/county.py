"""Demoshire: a made-up English county road network for the demo and the benchmarks.

Real extracts are big, licensed downloads and change under the tests; this one is
generated from a seed, so every run, test and benchmark sees the same county.

Everything is worked out in metres east/north of the county centre and turned into
WGS84 at the end. `_plan` decides the cheap, large-scale layout (where the towns and
villages are, their outlines, the A-roads, lanes, trunk road and county boundary);
`_streets` fills each settlement with its street grid from the settlement's own seed,
so the areas and town centres never need the (much bigger) street network built.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from xml.sax.saxutils import quoteattr

import numpy as np

from demandhub.geo.osm import MPH_KPH
from demandhub.geo.roaddata import RoadData, Way

COUNTY_NAME = "Demoshire"

COUNTY_TOWN = "county town"
MARKET_TOWN = "market town"
SMALL_TOWN = "small town"
VILLAGE = "village"

_M_PER_DEG_LAT = 111_320.0
_MPH30 = 30 * MPH_KPH
_MPH60 = 60 * MPH_KPH
_MPH70 = 70 * MPH_KPH

# Per size class: nominal radius range (m, before town_scale) and street spacing (m).
_SIZES = {
    COUNTY_TOWN: ((1800.0, 1800.0), 80.0),
    MARKET_TOWN: ((900.0, 1200.0), 85.0),
    SMALL_TOWN: ((450.0, 650.0), 90.0),
    VILLAGE: ((150.0, 260.0), 95.0),
}
_MARKET_SHARE = 0.3  # of the towns after the county town
_VILLAGES_PER_TOWN = 2
_TOWN_GAP_M = 1500.0  # open country between neighbouring towns
_VILLAGE_GAP_M = 600.0
_JITTER = 0.15  # of the street spacing: enough that the grid isn't ruled, not enough to tangle it
_DEAD_END_SHARE = 0.06  # grid links left out, giving cul-de-sacs and broken rows
_STEP_M = (100.0, 200.0)  # node spacing along country roads, as in real OSM data
_BOUNDARY_VERTICES = 180

_PLACE_FIRST = (
    "Ash", "Bar", "Brad", "Brack", "Brix", "Bur", "Cal", "Chad", "Cotter", "Crans", "Dal", "Dun",
    "Eld", "Farn", "Garn", "Gild", "Had", "Hals", "Har", "Helm", "Hol", "Kel", "Kim", "Lang",
    "Lid", "Marl", "Mel", "Mil", "Nor", "Oak", "Pid", "Red", "Rid", "Sal", "Shep", "Stan",
    "Sut", "Thorn", "Tid", "Wal", "Wel", "Whit", "Wick", "Wint", "Wood", "Yar", "Ald", "Bex",
    "Cog", "Ever",
)  # fmt: skip
_PLACE_LAST = (
    "by", "ton", "ham", "ford", "worth", "ley", "field", "borough", "bury", "thorpe", "wick",
    "stead", "well", "cote", "don", "den", "hurst", "combe", "minster", "ing", "bridge", "hall",
)  # fmt: skip
_VILLAGE_FORMS = ("{}", "{}", "{}", "Great {}", "Little {}", "{} Parva", "{} St Mary", "Upper {}", "Nether {}")
_STREET_FIRST = (
    "Church", "Mill", "Station", "Victoria", "Albert", "Queen", "King", "Park", "Manor",
    "Orchard", "Meadow", "Chapel", "School", "Green", "Water", "Castle", "Abbey", "Priory",
    "Windmill", "Elm", "Oak", "Ash", "Beech", "Willow", "Cedar", "Holly", "Rectory", "Vicarage",
    "Glebe", "Spring", "Well", "Brook", "Hill", "Wood", "Grange", "Field", "Farm", "Forge",
    "Kiln", "Tannery", "Nelson", "Wellington", "York", "Cromwell", "Alexandra", "Lime",
    "Chestnut", "Hawthorn", "Rose", "Swan",
)  # fmt: skip
_STREET_KINDS = (
    "Street", "Road", "Lane", "Avenue", "Close", "Way", "Drive", "Crescent", "Gardens", "Grove",
    "Terrace", "Rise", "Place", "Row",
)  # fmt: skip
_CROSS_STREETS = ("Bridge Street", "Market Street", "Sheep Street", "Gold Street", "Silver Street", "Sheaf Street")
_VILLAGE_MAIN = ("The Street", "Main Street", "High Street")
_STREET_NAMES = tuple(f"{a} {b}" for a in _STREET_FIRST for b in _STREET_KINDS)


# ---------------------------------------------------------------- the plan


@dataclass(frozen=True)
class _Settlement:
    """A town or village: a street grid clipped to a lobed outline around its centre."""

    name: str
    size: str
    x: float  # centre, metres east of the county centre
    y: float
    radius: float  # nominal, metres
    spacing: float  # between parallel streets, metres
    rotation: float  # of the grid, radians
    lobes: tuple[tuple[int, float, float], ...]  # (k, relative amplitude, phase) of the outline
    warp: tuple[float, float, float, float, float]  # amplitude m, wavelengths m (u, v), phases (u, v)
    seed: int  # for its streets, so they can be built without replaying the whole plan

    def reach(self, theta: float) -> float:
        """Outline radius in the grid's own frame."""
        return self.radius * (1 + sum(a * math.cos(k * theta + p) for k, a, p in self.lobes))

    @cached_property  # asked for constantly while placing settlements
    def extent(self) -> float:
        """How far from the centre any of its nodes can be."""
        outline = max(self.radius * (1 + sum(a for _, a, _ in self.lobes)), self.spacing)  # arms are >= 1 step
        return outline + 2 * self.warp[0] + self.spacing * _JITTER * 1.5

    def contains(self, i: int, j: int) -> bool:
        u, v = i * self.spacing, j * self.spacing
        return math.hypot(u, v) <= self.reach(math.atan2(v, u))

    def arm_length(self, arm: int) -> int:
        """Grid steps from the centre to the edge along arm 0 (+i), 1 (+j), 2 (-i) or 3 (-j)."""
        return self._arm_lengths[arm]

    @cached_property
    def _arm_lengths(self) -> tuple[int, ...]:
        lengths = []
        for di, dj in _ARM_STEP:
            k = 1  # at least one step even if the outline is tight, so every arm has an end
            while self.contains((k + 1) * di, (k + 1) * dj):
                k += 1
            lengths.append(k)
        return tuple(lengths)

    def arm_end(self, arm: int) -> tuple[int, int]:
        di, dj = _ARM_STEP[arm]
        k = self.arm_length(arm)
        return k * di, k * dj

    def bearing(self, arm: int) -> float:
        return self.rotation + arm * math.pi / 2

    def at(self, u: float, v: float) -> tuple[float, float]:
        """County metres of a point given in the grid frame (metres), after the gentle warp."""
        amp, wave_u, wave_v, phase_u, phase_v = self.warp
        # Subtracting the value at the origin keeps the centre node on the planned centre.
        du = amp * (math.sin(2 * math.pi * v / wave_v + phase_u) - math.sin(phase_u))
        dv = amp * (math.sin(2 * math.pi * u / wave_u + phase_v) - math.sin(phase_v))
        u, v = u + du, v + dv
        c, s = math.cos(self.rotation), math.sin(self.rotation)
        return self.x + u * c - v * s, self.y + u * s + v * c

    def grid_xy(self, i: int, j: int) -> tuple[float, float]:
        return self.at(i * self.spacing, j * self.spacing)

    def best_arm(self, toward: tuple[float, float]) -> int:
        target = math.atan2(toward[1] - self.y, toward[0] - self.x)
        return min(range(4), key=lambda arm: abs(_angle_diff(self.bearing(arm), target)))

    def outline(self, vertices: int = 48) -> list[tuple[float, float]]:
        margin = 2 * self.warp[0] + 0.6 * self.spacing
        c, s = math.cos(self.rotation), math.sin(self.rotation)
        points = []
        for n in range(vertices):
            theta = 2 * math.pi * n / vertices
            r = self.reach(theta) + margin
            u, v = r * math.cos(theta), r * math.sin(theta)
            points.append((self.x + u * c - v * s, self.y + u * s + v * c))
        return points


_ARM_STEP = ((1, 0), (0, 1), (-1, 0), (0, -1))

# Where a road ends on something already built: ("arm", settlement, arm) is the node at the
# end of a settlement's arm, ("pt", road, index) a node of an earlier road.
_Ref = tuple[str, int, int]


@dataclass(frozen=True)
class _Road:
    """A road between settlements, drawn as a polyline."""

    highway: str
    name: str | None
    maxspeed_kph: float | None
    points: tuple[tuple[float, float], ...]
    joins: tuple[tuple[int, _Ref], ...]  # (point index, node it shares)


@dataclass(frozen=True)
class _Plan:
    centre: tuple[float, float]  # lat, lon
    settlements: tuple[_Settlement, ...]  # towns first (county town at 0), then villages
    roads: tuple[_Road, ...]  # A-roads, then lanes, then the trunk road (order matters: joins look back)
    primary_arms: dict[int, frozenset[int]]  # settlement -> arms an A-road runs along into the centre
    boundary: tuple[tuple[float, float], ...]  # county outline, counter-clockwise


def _plan(seed: int, towns: int, centre: tuple[float, float], radius_km: float, town_scale: float) -> _Plan:
    if towns < 1:
        raise ValueError("towns must be at least 1")
    if radius_km <= 0 or town_scale <= 0:
        raise ValueError("radius_km and town_scale must be positive")
    rng = random.Random(seed)
    names = _NameMaker(rng)
    markets = round((towns - 1) * _MARKET_SHARE)
    sizes = [COUNTY_TOWN] + [MARKET_TOWN] * markets + [SMALL_TOWN] * (towns - 1 - markets)
    town_list, radius = _place_towns(rng, names, sizes, radius_km * 1000.0, town_scale)

    roads: list[_Road] = []
    primary_arms: dict[int, set[int]] = {}
    _add_a_roads(rng, town_list, roads, primary_arms)
    villages = _place_villages(rng, names, towns * _VILLAGES_PER_TOWN, town_list, roads, radius)
    settlements = town_list + villages
    _add_lanes(rng, settlements, len(town_list), roads)
    boundary = _boundary(rng, settlements, roads, radius)
    roads.append(_trunk_road(rng, settlements, roads, boundary))
    return _Plan(
        centre=centre,
        settlements=tuple(settlements),
        roads=tuple(roads),
        primary_arms={k: frozenset(v) for k, v in primary_arms.items()},
        boundary=tuple(boundary),
    )


class _NameMaker:
    """Invented but English-sounding place names, never the same one twice."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()

    def place(self, size: str) -> str:
        for attempt in range(1000):
            stem = self.rng.choice(_PLACE_FIRST) + self.rng.choice(_PLACE_LAST)
            if size == VILLAGE or attempt > 500:  # qualifiers also rescue a crowded name space
                name = self.rng.choice(_VILLAGE_FORMS).format(stem)
            elif size == MARKET_TOWN and self.rng.random() < 0.15:
                name = f"Market {stem}"
            else:
                name = stem
            if name not in self.used:
                self.used.add(name)
                return name
        name = f"{stem} {len(self.used)}"  # only reachable with thousands of settlements
        self.used.add(name)
        return name


def _new_settlement(rng: random.Random, name: str, size: str, scale: float) -> _Settlement:
    (low, high), spacing = _SIZES[size]
    if size == VILLAGE:
        scale = 1.0  # villages stay villages; town_scale is for stress-testing towns
    return _Settlement(
        name=name,
        size=size,
        x=0.0,
        y=0.0,
        radius=rng.uniform(low, high) * scale,
        spacing=spacing,
        rotation=rng.uniform(0, math.pi / 2),  # a grid looks the same turned by a right angle
        lobes=tuple((k, rng.uniform(0.0, 0.08), rng.uniform(0, 2 * math.pi)) for k in (2, 3, 4)),
        warp=(
            rng.uniform(0.1, 0.3) * spacing,
            rng.uniform(8, 16) * spacing,
            rng.uniform(8, 16) * spacing,
            rng.uniform(0, 2 * math.pi),
            rng.uniform(0, 2 * math.pi),
        ),
        seed=rng.getrandbits(63),
    )


def _place_towns(
    rng: random.Random, names: _NameMaker, sizes: list[str], radius: float, scale: float
) -> tuple[list[_Settlement], float]:
    """Biggest first, apart from each other; the county grows if they don't fit in it."""
    placed: list[_Settlement] = []
    for size in sizes:
        town = _new_settlement(rng, names.place(size), size, scale)
        while True:
            spot = _free_spot(rng, town.extent, placed, _TOWN_GAP_M, radius, near_centre=size == COUNTY_TOWN)
            if spot is not None:
                break
            radius *= 1.05
        placed.append(replace(town, x=spot[0], y=spot[1]))
    return placed, radius


def _free_spot(
    rng: random.Random,
    extent: float,
    placed: list[_Settlement],
    gap: float,
    radius: float,
    near_centre: bool = False,
    avoid: np.ndarray | None = None,
) -> tuple[float, float] | None:
    """A random point whose disc keeps `gap` from every placed settlement, or None."""
    reach = 0.15 * radius if near_centre else 0.9 * radius - extent
    if reach <= 0:
        return None
    others = np.array([(s.x, s.y) for s in placed]).reshape(-1, 2)
    clearance = np.array([s.extent + extent + gap for s in placed])
    for _ in range(8):
        r = np.sqrt([rng.random() for _ in range(32)]) * reach
        theta = np.array([rng.uniform(0, 2 * math.pi) for _ in range(32)])
        candidates = np.column_stack((r * np.cos(theta), r * np.sin(theta)))
        dist = np.hypot(candidates[:, None, 0] - others[None, :, 0], candidates[:, None, 1] - others[None, :, 1])
        for x, y in candidates[np.all(dist >= clearance[None, :], axis=1)].tolist():
            # Checked only for the survivors: there are many road points to keep clear of.
            if avoid is None or not len(avoid) or np.hypot(avoid[:, 0] - x, avoid[:, 1] - y).min() >= extent + 250.0:
                return x, y
    return None


def _place_villages(
    rng: random.Random, names: _NameMaker, count: int, towns: list[_Settlement], roads: list[_Road], radius: float
) -> list[_Settlement]:
    """Villages in the gaps, off the A-roads; one that finds no room is simply left out."""
    avoid = np.array([p for road in roads for p in road.points]).reshape(-1, 2)
    placed = list(towns)
    villages = []
    for _ in range(count):
        village = _new_settlement(rng, names.place(VILLAGE), VILLAGE, 1.0)
        spot = _free_spot(rng, village.extent, placed, _VILLAGE_GAP_M, radius, avoid=avoid)
        if spot is not None:
            village = replace(village, x=spot[0], y=spot[1])
            placed.append(village)
            villages.append(village)
    return villages


def _town_links(towns: list[_Settlement]) -> list[tuple[int, int]]:
    """Pairs of towns an A-road joins: the relative neighbourhood graph.

    It contains the minimum spanning tree (so every town is reached) plus the few extra
    links that give a real network its loops, and no long link that passes by a town.
    """
    n = len(towns)
    if n < 2:
        return []
    pts = np.array([(t.x, t.y) for t in towns])
    dist = np.linalg.norm(pts[:, None, :] - pts[None, :, :], axis=2)
    links = [
        (a, b)
        for a in range(n)
        for b in range(a + 1, n)
        if not np.any(np.maximum(dist[a], dist[b]) < dist[a, b])
    ]
    if len(links) == n - 1 and n >= 3:  # a bare tree: add the shortest missing link for one loop
        present = set(links)
        links.append(min(((a, b) for a in range(n) for b in range(a + 1, n) if (a, b) not in present),
                         key=lambda ab: dist[ab]))  # fmt: skip
    return links


def _add_a_roads(
    rng: random.Random, towns: list[_Settlement], roads: list[_Road], primary_arms: dict[int, set[int]]
) -> None:
    zone = rng.choice((4, 5, 6))  # A-road numbers share the first digit of their zone
    refs: set[str] = set()
    for a, b in _town_links(towns):
        arm_a = towns[a].best_arm((towns[b].x, towns[b].y))
        arm_b = towns[b].best_arm((towns[a].x, towns[a].y))
        start, end = towns[a].grid_xy(*towns[a].arm_end(arm_a)), towns[b].grid_xy(*towns[b].arm_end(arm_b))
        ref = _road_number(rng, zone, refs)
        points = _polyline(rng, start, end, bend=0.03)
        joins = ((0, ("arm", a, arm_a)), (len(points) - 1, ("arm", b, arm_b)))
        roads.append(_Road("primary", ref, _MPH60, points, joins))
        primary_arms.setdefault(a, set()).add(arm_a)
        primary_arms.setdefault(b, set()).add(arm_b)


def _road_number(rng: random.Random, zone: int, taken: set[str]) -> str:
    """An unused three- or four-digit A-road number (two digits are kept for the trunk road)."""
    while True:
        ref = f"A{zone}{rng.randint(0, 99):02d}" if rng.random() < 0.6 else f"A{zone}{rng.randint(100, 999)}"
        if ref not in taken:
            taken.add(ref)
            return ref
        if len(taken) > 500:  # a huge county spills over into the neighbouring zones
            zone = rng.randint(1, 9)


def _add_lanes(rng: random.Random, settlements: list[_Settlement], first_village: int, roads: list[_Road]) -> None:
    """Each village gets a lane to the nearest A-road or town; some get a second to a neighbour."""
    targets: list[tuple[float, float, _Ref]] = [
        (p[0], p[1], ("pt", r, k)) for r, road in enumerate(roads) for k, p in enumerate(road.points[1:-1], start=1)
    ]
    for t in range(first_village):
        town = settlements[t]
        targets += [(*town.grid_xy(*town.arm_end(arm)), ("arm", t, arm)) for arm in range(4)]
    if not targets:
        return
    target_xy = np.array([(x, y) for x, y, _ in targets])
    joined: set[tuple[int, int]] = set()
    for v in range(first_village, len(settlements)):
        village = settlements[v]
        nearest = int(np.argmin(np.linalg.norm(target_xy - (village.x, village.y), axis=1)))
        x, y, ref = targets[nearest]
        _add_lane(rng, settlements, v, (x, y), ref, roads)
    villages = np.array([(s.x, s.y) for s in settlements[first_village:]]).reshape(-1, 2)
    for v in range(first_village, len(settlements)):
        if rng.random() >= 0.3 or len(villages) < 2:
            continue
        dist = np.linalg.norm(villages - (settlements[v].x, settlements[v].y), axis=1)
        dist[v - first_village] = np.inf
        w = first_village + int(np.argmin(dist))
        if dist[w - first_village] < 6000 and (min(v, w), max(v, w)) not in joined:
            joined.add((min(v, w), max(v, w)))
            arm = settlements[w].best_arm((settlements[v].x, settlements[v].y))
            end = settlements[w].grid_xy(*settlements[w].arm_end(arm))
            _add_lane(rng, settlements, v, end, ("arm", w, arm), roads)


def _add_lane(
    rng: random.Random, settlements: list[_Settlement], v: int, end: tuple[float, float], end_ref: _Ref, roads: list[_Road]
) -> None:
    village = settlements[v]
    arm = village.best_arm(end)
    points = _polyline(rng, village.grid_xy(*village.arm_end(arm)), end, bend=0.05)
    joins = ((0, ("arm", v, arm)), (len(points) - 1, end_ref))
    # Unclassified lanes rarely carry a maxspeed tag in OSM; the graph's default applies.
    roads.append(_Road("unclassified", f"{village.name} Lane", None, points, joins))


def _polyline(
    rng: random.Random, start: tuple[float, float], end: tuple[float, float], bend: float
) -> tuple[tuple[float, float], ...]:
    """A country road from start to end: a node every 100-200 m and a few gentle bends."""
    (x0, y0), (x1, y1) = start, end
    length = math.hypot(x1 - x0, y1 - y0)
    if length == 0:
        return start, end
    steps = max(1, round(length / rng.uniform(*_STEP_M)))
    nx, ny = (y0 - y1) / length, (x1 - x0) / length
    amps = [max(-2 * bend * length / k, min(2 * bend * length / k, rng.gauss(0, bend * length / k))) for k in (1, 2, 3)]
    points = [start]
    for m in range(1, steps):
        t = m / steps
        offset = sum(a * math.sin(k * math.pi * t) for k, a in zip((1, 2, 3), amps)) + rng.uniform(-8, 8)
        points.append((x0 + (x1 - x0) * t + nx * offset, y0 + (y1 - y0) * t + ny * offset))
    points.append(end)
    return tuple(points)


def _boundary(
    rng: random.Random, settlements: list[_Settlement], roads: list[_Road], radius: float
) -> list[tuple[float, float]]:
    """An irregular outline around every settlement and road planned so far.

    A lobed base shape, pushed out wherever something would poke through it. `need` holds,
    per angular bin, the furthest distance anything reaches; every vertex stays beyond the
    need of both bins it borders, with margin, so no chord of the outline cuts a road off.
    """
    bins = _BOUNDARY_VERTICES
    width = 2 * math.pi / bins
    need = [0.0] * bins

    def mark(theta_from: float, theta_to: float, dist: float) -> None:
        start = math.floor(theta_from / width)
        for b in range(start, math.floor(theta_to / width) + 1):
            need[b % bins] = max(need[b % bins], dist)

    for s in settlements:
        d = math.hypot(s.x, s.y)
        if d <= s.extent:
            mark(0, 2 * math.pi, d + s.extent)
        else:
            half = math.asin(s.extent / d)
            theta = math.atan2(s.y, s.x)
            mark(theta - half, theta + half, d + s.extent)
    for road in roads:
        for (xa, ya), (xb, yb) in itertools.pairwise(road.points):
            ta, tb = math.atan2(ya, xa), math.atan2(yb, xb)
            tb = ta + _angle_diff(tb, ta)
            mark(min(ta, tb), max(ta, tb), max(math.hypot(xa, ya), math.hypot(xb, yb)))

    # Taper each bin's need over its neighbours: a broad bulge where a village pokes out,
    # not a spike. The bin itself and the next keep their full need, which is what counts.
    taper = [(w, 1 - 0.03 * max(0, abs(w) - 1)) for w in range(-12, 13)]
    need = [max(need[(b + w) % bins] * f for w, f in taper) for b in range(bins)]
    lobes = [(k, rng.uniform(0.02, 0.10) * 2 / k, rng.uniform(0, 2 * math.pi)) for k in range(2, 7)]
    ripple = [rng.uniform(0, 0.015) for _ in range(bins)]
    outline = []
    for v in range(bins):
        theta = v * width
        base = radius * (0.95 + sum(a * math.cos(k * theta + p) for k, a, p in lobes))
        r = max(base, max(need[v - 1], need[v]) * 1.02 + 300.0) * (1 + (ripple[v - 1] + ripple[v]) / 2)
        outline.append((r * math.cos(theta), r * math.sin(theta)))
    return outline


def _inside_radius(boundary: list[tuple[float, float]], theta: float) -> float:
    """A distance along bearing theta that is surely inside the outline."""
    n = len(boundary)
    v = math.floor((theta % (2 * math.pi)) / (2 * math.pi / n)) % n
    r = min(math.hypot(*boundary[v]), math.hypot(*boundary[(v + 1) % n]))
    return 0.97 * r * math.cos(math.pi / n)


def _trunk_road(
    rng: random.Random,
    settlements: list[_Settlement],
    roads: list[_Road],
    boundary: list[tuple[float, float]],
) -> _Road:
    """One trunk road across the county, meeting the A-roads at one or two junctions.

    It runs edge to edge (the data stops at the county line, as an extract does) on the
    bearing, out of sixteen, that crosses the fewest settlements.
    """
    candidates = _open_country([(p, ("pt", r, k)) for r, road in enumerate(roads) if road.highway == "primary"
                                for k, p in enumerate(road.points[1:-1], start=1)], settlements)  # fmt: skip
    if not candidates:  # a single town: meet it at the ends of its arms
        town = settlements[0]
        candidates = [(town.grid_xy(*town.arm_end(arm)), ("arm", 0, arm)) for arm in range(4)]
    first = rng.uniform(0, 2 * math.pi)
    options = []
    for c in range(16):
        theta = first + c * math.pi / 8
        back = theta + math.pi + rng.uniform(-0.3, 0.3)
        start = _at_bearing(theta, _inside_radius(boundary, theta))
        end = _at_bearing(back, _inside_radius(boundary, back))
        junctions, detour = _trunk_junctions(start, end, candidates)
        stops = [start, *(p for p, _ in junctions), end]
        crossed = sum(
            any(_segment_distance((s.x, s.y), a, b) < s.extent + 300 for a, b in itertools.pairwise(stops))
            for s in settlements
        )
        options.append((crossed, detour, c, start, end, junctions))
    _, _, _, start, end, junctions = min(options)

    stops = [start, *(p for p, _ in junctions), end]
    points: list[tuple[float, float]] = [start]
    joins = []
    for leg, (a, b) in enumerate(itertools.pairwise(stops)):
        points += _polyline(rng, a, b, bend=0.02)[1:]
        if leg < len(junctions):
            joins.append((len(points) - 1, junctions[leg][1]))
    joined = {k for k, _ in joins}
    points = [p if k in joined else _pull_inside(p, boundary) for k, p in enumerate(points)]
    ref = f"A{rng.choice((4, 5, 6))}{rng.randint(0, 9)}"  # trunk roads have the short numbers
    return _Road("trunk", ref, _MPH70, tuple(points), tuple(joins))


def _open_country(
    points: list[tuple[tuple[float, float], _Ref]], settlements: list[_Settlement]
) -> list[tuple[tuple[float, float], _Ref]]:
    """The points well clear of every settlement: where a trunk road junction would be built."""
    if not points:
        return []
    xy = np.array([p for p, _ in points])
    clear = np.ones(len(points), dtype=bool)
    for s in settlements:
        clear &= np.hypot(xy[:, 0] - s.x, xy[:, 1] - s.y) >= s.extent + 800.0
    return [point for point, ok in zip(points, clear.tolist()) if ok]


def _trunk_junctions(
    start: tuple[float, float], end: tuple[float, float], candidates: list[tuple[tuple[float, float], _Ref]]
) -> tuple[list[tuple[tuple[float, float], _Ref]], float]:
    """Where the trunk meets the A-roads, in order from the start, and how far off line that is.

    The A-road nodes nearest the straight line across: the nearest one, and a second on
    another road well along from it if one is close to the line, so the trunk stays straight.
    """
    xy = np.array([p for p, _ in candidates])
    dx, dy = end[0] - start[0], end[1] - start[1]
    along = np.clip(((xy[:, 0] - start[0]) * dx + (xy[:, 1] - start[1]) * dy) / (dx * dx + dy * dy), 0, 1)
    off = np.hypot(xy[:, 0] - start[0] - along * dx, xy[:, 1] - start[1] - along * dy)
    order = np.argsort(off, kind="stable").tolist()
    first = order[0]
    chosen = [first]
    for k in order[1:]:
        if off[k] > 2000:
            break
        if abs(along[k] - along[first]) >= 0.25 and candidates[k][1][1] != candidates[first][1][1]:
            chosen.append(k)
            break
    chosen.sort(key=lambda k: along[k])
    return [candidates[k] for k in chosen], float(sum(off[k] for k in chosen))


def _pull_inside(p: tuple[float, float], boundary: list[tuple[float, float]]) -> tuple[float, float]:
    """Bends near the county line must not take the road out of the county."""
    theta = math.atan2(p[1], p[0])
    limit = _inside_radius(boundary, theta)
    d = math.hypot(*p)
    return p if d <= limit else (p[0] * limit / d, p[1] * limit / d)


def _at_bearing(theta: float, r: float) -> tuple[float, float]:
    return r * math.cos(theta), r * math.sin(theta)


def _segment_distance(p: tuple[float, float], a: tuple[float, float], b: tuple[float, float]) -> float:
    (px, py), (ax, ay), (bx, by) = p, a, b
    dx, dy = bx - ax, by - ay
    t = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)))
    return math.hypot(px - ax - t * dx, py - ay - t * dy)


def _angle_diff(a: float, b: float) -> float:
    """a - b, wrapped into (-pi, pi]."""
    return (a - b + math.pi) % (2 * math.pi) - math.pi


# ---------------------------------------------------------------- the streets
#
# A settlement's grid is a (2n+1) x (2n+1) array of crossings, cell [a, b] being grid
# position (i, j) = (a - n, b - n). `across[a, b]` is the street from [a, b] to [a+1, b]
# (along a row, +i), `up[a, b]` the one from [a, b] to [a, b+1] (along a column, +j).
# Numpy does the per-crossing work; the big benchmark county has a quarter of a million.

_Attrs = tuple[str, int, float | None, str]  # highway, one-way along +i/+j (1, -1) or 0, kph, name


@dataclass
class _Streets:
    cells: list[tuple[int, int]]  # grid (i, j) of each crossing
    x: np.ndarray  # county metres of each crossing, in the order of cells
    y: np.ndarray
    ways: list[tuple[list[tuple[int, int]], str, int, float | None, str]]  # cells, highway, oneway, kph, name


def _streets(s: _Settlement, primary_arms: frozenset[int]) -> _Streets:
    """The settlement's crossings and the ways along its rows and columns."""
    n = math.ceil(s.extent / s.spacing)
    noise = np.random.default_rng(s.seed)
    inside = _inside(s, n)
    across = inside[:-1, :] & inside[1:, :]
    up = inside[:, :-1] & inside[:, 1:]
    # Leave a few links out for cul-de-sacs and broken rows, never along the arms.
    across &= (noise.random(across.shape) >= _DEAD_END_SHARE) | (np.arange(-n, n + 1) == 0)[None, :]
    up &= (noise.random(up.shape) >= _DEAD_END_SHARE) | (np.arange(-n, n + 1) == 0)[:, None]
    reached = _reachable(across, up, n)
    across &= reached[:-1, :]
    up &= reached[:, :-1]

    rng = random.Random(s.seed)
    oneway_rows = _oneway_rows(rng, s)
    if oneway_rows and _reachable(across & ~_oneway_mask(oneway_rows, n), up, n).sum() != reached.sum():
        # Every one-way street must be a shortcut the two-way streets also join up, or some
        # crossing can be entered but not left; rarely the dead ends break that, so no one-ways.
        oneway_rows = {}
    ways = _assemble_ways(_tagger(rng, s, primary_arms, oneway_rows, n), across, up, n)

    x, y = _positions(s, noise, n)
    cells = [(a - n, b - n) for a, b in np.argwhere(reached).tolist()]
    return _Streets(cells=cells, x=x[reached], y=y[reached], ways=ways)


def _inside(s: _Settlement, n: int) -> np.ndarray:
    """Crossings within the outline; on the centre lines, exactly the arms."""
    steps = np.arange(-n, n + 1) * s.spacing
    u, v = np.meshgrid(steps, steps, indexing="ij")
    theta = np.arctan2(v, u)
    reach = s.radius * (1 + sum(a * np.cos(k * theta + p) for k, a, p in s.lobes))
    inside = np.hypot(u, v) <= reach
    # The plan computed the arm ends with scalar maths; use its answer, not numpy's rounding.
    inside[n, :] = False
    inside[:, n] = False
    for arm, (di, dj) in enumerate(_ARM_STEP):
        for k in range(s.arm_length(arm) + 1):
            inside[n + k * di, n + k * dj] = True
    return inside


def _reachable(across: np.ndarray, up: np.ndarray, n: int) -> np.ndarray:
    """Crossings joined to the centre, by flooding outwards one street at a time."""
    seen = np.zeros((2 * n + 1, 2 * n + 1), dtype=bool)
    seen[n, n] = True
    while True:
        grown = seen.copy()
        grown[1:, :] |= seen[:-1, :] & across
        grown[:-1, :] |= seen[1:, :] & across
        grown[:, 1:] |= seen[:, :-1] & up
        grown[:, :-1] |= seen[:, 1:] & up
        if np.array_equal(grown, seen):
            return seen
        seen = grown


def _positions(s: _Settlement, noise: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """County metres of every crossing: jittered off the centre lines, then warped and turned."""
    m = 2 * n + 1
    steps = np.arange(-n, n + 1)
    i, j = np.meshgrid(steps, steps, indexing="ij")
    jitter = noise.uniform(-_JITTER, _JITTER, size=(2, m, m)) * s.spacing
    jitter[:, (i == 0) | (j == 0)] = 0.0  # arms stay exactly where the plan joined roads to them
    u = i * s.spacing + jitter[0]
    v = j * s.spacing + jitter[1]
    amp, wave_u, wave_v, phase_u, phase_v = s.warp
    u2 = u + amp * (np.sin(2 * np.pi * v / wave_v + phase_u) - math.sin(phase_u))
    v2 = v + amp * (np.sin(2 * np.pi * u / wave_u + phase_v) - math.sin(phase_v))
    c, sn = math.cos(s.rotation), math.sin(s.rotation)
    return s.x + u2 * c - v2 * sn, s.y + u2 * sn + v2 * c


def _oneway_rows(rng: random.Random, s: _Settlement) -> dict[int, tuple[int, int]]:
    """Row j -> (direction, half-length): the one-way streets near a bigger town's centre."""
    count = {COUNTY_TOWN: 4, MARKET_TOWN: 2}.get(s.size, 0)
    rows = rng.sample([-3, -2, -1, 1, 2, 3], count)
    return {j: (rng.choice((1, -1)), rng.randint(3, 6)) for j in rows}


def _oneway_mask(oneway_rows: dict[int, tuple[int, int]], n: int) -> np.ndarray:
    mask = np.zeros((2 * n, 2 * n + 1), dtype=bool)
    for j, (_, half) in oneway_rows.items():
        if abs(j) <= n:
            mask[max(0, n - half + 1) : n + half, n + j] = True  # edges from i = 1-half to half-1
    return mask


def _tagger(
    rng: random.Random, s: _Settlement, primary_arms: frozenset[int], oneway_rows: dict[int, tuple[int, int]], n: int
) -> Callable[[int, int], list[tuple[int, int, _Attrs]]]:
    """For a row (axis 0, line j) or column (axis 1, line i): its stretches with the same tags.

    Returns a function giving [(from, to, tags)] covering streets whose lower crossing is
    from <= i (or j) < to; the tags only change at the centre and at one-way ends, so the
    ways are cut there rather than checking every street.
    """
    village = s.size == VILLAGE
    main = rng.choice(_VILLAGE_MAIN) if village else "High Street"
    cross = "Church Lane" if village else rng.choice(_CROSS_STREETS)
    pool = [name for name in _STREET_NAMES if name not in (main, cross)]
    pool = rng.sample(pool, min(len(pool), 4 * n + 2))  # enough for every row and column
    names: dict[tuple[int, int], str] = {}

    def arm_tags(axis: int, arm: int) -> _Attrs:
        if arm in primary_arms:
            highway = "primary"  # the A-road runs in along the arm to the centre
        elif village:
            highway = "unclassified" if axis == 0 else "residential"
        else:
            highway = "tertiary"
        return highway, 0, _MPH30, main if axis == 0 else cross

    def stretches(axis: int, line: int) -> list[tuple[int, int, _Attrs]]:
        if line == 0:
            below, above = (2, 0) if axis == 0 else (3, 1)
            parts = [(-n, 0, arm_tags(axis, below)), (0, n, arm_tags(axis, above))]
        else:
            name = names.setdefault((axis, line), pool[len(names) % len(pool)])
            plain = ("residential", 0, _MPH30, name)
            direction, half = oneway_rows.get(line, (0, 0)) if axis == 0 else (0, 0)
            if direction:
                one_way = ("residential", direction, _MPH30, name)
                parts = [(-n, 1 - half, plain), (1 - half, half, one_way), (half, n, plain)]
            else:
                parts = [(-n, n, plain)]
        merged: list[tuple[int, int, _Attrs]] = []
        for lo, hi, tags in parts:
            if merged and merged[-1][2] == tags:  # both arms alike: one street through the centre
                merged[-1] = (merged[-1][0], hi, tags)
            else:
                merged.append((lo, hi, tags))
        return merged

    return stretches


def _assemble_ways(
    stretches: Callable[[int, int], list[tuple[int, int, _Attrs]]], across: np.ndarray, up: np.ndarray, n: int
) -> list[tuple[list[tuple[int, int]], str, int, float | None, str]]:
    """One way per unbroken stretch of a row or column with the same tags, as a mapper draws them."""
    ways = []
    for axis, links in ((0, across.T), (1, up)):  # both as [line, along]
        edges = np.zeros((links.shape[0], links.shape[1] + 2), dtype=np.int8)
        edges[:, 1:-1] = links
        steps = np.diff(edges, axis=1)
        for b in np.flatnonzero(steps.any(axis=1)).tolist():
            line = b - n
            starts = (np.flatnonzero(steps[b] == 1) - n).tolist()
            ends = (np.flatnonzero(steps[b] == -1) - n).tolist()
            parts = stretches(axis, line)
            for lo, hi in zip(starts, ends):  # streets lo..hi-1, crossings lo..hi
                for part_lo, part_hi, tags in parts:
                    first, last = max(lo, part_lo), min(hi, part_hi)
                    if first < last:
                        along = range(first, last + 1)
                        cells = [(k, line) for k in along] if axis == 0 else [(line, k) for k in along]
                        ways.append(_way_from_run(cells, tags))
    return ways


def _way_from_run(
    run: list[tuple[int, int]], run_attrs: _Attrs
) -> tuple[list[tuple[int, int]], str, int, float | None, str]:
    highway, oneway, kph, name = run_attrs
    if oneway < 0:  # draw one-way streets in their direction of travel, as mappers do
        run = run[::-1]
    return run, highway, 1 if oneway else 0, kph, name


# ---------------------------------------------------------------- assembly and output


def _build(plan: _Plan) -> RoadData:
    xs: list[np.ndarray] = []
    ys: list[np.ndarray] = []
    count = 0  # nodes so far; ids run from 1
    ways: list[Way] = []
    arm_nodes: dict[tuple[int, int], int] = {}
    for index, s in enumerate(plan.settlements):
        streets = _streets(s, plan.primary_arms.get(index, frozenset()))
        ids = {cell: count + k + 1 for k, cell in enumerate(streets.cells)}
        count += len(ids)
        xs.append(streets.x)
        ys.append(streets.y)
        ways += [Way(tuple(ids[c] for c in cells), hw, ow, kph, name) for cells, hw, ow, kph, name in streets.ways]
        arm_nodes.update(((index, arm), ids[s.arm_end(arm)]) for arm in range(4))
    road_nodes: dict[tuple[int, int], int] = {}
    new_points: list[tuple[float, float]] = []
    for r, road in enumerate(plan.roads):
        joins = dict(road.joins)
        node_ids = []
        for k, p in enumerate(road.points):
            ref = joins.get(k)
            if ref is None:
                new_points.append(p)
                node = count + len(new_points)
            elif ref[0] == "arm":
                node = arm_nodes[ref[1], ref[2]]
            else:
                node = road_nodes[ref[1], ref[2]]
            road_nodes[r, k] = node
            node_ids.append(node)
        ways.append(Way(tuple(node_ids), road.highway, 0, road.maxspeed_kph, road.name))
    if new_points:
        xs.append(np.array([x for x, _ in new_points]))
        ys.append(np.array([y for _, y in new_points]))
    lat, lon = _to_lat_lon(plan.centre, np.concatenate(xs), np.concatenate(ys))
    return RoadData(nodes=dict(enumerate(zip(lat, lon), start=1)), ways=ways)


def _to_lat_lon(centre: tuple[float, float], x, y) -> tuple[list[float], list[float]]:
    """County metres to latitudes and longitudes, rounded to the 7 decimals OSM stores.

    numpy rounds as rint(v * 1e7) / 1e7, the same division libosmium does when it reads the
    value back, so the coordinates survive a trip through an OSM file exactly.
    """
    lat0, lon0 = centre
    m_per_deg_lon = _M_PER_DEG_LAT * math.cos(math.radians(lat0))
    lat = np.round(lat0 + np.asarray(y, dtype=float) / _M_PER_DEG_LAT, 7)
    lon = np.round(lon0 + np.asarray(x, dtype=float) / m_per_deg_lon, 7)
    return lat.tolist(), lon.tolist()


def generate_county_data(
    seed: int = 7,
    *,
    towns: int = 12,
    centre: tuple[float, float] = (52.25, -0.90),
    radius_km: float = 25.0,
    town_scale: float = 1.0,
) -> RoadData:
    """The road network of Demoshire: the same seed and arguments always give the same data.

    `towns` counts the county town, market towns and small towns; there are up to twice as
    many villages. `town_scale` multiplies every town's radius, so their street count grows
    with its square. When the towns don't fit in `radius_km` the county grows to hold them.
    """
    return _build(_plan(seed, towns, centre, radius_km, town_scale))


def generate_county_areas(
    seed: int = 7,
    *,
    towns: int = 12,
    centre: tuple[float, float] = (52.25, -0.90),
    radius_km: float = 25.0,
    town_scale: float = 1.0,
) -> dict:
    """GeoJSON FeatureCollection: the county boundary and one urban area per town (not villages)."""
    plan = _plan(seed, towns, centre, radius_km, town_scale)

    def polygon(points: list[tuple[float, float]] | tuple[tuple[float, float], ...]) -> dict:
        lat, lon = _to_lat_lon(plan.centre, [x for x, _ in points], [y for _, y in points])
        ring = [list(p) for p in zip(lon, lat)]
        return {"type": "Polygon", "coordinates": [ring + ring[:1]]}  # GeoJSON rings close on themselves

    features = [
        {"type": "Feature", "properties": {"kind": "boundary", "name": COUNTY_NAME}, "geometry": polygon(plan.boundary)}
    ]
    features += [
        {"type": "Feature", "properties": {"kind": "urban", "name": s.name, "size": s.size}, "geometry": polygon(s.outline())}
        for s in plan.settlements
        if s.size != VILLAGE
    ]
    return {"type": "FeatureCollection", "features": features}


def town_centres(
    seed: int = 7,
    *,
    towns: int = 12,
    centre: tuple[float, float] = (52.25, -0.90),
    radius_km: float = 25.0,
    town_scale: float = 1.0,
) -> list[tuple[str, float, float, str]]:
    """(name, lat, lon, size) of every settlement, towns first, the county town at index 0.

    The point is the centre crossing of the settlement's streets (a node of the road data);
    size is "county town", "market town", "small town" or "village".
    """
    plan = _plan(seed, towns, centre, radius_km, town_scale)
    lat, lon = _to_lat_lon(plan.centre, [s.x for s in plan.settlements], [s.y for s in plan.settlements])
    return [(s.name, la, lo, s.size) for s, la, lo in zip(plan.settlements, lat, lon)]


def write_osm_xml(data: RoadData, path: Path | str) -> None:
    """OSM XML (API 0.6) that read_osm turns back into the same RoadData."""
    with open(path, "w", encoding="utf-8") as out:
        out.write("<?xml version='1.0' encoding='UTF-8'?>\n")
        out.write('<osm version="0.6" generator="demandhub county">\n')
        for node in sorted(data.nodes):
            lat, lon = data.nodes[node]
            out.write(f'  <node id="{node}" version="1" lat="{lat:.7f}" lon="{lon:.7f}"/>\n')
        for way_id, way in enumerate(data.ways, start=1):
            out.write(f'  <way id="{way_id}" version="1">\n')
            out.writelines(f'    <nd ref="{node}"/>\n' for node in way.nodes)
            out.writelines(f"    <tag k={quoteattr(k)} v={quoteattr(v)}/>\n" for k, v in _tags(way))
            out.write("  </way>\n")
        out.write("</osm>\n")


def _tags(way: Way) -> list[tuple[str, str]]:
    tags = [("highway", way.highway)]
    if way.oneway:
        tags.append(("oneway", "yes" if way.oneway > 0 else "-1"))
    if way.maxspeed_kph is not None:
        tags.append(("maxspeed", _maxspeed_tag(way.maxspeed_kph)))
    if way.name:
        # Way.name holds name=* or, failing that, ref=*; a road number goes back where it came from.
        tags.append(("ref" if _is_road_number(way.name) else "name", way.name))
    return tags


def _maxspeed_tag(kph: float) -> str:
    mph = kph / MPH_KPH
    if abs(mph - round(mph)) < 1e-9:
        return f"{round(mph)} mph"  # British limits are whole mph; say so as OSM in the UK does
    return f"{kph:g}" if float(f"{kph:g}") == kph else repr(kph)


def _is_road_number(name: str) -> bool:
    return len(name) > 1 and name[0] in "ABM" and name[1:].isdigit()
